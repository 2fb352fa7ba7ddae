"""LRP canonizers: rewrite what the rules cannot see as layers into a form they handle, without
touching the model: BatchNorm folded exactly into the Linear/Conv before it, and residual
additions, functional pooling/means and ``F.relu`` in ``forward`` given the rules of the
composite's ``Sum``, pooling and ReLU entries (Zennit's canonizers rewrite the model instead)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ....core.errors import ParameterError
from .composites import Sum
from .relevance_functions import ElementwiseRelevance, LayerRelevance, PassThrough, SplitSum
from .rules import ElementwiseRule, Epsilon, Gradient, Pass, Rule, epsilon_through

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
    relevance to ``a`` unchanged, or None when it cannot fold (the BatchNorm's own rule applies)."""
    if call is None or call.batchnorm is not None:
        return None
    call.batchnorm = batchnorm
    return PassThrough.apply(a, out.detach())


def batchnorm_affine(bn: BatchNorm) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel (scale, shift) of an eval-mode BatchNorm: bn(y) = scale * y + shift, exactly
    (BatchNorm's eps in the scale: Zennit's merge keeps eps in the merged BatchNorm as well, so its
    canonized model computes y / sqrt(1 + eps) where the model computes y)."""
    running_mean, running_var = bn.running_mean, bn.running_var
    assert isinstance(running_mean, torch.Tensor) and isinstance(running_var, torch.Tensor)  # eval mode, checked
    scale = torch.rsqrt(running_var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight.detach()
    shift = -running_mean * scale
    if bn.bias is not None:
        shift = shift + bn.bias.detach()
    return scale, shift


# ---- the model's own forward code: residual additions, functional pooling and ReLU --------------
# Functional operations and the layer type whose composite entry gives their rule.
_POOLING_FUNCTIONS: dict[str, type] = {
    **{f"avg_pool{n}d": getattr(nn, f"AvgPool{n}d") for n in (1, 2, 3)},
    **{f"adaptive_avg_pool{n}d": getattr(nn, f"AdaptiveAvgPool{n}d") for n in (1, 2, 3)},
    **{f"max_pool{n}d": getattr(nn, f"MaxPool{n}d") for n in (1, 2, 3)},
    **{f"adaptive_max_pool{n}d": getattr(nn, f"AdaptiveMaxPool{n}d") for n in (1, 2, 3)},
    "mean": nn.AdaptiveAvgPool1d,  # a mean (or sum) over some dimensions: a global average pooling
    "sum": nn.AdaptiveAvgPool1d,
}
_RELU_FUNCTIONS = {"relu", "relu_"}
_ADDITIONS = {"add", "add_", "__add__", "__radd__", "__iadd__"}
_WATCHED = _ADDITIONS | _RELU_FUNCTIONS | set(_POOLING_FUNCTIONS)


def check_functional_rules(rule_of: Callable[[type], Rule | None], what: str) -> None:
    """Refuse, before any forward, a composite rule the functional canonizer cannot apply."""
    summing = rule_of(Sum)
    if summing is not None and not isinstance(summing, (Epsilon, Gradient, Pass)):
        raise ParameterError(
            f"{what}: the composite gives residual additions (Sum) the rule {summing!r}; additions take "
            "Norm/Epsilon (split in proportion), Pass or Gradient (copied to both summands)"
        )
    for kind in set(_POOLING_FUNCTIONS.values()):
        rule = rule_of(kind)
        if rule is not None and not isinstance(rule, (Epsilon, Gradient)):
            raise ParameterError(
                f"{what}: the composite gives {kind.__name__} the rule {rule!r}; pooling takes Norm/Epsilon or Gradient"
            )


class FunctionalCanonizer(TorchFunctionMode):
    """Gives additions, reductions, functional pooling and ``F.relu`` in a forward their rules.

    ``rule_of(layer type)`` is the composite's rule for :class:`Sum` (additions of two tensors
    that both depend on the input, e.g. a residual ``out + x`` or ``out += x``: Norm/Epsilon split
    relevance in proportion to the summands), for the pooling layer a functional pooling, ``mean``
    or ``sum`` stands for (Norm/Epsilon through the operation), and for ``nn.ReLU`` (an
    elementwise rule such as guided backprop's). No rule, or Gradient, leaves the operation's
    gradient. Only calls made by the model's own code count: ``watching()`` is false outside
    forwards and inside leaf layers (whose hooks already handle them).
    """

    def __init__(self, watching: Callable[[], bool], rule_of: Callable[[type], Rule | None]) -> None:
        super().__init__()
        self.watching = watching
        self.rules = {name: rule_of(kind) for name, kind in _POOLING_FUNCTIONS.items()}
        relu = rule_of(nn.ReLU)
        self.rules.update(dict.fromkeys(_RELU_FUNCTIONS, relu))
        summing = rule_of(Sum)
        self.sum_epsilon = summing.epsilon if isinstance(summing, Epsilon) else None

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name not in _WATCHED or not args or not _needs_relevance(args[0]) or not self.watching():
            return func(*args, **kwargs)
        if name in _ADDITIONS:
            return self._addition(func, name, args, kwargs)
        rule = self.rules[name]
        if isinstance(rule, ElementwiseRule) and name in _RELU_FUNCTIONS:
            return self._elementwise(func, name, rule, args, kwargs)
        out = func(*args, **kwargs)
        if not isinstance(rule, Epsilon) or not isinstance(out, torch.Tensor):
            return out  # the gradient; or e.g. (values, indices)

        def forward(a: torch.Tensor) -> torch.Tensor:
            return func(a, *args[1:], **kwargs)

        def propagate(a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
            return epsilon_through(forward, rule.epsilon, a, z, relevance)

        return LayerRelevance.apply(args[0], out.detach(), propagate)

    def _addition(self, func: Any, name: str, args: tuple, kwargs: dict) -> Any:
        if self.sum_epsilon is None or kwargs or len(args) != 2 or not _needs_relevance(args[1]):
            return func(*args, **kwargs)  # adds a constant (or scaled by alpha), or no split wanted
        result = SplitSum.apply(args[0], args[1], self.sum_epsilon)
        return args[0].copy_(result) if name in ("add_", "__iadd__") else result

    def _elementwise(self, func: Any, name: str, rule: ElementwiseRule, args: tuple, kwargs: dict) -> Any:
        a = args[0]
        in_place = name == "relu_" or bool(kwargs.get("inplace")) or (len(args) > 1 and args[1] is True)
        out = torch.relu(a.detach())
        result = ElementwiseRelevance.apply(a, out, rule.backward(out))
        # In place: the caller may go on with ``a`` itself, so ``a`` must carry the rule.
        return a.copy_(result) if in_place else result


def _needs_relevance(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.requires_grad
