"""Grad-CAM++: channel weights from positive gradients, each weighted by the closed-form alpha."""

from __future__ import annotations

from typing import Any

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from .base import CAM_PARAMS, gradient_cam, signed_unless_relu, spatial_dims, weighted_sum

# pytorch-grad-cam's guard on the alpha denominator.
_EPS = 1e-6


@method("grad_cam_plus_plus", family="cam", params=list(CAM_PARAMS), signed=signed_unless_relu, inputs="spatial")
def grad_cam_plus_plus(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, layer: Any, relu: bool
) -> tuple[torch.Tensor, None]:
    """Grad-CAM++ (Chattopadhay et al., 2018): weights sum_ij alpha_ij * ReLU(g_ij), map sum_k w_k * A_k.

    With g the gradient of the target score and S_k the spatial sum of channel k's activations,
    alpha = g^2 / (2 g^2 + S_k g^3 + 1e-6), and 0 where g = 0: the paper's Eq. 19 for an
    exponential of the score, applied to the score's own gradients, as pytorch-grad-cam does
    (its map before min-max scaling and resizing is ours at layer resolution). The layer's map is
    upsampled to the input's size (bilinear, align_corners=False) as (N, 1, *spatial).
    """
    return gradient_cam(runner, x, target, layer, relu, "grad_cam_plus_plus", _grad_cam_plus_plus_map), None


def _grad_cam_plus_plus_map(activation: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
    dims = spatial_dims(activation)
    squared = gradient**2
    # The same order of operations as pytorch-grad-cam: near a vanishing denominator (negative
    # activation sums, before a ReLU) a different rounding would change the weights visibly.
    alpha = squared / (2 * squared + activation.sum(dim=dims, keepdim=True) * (squared * gradient) + _EPS)
    alpha = torch.where(gradient != 0, alpha, torch.zeros_like(alpha))
    return weighted_sum((gradient.clamp_min(0.0) * alpha).sum(dim=dims), activation)
