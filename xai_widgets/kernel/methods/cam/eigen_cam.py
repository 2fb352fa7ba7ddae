"""Eigen-CAM: the activations projected on their first principal component; no gradients, no target."""

from __future__ import annotations

from typing import Any

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from .base import CAM_PARAMS, LayerActivations, activation_cam, signed_unless_relu


@method("eigen_cam", family="cam", params=list(CAM_PARAMS), signed=signed_unless_relu, inputs="spatial")
def eigen_cam(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, layer: Any, relu: bool
) -> tuple[torch.Tensor, None]:
    """Eigen-CAM (Muhammad & Yeasin, 2020): each position's activations, centred over positions,
    projected on their first right singular vector. The target is ignored: the map is the same
    for every class. The forward stops at the layer.

    A singular vector's sign is arbitrary (pytorch-grad-cam's EigenCAM keeps whatever its LAPACK
    returns, so its map can be the negative one, which its ReLU then wipes out). Ours is flipped
    so that the value of largest magnitude is positive, the sign correction of Seg-Eigen-CAM
    that pytorch-grad-cam ships as ``get_2d_projection_with_sign_correction``; the signed map
    equals pytorch-grad-cam's projection up to that sign. The principal direction comes from an
    eigendecomposition of the smaller Gram matrix, in float64. The layer's map is upsampled to
    the input's size (bilinear, align_corners=False) as (N, 1, *spatial).
    """
    return activation_cam(
        runner, x, target, layer, relu, "eigen_cam", _eigen_cam_map, need_scores=False, runs_copies=False
    ), None


def _eigen_cam_map(layer: LayerActivations) -> torch.Tensor:
    activation = layer.activation
    positions = activation.flatten(2).transpose(1, 2).double()  # (N, P positions, C channels)
    centred = positions - positions.mean(dim=1, keepdim=True)
    # The first principal direction from the smaller of the two Gram matrices (an eigh of
    # min(P, C) squared, far cheaper than an SVD): with M = U S V^T, the projection M v_1 equals
    # s_1 u_1, the top eigenvector of M M^T scaled by the root of its eigenvalue.
    if centred.shape[1] <= centred.shape[2]:
        values, vectors = torch.linalg.eigh(centred @ centred.transpose(1, 2))
        projection = vectors[:, :, -1] * values[:, -1:].clamp_min(0.0).sqrt()
    else:
        _, vectors = torch.linalg.eigh(centred.transpose(1, 2) @ centred)
        projection = (centred @ vectors[:, :, -1:]).squeeze(2)
    flip = projection.amin(dim=1).abs() > projection.amax(dim=1).abs()
    projection = torch.where(flip[:, None], -projection, projection)
    return projection.view(activation.shape[0], 1, *activation.shape[2:]).to(activation.dtype)
