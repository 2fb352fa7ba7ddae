"""LayerCAM: activations weighted element-wise by their positive gradients, summed over channels."""

from __future__ import annotations

from typing import Any

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from .base import CAM_PARAMS, gradient_cam, signed_unless_relu


@method("layer_cam", family="cam", params=list(CAM_PARAMS), signed=signed_unless_relu, inputs="spatial")
def layer_cam(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, layer: Any, relu: bool
) -> tuple[torch.Tensor, None]:
    """LayerCAM (Jiang et al., 2021): map sum_k ReLU(g_k) * A_k, element-wise, so shallow layers work too.

    g is the gradient of the target score at the layer, A its activations; equal to
    pytorch-grad-cam's LayerCAM before its min-max scaling and resizing. The layer's map is
    upsampled to the input's size (bilinear, align_corners=False) as (N, 1, *spatial).
    """
    return gradient_cam(runner, x, target, layer, relu, "layer_cam", _layer_cam_map), None


def _layer_cam_map(activation: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
    return (gradient.clamp_min(0.0) * activation).sum(dim=1, keepdim=True)
