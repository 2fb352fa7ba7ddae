"""Grad-CAM: a layer's activations weighted by their spatially averaged gradients, upsampled."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ...core.errors import ExplainerError, NotDifferentiableError
from ...core.layers import last_conv_layer, resolve_layer
from ...core.registry import ParamSpec, method
from ...core.runner import ModelRunner

_INTERPOLATION = {1: "linear", 2: "bilinear", 3: "trilinear"}


@method(
    "grad_cam",
    family="cam",
    params=[
        ParamSpec("layer", "layer", None, "the layer whose activations are weighted (None: the last convolution)"),
        ParamSpec("relu", "bool", True, "keep only evidence for the target (drop negative values)"),
    ],
    signed=lambda params: not params["relu"],
)
def grad_cam(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, layer: Any, relu: bool
) -> tuple[torch.Tensor, None]:
    """Grad-CAM (Selvaraju et al., 2017): sum over channels of activation times mean gradient.

    The layer's map is upsampled to the input's spatial size (bilinear, align_corners=False)
    and returned as (N, 1, *spatial).
    """
    name, module = last_conv_layer(runner.model) if layer is None else resolve_layer(runner.model, layer)
    if x.ndim < 3:
        raise ExplainerError("grad_cam needs inputs with spatial dims (N, C, L) or (N, C, H, W)")
    maps = torch.empty((x.shape[0], 1, *x.shape[2:]), device=x.device, dtype=x.dtype)

    def work(start: int, stop: int) -> None:
        cam = _layer_cam(runner, module, name, x[start:stop], target[start:stop], relu)
        maps[start:stop] = _upsample(cam, tuple(x.shape[2:]), name)

    runner.chunks(x.shape[0], x.shape[1:], backward=True, work=work)
    return maps, None


def _layer_cam(
    runner: ModelRunner, module, name: str, x: torch.Tensor, target: torch.Tensor, relu: bool
) -> torch.Tensor:
    captured: list[torch.Tensor] = []

    def keep_output(_module, _inputs, output):
        if not isinstance(output, torch.Tensor):
            raise ExplainerError(f"grad_cam: layer {name!r} returns {type(output).__name__}, not a tensor")
        captured.append(output)
        # Hand the rest of the model a copy so an in-place op after it (ReLU(inplace=True),
        # a residual +=) cannot overwrite the activations we weight.
        return output.clone()

    handle = module.register_forward_hook(keep_output)
    try:
        with torch.enable_grad():
            scores = runner.scores(x.detach().requires_grad_(True), target)
            if not captured:
                raise ExplainerError(f"grad_cam: layer {name!r} was not used in the forward pass")
            activation = captured[-1]
            if not scores.requires_grad or not activation.requires_grad:
                raise NotDifferentiableError(
                    f"grad_cam: the output does not depend differentiably on layer {name!r}; pick another layer"
                )
            (grad,) = torch.autograd.grad(scores.sum(), activation)
    finally:
        handle.remove()
    if activation.ndim < 3:
        raise ExplainerError(
            f"grad_cam: layer {name!r} has output shape {tuple(activation.shape)} without spatial dims; "
            "pick a convolutional layer"
        )
    spatial_dims = tuple(range(2, activation.ndim))
    channel_weights = grad.mean(dim=spatial_dims, keepdim=True)
    cam = (channel_weights * activation).sum(dim=1, keepdim=True).detach()
    return cam.clamp_min(0.0) if relu else cam


def _upsample(cam: torch.Tensor, size: tuple, name: str) -> torch.Tensor:
    if len(size) != cam.ndim - 2:
        raise ExplainerError(
            f"grad_cam: layer {name!r} has {cam.ndim - 2} spatial dims but the input has {len(size)}; pick a layer "
            "that keeps the input's layout"
        )
    if tuple(cam.shape[2:]) == size:
        return cam
    return F.interpolate(cam, size=size, mode=_INTERPOLATION[len(size)], align_corners=False)
