"""Ablation-CAM: each channel's weight is the relative drop of the target score when it is zeroed."""

from __future__ import annotations

from typing import Any

import torch

from ...core.errors import ExplainerError
from ...core.registry import method
from ...core.runner import ModelRunner, as_output_matrix
from .base import CAM_PARAMS, LayerActivations, activation_cam, per_channel_scores, signed_unless_relu, weighted_sum

# How closely an unablated copy run through the shared-prefix path must reproduce the sample's
# own score for that path to be trusted (float rounding of a different batch size stays far below).
_SELF_CHECK_RTOL = 1e-4


@method("ablation_cam", family="cam", params=list(CAM_PARAMS), signed=signed_unless_relu, inputs="spatial")
def ablation_cam(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, layer: Any, relu: bool
) -> tuple[torch.Tensor, None]:
    """Ablation-CAM (Desai & Ramaswamy, 2020): weights (y - y_k) / y, map sum_k w_k A_k.

    y is the target output, y_k the same with channel k of the layer's output set to zero. One
    ablated copy per sample and channel, in memory-budgeted batches. The copies share everything
    before the layer: each pass runs the model on one sample, and a forward hook expands the
    layer's output there into that pass's ablated copies, so only the layers after it run per
    copy, and a pass holds as many copies as take the memory of one input (measured by a first
    probe pass). Where a model cannot run that way (a skip connection concatenated across the
    layer, a batch size taken from the input), which that probe checks (its unablated copy must
    give the sample's own score), each copy runs through the whole model.

    The drop y - y_k comes from an unablated copy in the same pass as the ablated ones: the two
    round alike, so the difference of two close numbers keeps its precision (a channel the
    output ignores gets exactly 0). pytorch-grad-cam 1.5.7 takes y from a separate pass of
    another batch size, which rounds differently: against the float64 truth its maps were 2e-5
    to 2e-4 off (of their maximum) on VGG-11, VGG-11-BN and ResNet-18 (64, 224 px), ours 6e-6 to
    1e-4 and closer in every case, so the two differ by up to 1e-4 there.

    Otherwise equal to pytorch-grad-cam 1.5.7 at layers whose outputs have zeros (after a ReLU:
    the usual case, e.g. a ResNet block or a VGG ReLU). Where a layer's output has no zero
    (a convolution before its BatchNorm), pytorch-grad-cam ablates with min - 1e7 instead,
    a value that also drifts by 1e7 for each further copy in its batch of 32; ours zeroes, as the
    paper defines ablation, which is what a ReLU-followed convolution sees in both (the
    default layer of a VGG agrees), and keeps the weights independent of the batching.
    The layer's map is upsampled to the input's size (bilinear, align_corners=False) as
    (N, 1, *spatial).
    """
    return activation_cam(
        runner, x, target, layer, relu, "ablation_cam", _ablation_cam_map, need_scores=True, runs_copies=True
    ), None


def _ablation_cam_map(layer: LayerActivations) -> torch.Tensor:
    assert layer.scores is not None
    copies_per_input = _shared_prefix_copies(layer)
    if copies_per_input:
        drops = per_channel_scores(
            layer, lambda samples, channels: _shared_prefix_drops(layer, samples, channels), copies_per_input
        )
    else:
        drops = per_channel_scores(layer, lambda samples, channels: _whole_copy_drops(layer, samples, channels))
    return weighted_sum(drops / layer.scores[:, None], layer.activation)


def _zeroed(output: Any, channels: torch.Tensor, name: str) -> torch.Tensor:
    """``output`` (1 or len(channels) rows) as one row per channel, that channel zeroed (index -1: none)."""
    if not isinstance(output, torch.Tensor) or output.shape[0] not in (1, channels.shape[0]):
        raise ExplainerError(f"ablation_cam: layer {name!r} changes its output between passes; pick another layer")
    ablated = output.expand(channels.shape[0], *output.shape[1:]).clone()
    rows = torch.arange(channels.shape[0], device=channels.device)
    keep = channels >= 0
    ablated[rows[keep], channels[keep]] = 0
    return ablated


