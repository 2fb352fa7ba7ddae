"""What the CAM methods share: the layer's activations (and their gradients) caught by a forward hook,
the checks, per-channel copies through the memory budget, and the map upsampled to the input's size."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...core.errors import ExplainerError, NotDifferentiableError
from ...core.layers import last_conv_layer, resolve_layer
from ...core.registry import ParamSpec
from ...core.runner import ModelRunner

CAM_PARAMS = (
    ParamSpec("layer", "layer", None, "the layer whose activations are weighted (None: the last convolution)"),
    ParamSpec("relu", "bool", True, "keep only evidence for the target (drop negative values)"),
)

_INTERPOLATION = {1: "linear", 2: "bilinear", 3: "trilinear"}


def signed_unless_relu(params: dict[str, Any]) -> bool:
    """CAM maps carry a sign only when ``relu`` is off."""
    return not params["relu"]


@dataclass(frozen=True)
class LayerActivations:
    """A batch's activations at the CAM layer, with what a gradient-free method needs to run more copies."""

    runner: ModelRunner
    x: torch.Tensor
    target: torch.Tensor
    name: str
    module: nn.Module
    activation: torch.Tensor  # (N, C, *layer spatial), detached
    scores: torch.Tensor | None  # (N,) target outputs of the unchanged input, when asked for


# (activation, gradient) -> (n, 1, *layer spatial): the one override of a gradient CAM.
GradientMap = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
# LayerActivations -> (N, 1, *layer spatial): the one override of a gradient-free CAM.
ActivationMap = Callable[[LayerActivations], torch.Tensor]


def gradient_cam(
    runner: ModelRunner,
    x: torch.Tensor,
    target: torch.Tensor,
    layer: Any,
    relu: bool,
    method: str,
    form_map: GradientMap,
) -> torch.Tensor:
    """The map ``form_map(activation, gradient)`` of each sample, ReLU'd if asked, at the input's size.

    Samples go through the model in memory-budgeted chunks, one forward and backward each.
    """
    name, module = _cam_layer(runner, x, layer, method)
    maps = torch.empty((x.shape[0], 1, *x.shape[2:]), device=x.device, dtype=x.dtype)

    def work(start: int, stop: int) -> None:
        activation, gradient = _activations_and_gradients(
            runner, module, name, x[start:stop], target[start:stop], method
        )
        maps[start:stop] = _finish(form_map(activation, gradient), x, relu)

    runner.chunks(x.shape[0], x.shape[1:], backward=True, work=work, users_batch=True)
    return maps


def activation_cam(
    runner: ModelRunner,
    x: torch.Tensor,
    target: torch.Tensor,
    layer: Any,
    relu: bool,
    method: str,
    form_map: ActivationMap,
    need_scores: bool,
    runs_copies: bool,
) -> torch.Tensor:
    """The map ``form_map(LayerActivations)`` of a gradient-free CAM, ReLU'd if asked, at the input's size.

    The activations of the whole batch are caught first, without gradients; when no scores of
    the unchanged input are needed the forward stops at the layer. ``form_map`` then runs the
    copies it needs (``runs_copies``, see :func:`per_channel_scores`), whose passes are the
    call's progress; otherwise the capture passes are.
    """
    name, module = _cam_layer(runner, x, layer, method)
    scores = torch.empty((x.shape[0],), device=x.device, dtype=x.dtype) if need_scores else None
    parts: list[torch.Tensor] = []

    def work(start: int, stop: int) -> None:
        caught, part_scores = _activations(runner, module, name, x[start:stop], target[start:stop], method, need_scores)
        parts.append(caught)
        if scores is not None and part_scores is not None:
            scores[start:stop] = part_scores

    runner.chunks(x.shape[0], x.shape[1:], backward=False, work=work, report=not runs_copies, users_batch=True)
    activation = torch.cat(parts)
    _check_layout(activation, x, name, method)
    cam = form_map(LayerActivations(runner, x, target, name, module, activation, scores))
    return _finish(cam, x, relu)


