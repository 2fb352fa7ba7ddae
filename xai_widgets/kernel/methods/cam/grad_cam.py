"""Grad-CAM: a layer's activations weighted by their spatially averaged gradients, upsampled."""

from __future__ import annotations

from typing import Any

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from .base import CAM_PARAMS, gradient_cam, signed_unless_relu, spatial_dims, weighted_sum


@method("grad_cam", family="cam", params=list(CAM_PARAMS), signed=signed_unless_relu, inputs="spatial")
def grad_cam(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, layer: Any, relu: bool
) -> tuple[torch.Tensor, None]:
    """Grad-CAM (Selvaraju et al., 2017): sum over channels of activation times mean gradient.

    The layer's map is upsampled to the input's spatial size (bilinear, align_corners=False)
    and returned as (N, 1, *spatial).
    """
    return gradient_cam(runner, x, target, layer, relu, "grad_cam", _grad_cam_map), None


def _grad_cam_map(activation: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
    return weighted_sum(gradient.mean(dim=spatial_dims(gradient)), activation)
