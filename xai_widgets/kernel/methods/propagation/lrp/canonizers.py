"""LRP canonizers: rewrite what the rules cannot see as layers into a form they handle, without
touching the model: BatchNorm folded into the Linear/Conv before it, residual additions split in
proportion to their summands, and functional pooling/means in ``forward`` given the ε-rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .relevance_functions import LayerRelevance, PassThrough, SplitSum
from .rules import LinearLayer, LinearOp, epsilon_through

BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
BatchNorm = nn.BatchNorm1d | nn.BatchNorm2d | nn.BatchNorm3d


# ---- BatchNorm folding ------------------------------------------------------------------------
class FoldTarget(Protocol):
    """A Linear/Conv call that a following BatchNorm can fold into."""

    batchnorm: BatchNorm | None


def fold_batchnorm(
    call: FoldTarget | None, batchnorm: BatchNorm, a: torch.Tensor, out: torch.Tensor
) -> torch.Tensor | None:
    """Fold the eval-mode ``batchnorm`` into ``call``, the Linear/Conv call whose output is its input
    ``a`` (None when something else produced ``a``). Returns the BatchNorm's output handing its
    relevance to ``a`` unchanged, or None when it cannot fold (the caller gives it the ε-rule)."""
    if call is None or call.batchnorm is not None:
        return None
    call.batchnorm = batchnorm
    return PassThrough.apply(a, out.detach())


def folded_layer(module: LinearLayer, batchnorm: BatchNorm | None, out: torch.Tensor) -> tuple[LinearOp, torch.Tensor]:
    """The Linear/Conv ``module`` as the rules see it, with ``batchnorm`` (if any) folded into its
    weight and bias, and its output ``out`` as that folded layer gives it."""
    if batchnorm is None:
        return LinearOp(module), out
    scale, shift = batchnorm_affine(batchnorm)
    shape = (1, -1) + (1,) * (out.ndim - 2)
    return LinearOp(module, (scale, shift)), out * scale.view(shape) + shift.view(shape)


def batchnorm_affine(bn: BatchNorm) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel (scale, shift) of an eval-mode BatchNorm: bn(y) = scale * y + shift."""
    running_mean, running_var = bn.running_mean, bn.running_var
    assert isinstance(running_mean, torch.Tensor) and isinstance(running_var, torch.Tensor)  # eval mode, checked
    scale = torch.rsqrt(running_var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight.detach()
    shift = -running_mean * scale
    if bn.bias is not None:
        shift = shift + bn.bias.detach()
    return scale, shift


# ---- the model's own forward code: residual additions and functional pooling -----------------
_POOLING_FUNCTIONS = {
    f"{kind}_pool{n}d" for kind in ("avg", "max", "adaptive_avg", "adaptive_max") for n in (1, 2, 3)
} | {"mean", "sum"}
_ADDITIONS = {"add", "add_", "__add__", "__radd__", "__iadd__"}


class FunctionalCanonizer(TorchFunctionMode):
    """Gives additions, reductions and functional pooling in a forward their LRP treatment.

    An addition of two tensors that both depend on the input (a residual ``out + x`` or
    ``out += x``) splits relevance in proportion to the summands; a ``mean``/``sum`` or a
    functional pooling (``F.avg_pool2d``, ``F.max_pool2d``...) gets the ε-rule like a pooling
    layer. Only calls made by the model's own code count: ``watching()`` is false outside
    forwards and inside leaf layers (whose hooks already handle them).
    """

    def __init__(self, watching: Callable[[], bool], pool_epsilon: float) -> None:
        super().__init__()
        self.watching = watching
        self.pool_epsilon = pool_epsilon

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        watched = name in _ADDITIONS or name in _POOLING_FUNCTIONS
        if not watched or not args or not _needs_relevance(args[0]) or not self.watching():
            return func(*args, **kwargs)
        if name in _ADDITIONS:
            if kwargs or len(args) != 2 or not _needs_relevance(args[1]):
                return func(*args, **kwargs)  # adds a constant (or scaled by alpha): no split
            result = SplitSum.apply(*args)
            return args[0].copy_(result) if name in ("add_", "__iadd__") else result
        out = func(*args, **kwargs)
        if not isinstance(out, torch.Tensor):
            return out  # e.g. (values, indices)

        def forward(a: torch.Tensor) -> torch.Tensor:
            return func(a, *args[1:], **kwargs)

        def propagate(a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
            return epsilon_through(forward, self.pool_epsilon, a, z, relevance)

        return LayerRelevance.apply(args[0], out.detach(), propagate)


def _needs_relevance(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.requires_grad