def per_channel_scores(
    layer: LayerActivations,
    copy_scores: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    copies_per_input: int = 1,
) -> torch.Tensor:
    """(N, C) target outputs of one changed copy per sample and channel, batched through the memory budget.

    ``copy_scores(samples, channels)`` returns the scores of the copies of those samples changed
    for those channels (1-D index tensors of equal length, in sample-major order); it runs
    without gradients. ``copies_per_input`` copies together take the memory of one model input
    (more than one where the copies share work). These passes are the call's work and report
    progress.
    """
    n, n_channels = layer.activation.shape[:2]
    scores = torch.empty((n * n_channels,), device=layer.x.device, dtype=layer.activation.dtype)
    groups = -(-n_channels // copies_per_input)  # runs of channels per sample, each one item

    def work(start: int, stop: int) -> None:
        first = (start // groups) * n_channels + (start % groups) * copies_per_input
        last = ((stop - 1) // groups) * n_channels + min(((stop - 1) % groups + 1) * copies_per_input, n_channels)
        copies = torch.arange(first, last, device=layer.x.device)
        with torch.no_grad():
            scores[first:last] = copy_scores(copies // n_channels, copies % n_channels)

    layer.runner.chunks(n * groups, layer.x.shape[1:], backward=False, work=work)
    return scores.view(n, n_channels)


def spatial_dims(activation: torch.Tensor) -> tuple[int, ...]:
    """The dims after (N, C)."""
    return tuple(range(2, activation.ndim))


def weighted_sum(weights: torch.Tensor, activation: torch.Tensor) -> torch.Tensor:
    """Sum over channels of ``weights`` (N, C, 1...) or (N, C) times the activations: (N, 1, *spatial)."""
    weights = weights.reshape(*weights.shape[:2], *([1] * (activation.ndim - 2)))
    return (weights * activation).sum(dim=1, keepdim=True)


def upsample(maps: torch.Tensor, size: tuple[int, ...]) -> torch.Tensor:
    """(B, K, *layer spatial) maps to ``size``: (bi/tri)linear, align_corners=False (as Captum and cv2)."""
    if tuple(maps.shape[2:]) == size:
        return maps
    return F.interpolate(maps, size=size, mode=_INTERPOLATION[len(size)], align_corners=False)


def _cam_layer(runner: ModelRunner, x: torch.Tensor, layer: Any, method: str) -> tuple[str, nn.Module]:
    found = last_conv_layer(runner.model) if layer is None else resolve_layer(runner.model, layer)
    if x.ndim < 3:
        raise ExplainerError(f"{method} needs inputs with spatial dims (N, C, L) or (N, C, H, W)")
    if x.ndim - 2 not in _INTERPOLATION:
        raise ExplainerError(f"{method} explains inputs with 1 to 3 spatial dims, got shape {tuple(x.shape)}")
    return found


def _layer_output(output: Any, name: str, method: str) -> torch.Tensor:
    if not isinstance(output, torch.Tensor):
        raise ExplainerError(f"{method}: layer {name!r} returns {type(output).__name__}, not a tensor")
    if not output.is_floating_point():
        raise ExplainerError(f"{method}: layer {name!r} returns {output.dtype} values; pick a layer with real outputs")
    return output


def _activations_and_gradients(
    runner: ModelRunner, module: nn.Module, name: str, x: torch.Tensor, target: torch.Tensor, method: str
) -> tuple[torch.Tensor, torch.Tensor]:
    caught: list[torch.Tensor] = []

    def keep_output(_module, _inputs, output):
        # The autograd graph starts at the layer: nothing before it is recorded. The rest of the
        # model gets a copy, so an in-place op after the layer (ReLU(inplace=True), a residual +=)
        # cannot overwrite the activations we weight.
        leaf = _layer_output(output, name, method).detach().requires_grad_(True)
        caught.append(leaf)
        return leaf.clone()

    handle = module.register_forward_hook(keep_output)
    try:
        with torch.enable_grad():
            scores = runner.scores(x.detach(), target)
            if not caught:
                raise ExplainerError(f"{method}: layer {name!r} was not used in the forward pass; pick another layer")
            activation = caught[-1]
            if not scores.requires_grad:
                raise NotDifferentiableError(
                    f"{method}: the output does not depend differentiably on layer {name!r}; pick another layer"
                )
            (gradient,) = torch.autograd.grad(scores.sum(), activation, allow_unused=True)
    finally:
        handle.remove()
    if gradient is None:
        raise NotDifferentiableError(f"{method}: the output is not connected to layer {name!r}; pick another layer")
    activation = activation.detach()
    _check_layout(activation, x, name, method)
    return activation, gradient


class _LayerReached(ExplainerError):
    """Raised by the capture hook to end a forward pass once the layer's output is caught."""


def _activations(
    runner: ModelRunner,
    module: nn.Module,
    name: str,
    x: torch.Tensor,
    target: torch.Tensor,
    method: str,
    need_scores: bool,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The layer's output on its last call (its first, when no scores are needed and the forward
    stops there), and the target scores of the unchanged input if asked for."""
    caught: list[torch.Tensor] = []

    def keep_output(_module, _inputs, output):
        output = _layer_output(output, name, method)
        if not need_scores:
            caught.append(output)
            raise _LayerReached
        # A copy, so an in-place op after the layer cannot overwrite the activations.
        caught.append(output.clone())

    handle = module.register_forward_hook(keep_output)
    scores = None
    try:
        with torch.no_grad(), contextlib.suppress(_LayerReached):
            scores = runner.scores(x, target)
    finally:
        handle.remove()
    if not caught:
        raise ExplainerError(f"{method}: layer {name!r} was not used in the forward pass; pick another layer")
    return caught[-1], (scores if need_scores else None)


def _check_layout(activation: torch.Tensor, x: torch.Tensor, name: str, method: str) -> None:
    if activation.ndim < 3:
        raise ExplainerError(
            f"{method}: layer {name!r} has output shape {tuple(activation.shape)} without spatial dims; "
            "pick a convolutional layer"
        )
    if activation.ndim != x.ndim:
        raise ExplainerError(
            f"{method}: layer {name!r} has {activation.ndim - 2} spatial dims but the input has {x.ndim - 2}; "
            "pick a layer that keeps the input's layout"
        )


def _finish(cam: torch.Tensor, x: torch.Tensor, relu: bool) -> torch.Tensor:
    cam = cam.detach()
    if relu:
        cam = cam.clamp_min(0.0)
    return upsample(cam, tuple(x.shape[2:])).to(x.dtype)
