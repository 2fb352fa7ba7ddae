"""Fold each eval-mode BatchNorm into the convolution before it, and mark steps that may run in place.

A BatchNorm on running statistics is a per-channel affine map, so conv -> BatchNorm is one conv
with scaled weights and a shifted bias: one pass over the activations instead of two, and one
tensor fewer per chunk. The folded weights are computed at the start of every call
(:meth:`ConvBatchNorm.refresh`), so a cached plan follows the model's current parameters. The
results differ from the unfolded layers by float rounding only (the scaled weights are rounded once).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 (the usual name)
from torch import fx, nn

from .graph import Step

# Pointwise functions with an in-place form that gives the same values.
_IN_PLACE_FORMS: dict[Any, Callable[[torch.Tensor], torch.Tensor]] = {torch.relu: torch.relu_, F.relu: torch.relu_}


class ConvBatchNorm:
    """A Conv1d/Conv2d whose output only an eval-mode BatchNorm reads, as one conv."""

    def __init__(self, conv: nn.Conv1d | nn.Conv2d, batch_norm: nn.BatchNorm1d | nn.BatchNorm2d) -> None:
        self.conv, self.batch_norm = conv, batch_norm
        self.weight = conv.weight
        self.bias: torch.Tensor | None = conv.bias

    def refresh(self) -> None:
        """Fold the BatchNorm's current statistics and parameters into the conv's current weights."""
        bn, conv = self.batch_norm, self.conv
        with torch.no_grad():
            assert bn.running_var is not None and bn.running_mean is not None
            scale = torch.rsqrt(bn.running_var + bn.eps)
            if bn.weight is not None:
                scale = scale * bn.weight
            shift = -bn.running_mean * scale
            if bn.bias is not None:
                shift = shift + bn.bias
            if conv.bias is not None:
                shift = shift + conv.bias * scale
            self.weight = conv.weight * scale.view(-1, *([1] * (conv.weight.ndim - 1)))
            self.bias = shift

    def whole(self, maps: torch.Tensor) -> torch.Tensor:
        """The conv and BatchNorm on whole maps, padding as the conv pads."""
        return self.conv._conv_forward(maps, self.weight, self.bias)  # noqa: SLF001 (its padding modes)

    def region(self, region: torch.Tensor) -> torch.Tensor:
        """The conv and BatchNorm on an already padded region (see ``graph.Window``)."""
        conv = self.conv
        if isinstance(conv, nn.Conv1d):
            out = F.conv1d(region.squeeze(2), self.weight, self.bias, conv.stride, 0, conv.dilation, conv.groups)
            return out.unsqueeze(2)
        return F.conv2d(region, self.weight, self.bias, conv.stride, 0, conv.dilation, conv.groups)


def fold_batch_norms(model: nn.Module, steps: list[Step]) -> tuple[list[Step], list[ConvBatchNorm]]:
    """The steps with every conv -> eval BatchNorm pair folded (the conv step computes both, the
    BatchNorm step passes its input on), and the folds, to refresh at each call."""
    by_node = {step.node: index for index, step in enumerate(steps)}
    steps = list(steps)
    folds = []
    for index, step in enumerate(steps):
        conv = _module(model, step.node)
        if step.kind != "window" or type(conv) not in (nn.Conv1d, nn.Conv2d) or len(step.node.users) != 1:
            continue
        (user,) = step.node.users
        batch_norm = _module(model, user)
        bn_step = steps[by_node[user]] if user in by_node else None
        if bn_step is None or bn_step.kind != "pointwise" or not _eval_batch_norm(batch_norm):
            continue
        fold = ConvBatchNorm(conv, batch_norm)  # type: ignore[arg-type]
        assert step.window is not None
        steps[index] = dataclasses.replace(
            step, fn=fold.whole, window=dataclasses.replace(step.window, run=fold.region)
        )
        steps[by_node[user]] = dataclasses.replace(bn_step, fn=_passed_on, passes_on=True)
        folds.append(fold)
    return steps, folds


def mark_in_place(steps: list[Step]) -> list[Step]:
    """Give ``in_place`` to each pointwise step that may overwrite its input: a function with an
    in-place form, on a fresh map (a conv's, a pool's or a merge's, maybe passed on by a folded
    BatchNorm) that no other step reads anywhere along the way."""
    by_node = {step.node: step for step in steps}
    marked = []
    for step in steps:
        in_place = _IN_PLACE_FORMS.get(step.fn) if step.kind == "pointwise" else None
        if in_place is not None and not _fresh_and_private(step.maps[0], by_node):
            in_place = None
        marked.append(dataclasses.replace(step, in_place=in_place) if in_place is not None else step)
    return marked


def _fresh_and_private(node: fx.Node, by_node: dict[fx.Node, Step]) -> bool:
    """Whether ``node``'s value is a tensor made by its own step (or passed on to it unchanged
    from one) that only one step reads at each node of the chain."""
    while True:
        source = by_node.get(node)
        if source is None or len(node.users) != 1:
            return False
        if not source.passes_on:
            return source.kind in ("window", "merge")
        node = source.maps[0]


def _eval_batch_norm(module: nn.Module | None) -> bool:
    """A BatchNorm that normalises with running statistics (the plan is only used in eval mode)."""
    return (
        type(module) in (nn.BatchNorm1d, nn.BatchNorm2d)
        and getattr(module, "running_mean", None) is not None
        and getattr(module, "running_var", None) is not None
    )


def _passed_on(value: torch.Tensor) -> torch.Tensor:
    return value


def _module(model: nn.Module, node: fx.Node) -> nn.Module | None:
    return model.get_submodule(str(node.target)) if node.op == "call_module" else None
