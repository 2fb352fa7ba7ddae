"""DeepLIFT's maxpool rule (Captum's): each window's Δout split at the cross maximum of input and
baseline, through the pooling's own backward kernel; after an ``nn.ReLU``, both rules in one node."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .deeplift_relu import ReLUOutput, has_ones, small_mask
from .pooling import kernel_args, pool_with_indices

# The poolings' own backward kernels: the gradient at each window's maximum, from the indices.
_POOLING_BACKWARDS: dict[type, Any] = {
    nn.MaxPool2d: torch.ops.aten.max_pool2d_with_indices_backward,
    nn.MaxPool3d: torch.ops.aten.max_pool3d_with_indices_backward,
}


def max_pool_rescale(module: nn.Module, pre: torch.Tensor, out: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """The max pooling's output as it is, with Captum's maxpool rule as its gradient to ``pre``."""
    with torch.no_grad():
        scatter, delta_out = _pooling_shares(module, pre.shape, out, indices)
        pre_x, pre_ref = pre.detach().chunk(2)
        delta_in = pre_x - pre_ref
        small = small_mask(delta_in)
        local_weight = small if has_ones(small) else None
        if local_weight is not None:
            delta_in.add_(local_weight)  # a finite ratio where |Δin| is small (weighted 0 there)
    return _MaxPoolRescale.apply(pre, out.detach(), _MaxPoolRule(scatter, delta_out, delta_in, local_weight))


def relu_max_pool_rescale(
    module: nn.Module, relu: ReLUOutput, out: torch.Tensor, indices: torch.Tensor
) -> torch.Tensor:
    """A max pooling right after a ReLU: its output as it is, whose gradient to the ReLU's input is
    the maxpool rule followed by the ReLU's multipliers, in one node (the ReLU's node is skipped).

    The pooling's input difference is the ReLU's Δout. Where it is below 1e-10 the maxpool rule
    takes the pooling's own gradient, but where both halves' ReLU outputs are zero (most such
    places) the ReLU's multiplier is 0 there: that branch is computed only when some multiplier
    at such a place is not 0 (then both rules run as they do apart).
    """
    pre, delta_in, multiplier, relu_pre = relu.out, relu.delta_out, relu.multiplier, relu.pre
    assert pre is not None and delta_in is not None and multiplier is not None
    relu.forget()  # Δout is changed below: another pooling of the same output gets its own rule
    with torch.no_grad():
        scatter, delta_out = _pooling_shares(module, pre.shape, out, indices)
        small = small_mask(delta_in)
        # Adding 0 leaves Δin as it is: no need to look for a 1 first.
        delta_in.add_(small)
        local_weight = small if _reaches_input(small, multiplier) else None
    rule = _MaxPoolRule(scatter, delta_out, delta_in, local_weight, multiplier)
    return _MaxPoolRescale.apply(relu_pre, out.detach(), rule)


def _pooling_shares(
    module: nn.Module, shape: torch.Size, out: torch.Tensor, indices: torch.Tensor
) -> tuple[Callable[[torch.Tensor], torch.Tensor], torch.Tensor]:
    """The scatter to each window's maximum and each half's share of the window's Δout: the part
    above the baseline's output for the input half, the rest for the baseline half."""
    out_x, out_ref = out.detach().chunk(2)
    cross_max = torch.maximum(out_x, out_ref)
    delta_out = torch.empty_like(out)
    torch.sub(cross_max, out_ref, out=delta_out[: out_x.shape[0]])
    torch.sub(out_x, cross_max, out=delta_out[out_x.shape[0] :])
    return _window_scatter(module, shape, indices), delta_out


def _reaches_input(local_weight: torch.Tensor, multiplier: torch.Tensor) -> bool:
    """Whether a ReLU multiplier is non-zero at some place ``local_weight`` marks. ReLU
    multipliers are never negative, so a sum of products is zero exactly when all are."""
    weights = local_weight.view(-1)
    if multiplier.shape == local_weight.shape:
        return bool(torch.dot(multiplier.view(-1), weights))
    return bool(torch.mv(multiplier.view(2, -1), weights).sum())


