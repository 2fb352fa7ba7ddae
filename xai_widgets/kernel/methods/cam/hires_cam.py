"""HiResCAM: the element-wise product of gradients and activations, summed over channels."""

from __future__ import annotations

from typing import Any

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from .base import CAM_PARAMS, gradient_cam, signed_unless_relu


@method("hires_cam", family="cam", params=list(CAM_PARAMS), signed=signed_unless_relu, inputs="spatial")
def hires_cam(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, layer: Any, relu: bool
) -> tuple[torch.Tensor, None]:
    """HiResCAM (Draelos & Carin, 2020): map sum_k g_k * A_k, no spatial averaging of the gradients.

    g is the gradient of the target score at the layer, A its activations; for a model whose
    head is global average pooling and a linear layer, it equals Grad-CAM. Equal to
    pytorch-grad-cam's HiResCAM before its min-max scaling and resizing. The layer's map is
    upsampled to the input's size (bilinear, align_corners=False) as (N, 1, *spatial).
    """
    return gradient_cam(runner, x, target, layer, relu, "hires_cam", _hires_cam_map), None


def _hires_cam_map(activation: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
    return (gradient * activation).sum(dim=1, keepdim=True)