def _whole_copy_drops(layer: LayerActivations, samples: torch.Tensor, channels: torch.Tensor) -> torch.Tensor:
    """y - y_k of each copy, y from an unablated copy of the same sample added to the pass."""
    unique, position = torch.unique_consecutive(samples, return_inverse=True)
    samples = torch.cat([unique, samples])
    channels = torch.cat([torch.full_like(unique, -1), channels])
    handle = layer.module.register_forward_hook(lambda _m, _i, output: _zeroed(output, channels, layer.name))
    try:
        scores = layer.runner.scores(layer.x[samples], layer.target[samples])
    finally:
        handle.remove()
    return scores[: unique.shape[0]][position] - scores[unique.shape[0] :]


def _expanded_outputs(layer: LayerActivations, sample: int, channels: torch.Tensor) -> torch.Tensor:
    """The outputs (len(channels), outputs) of one sample run once up to the layer, expanded there."""
    handle = layer.module.register_forward_hook(lambda _m, _i, output: _zeroed(output, channels, layer.name))
    try:
        return as_output_matrix(layer.runner.model(layer.x[sample : sample + 1]), channels.shape[0])
    finally:
        handle.remove()


def _shared_prefix_drops(layer: LayerActivations, samples: torch.Tensor, channels: torch.Tensor) -> torch.Tensor:
    """y - y_k of each copy, a pass per run of one sample's copies led by its unablated copy."""
    drops = torch.empty(samples.shape, device=samples.device, dtype=layer.activation.dtype)
    starts = [0, *(torch.nonzero(samples[1:] != samples[:-1]).flatten() + 1).tolist(), samples.shape[0]]
    unablated = torch.tensor([-1], device=channels.device)
    for start, stop in zip(starts[:-1], starts[1:], strict=True):
        sample = int(samples[start])
        outputs = _expanded_outputs(layer, sample, torch.cat([unablated, channels[start:stop]]))
        scores = outputs[:, int(layer.target[sample])]
        drops[start:stop] = scores[0] - scores[1:]
    return drops


def _shared_prefix_copies(layer: LayerActivations) -> int:
    """How many ablated copies, run once up to the layer and expanded there, take the memory of one
    model input; 0 when the model cannot run that way.

    One pass of the first sample with an unablated and an ablated copy checks the way (its
    unablated copy must give the sample's own score) and measures the activation bytes made
    before the layer (once per pass) and after it (per copy), as the runner measures a pass.
    """
    assert layer.scores is not None
    before: dict[int, int] = {}
    after: dict[int, int] = {}
    kept: list[torch.Tensor] = []
    reached = [False]

    def count(module, _inputs, output):
        if module is layer.module:
            reached[0] = True
            if isinstance(output, torch.Tensor):
                # The ablation hook, which runs after this one, expands it into the copies.
                after[-1] = output.numel() * output.element_size() * channels.shape[0]
            return
        if isinstance(output, torch.Tensor):
            # Outputs stay alive during the probe so no storage address is reused and merged.
            kept.append(output)
            storage = output.untyped_storage()
            (after if reached[0] else before)[storage.data_ptr()] = storage.nbytes()

    model = layer.runner.model
    watched = [m for m in model.modules() if not list(m.children())]
    if layer.module not in watched:
        watched.append(layer.module)
    channels = torch.tensor([-1, 0], device=layer.x.device)
    handles = [module.register_forward_hook(count) for module in watched]
    try:
        with torch.no_grad():
            outputs = _expanded_outputs(layer, 0, channels)
    except torch.cuda.OutOfMemoryError:
        raise
    except (RuntimeError, ValueError, TypeError, IndexError, ExplainerError):
        return 0  # e.g. a skip connection concatenated across the layer
    finally:
        for handle in handles:
            handle.remove()
    unablated, expected = outputs[0], layer.scores[0]
    if not (unablated[int(layer.target[0])] - expected).abs() <= _SELF_CHECK_RTOL * unablated.abs().max():
        return 0  # e.g. a batch size taken from the input, broadcast without an error
    per_copy = max(sum(after.values()) / channels.shape[0], 1.0)
    return max(1, int((sum(before.values()) + per_copy) // per_copy))