def _window_scatter(
    module: nn.Module, shape: torch.Size, indices: torch.Tensor
) -> Callable[[torch.Tensor], torch.Tensor]:
    """The map from values per window to the sum at each window's maximum, as a tensor of ``shape``:
    the pooling's own backward kernel where there is one (several times faster than a scatter)."""
    backward = _POOLING_BACKWARDS.get(type(module))
    # The kernel with its stand-in input (below) is checked on batched CPU tensors; else the scatter.
    if backward is None or indices.device.type != "cpu" or len(shape) != (4 if type(module) is nn.MaxPool2d else 5):
        flat_indices = indices.flatten(2)

        def scatter(values: torch.Tensor) -> torch.Tensor:
            total = values.new_zeros(shape)
            total.flatten(2).scatter_add_(2, flat_indices, values.flatten(2))
            return total

        return scatter
    pool: Any = module
    args = kernel_args(pool, len(shape) - 2)
    stand_in = _stand_in(shape, indices.device)

    def pooling_backward(values: torch.Tensor) -> torch.Tensor:
        return backward(values, stand_in.to(values.dtype), *args, pool.ceil_mode, indices)

    return pooling_backward


@functools.lru_cache(maxsize=64)
def _stand_in(shape: torch.Size, device: torch.device) -> torch.Tensor:
    """The kernel reads only the shape (and layout) of the pooling's input: a stand-in without
    memory, the same for every call with that shape (made once: it costs as much as a small op)."""
    return torch.empty((), device=device).expand(shape)


def pooling_indices(module: nn.Module, pre: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """Where each window's maximum is: kept by the pooling's own backward node, else pooled again."""
    indices = getattr(out.grad_fn, "_saved_result1", None)
    if isinstance(indices, torch.Tensor) and indices.shape == out.shape and indices.dtype == torch.int64:
        return indices
    return pool_with_indices(module, pre.detach())[1]


class _MaxPoolRule:
    """Captum's maxpool rule: each window's Δout is split at the cross maximum of input and baseline.

    The part above the baseline's output goes to the input's argmax, the rest to the baseline's
    argmax; per position the summed share divided by Δin is the multiplier (the pooling's own
    gradient where |Δin| < 1e-10: ``local_weight`` is 1 there and 0 elsewhere; None when there is
    no such position, or none that matters). With a ReLU's ``multiplier`` the gradient goes on
    through the ReLU's rule as well, to the ReLU's input.
    """

    __slots__ = ("scatter", "delta_out", "delta_in", "local_weight", "multiplier")

    def __init__(
        self,
        scatter: Callable[[torch.Tensor], torch.Tensor],
        delta_out: torch.Tensor,
        delta_in: torch.Tensor,
        local_weight: torch.Tensor | None,
        multiplier: torch.Tensor | None = None,
    ) -> None:
        self.scatter, self.delta_out, self.delta_in = scatter, delta_out, delta_in
        self.local_weight, self.multiplier = local_weight, multiplier

    def gradient(self, grad_out: torch.Tensor) -> torch.Tensor:
        grad = _max_pool_rule(self.scatter, grad_out, self.delta_out, self.delta_in, self.local_weight)
        multiplier = self.multiplier
        if multiplier is None:
            return grad
        # The ReLU's own backward (grad * multiplier, per half), in place.
        if multiplier.shape[0] == grad.shape[0]:
            return grad.mul_(multiplier)
        return grad.view(2, *multiplier.shape).mul_(multiplier).view(grad.shape)


class _MaxPoolRescale(torch.autograd.Function):
    """The pooling's output as it is (no copy), whose gradient to ``pre`` is the rule's."""

    @staticmethod
    def forward(ctx, pre: torch.Tensor, out: torch.Tensor, rule: _MaxPoolRule) -> torch.Tensor:
        ctx.mark_dirty(out)
        # Kept on ctx, not saved: the rule's tensors are its own, never changed in place after this.
        ctx.rule = rule
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        rule, ctx.rule = ctx.rule, None
        return rule.gradient(grad_out), None, None


def _max_pool_rule(
    scatter: Callable[[torch.Tensor], torch.Tensor],
    grad_out: torch.Tensor,
    delta_out: torch.Tensor,
    delta_in: torch.Tensor,
    local_weight: torch.Tensor | None,
) -> torch.Tensor:
    """The maxpool rule's gradient to the pooling's input (both halves), written into the memory
    of the scatter's result."""
    shares = scatter(grad_out * delta_out)
    n = shares.shape[0] // 2
    ratio = shares[:n].add_(shares[n:]).div_(delta_in)  # the same for both halves
    if local_weight is None:
        shares[n:].copy_(ratio)
        return shares
    local = scatter(grad_out)
    # The ratio where |Δin| >= 1e-10, the pooling's own gradient elsewhere; the weights are 0 and
    # 1, so each position gets exactly one of them (local·weight is exact, as in addcmul).
    ratio.mul_(1.0 - local_weight)
    for half in local.chunk(2):
        half.mul_(local_weight).add_(ratio)
    return local
