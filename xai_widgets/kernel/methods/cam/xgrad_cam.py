"""XGrad-CAM: channel weights are the gradients averaged with the activations' own spatial weights."""

from __future__ import annotations

from typing import Any

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from .base import CAM_PARAMS, gradient_cam, signed_unless_relu, spatial_dims, weighted_sum

# pytorch-grad-cam's guard on the activation sum.
_EPS = 1e-7


@method("xgrad_cam", family="cam", params=list(CAM_PARAMS), signed=signed_unless_relu, inputs="spatial")
def xgrad_cam(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, layer: Any, relu: bool
) -> tuple[torch.Tensor, None]:
    """XGrad-CAM (Fu et al., 2020): weights w_k = sum_ij g_ij A_ij / (sum_ij A_ij + 1e-7), map sum_k w_k A_k.

    g is the gradient of the target score at the layer, A its activations; equal to
    pytorch-grad-cam's XGradCAM before its min-max scaling and resizing. The layer's map is
    upsampled to the input's size (bilinear, align_corners=False) as (N, 1, *spatial).
    """
    return gradient_cam(runner, x, target, layer, relu, "xgrad_cam", _xgrad_cam_map), None


def _xgrad_cam_map(activation: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
    dims = spatial_dims(activation)
    weights = (gradient * activation / (activation.sum(dim=dims, keepdim=True) + _EPS)).sum(dim=dims)
    return weighted_sum(weights, activation)
