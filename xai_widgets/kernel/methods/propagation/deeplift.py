"""DeepLIFT (rescale rule): a modified backward pass over the input and its baseline run together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...core.errors import ModelOutputError
from ...core.registry import BASELINE_NAMES, ParamSpec, method
from ...core.runner import ModelRunner
from ...inputs.baselines import resolve_baseline

# Below this input difference the multiplier Δout/Δin is ill-conditioned; the local gradient is
# used instead (Captum's DeepLift default).
_EPS = 1e-10
_ELEMENTWISE = (nn.ReLU, nn.ELU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softplus)
_MAXPOOLS = {nn.MaxPool1d: F.max_pool1d, nn.MaxPool2d: F.max_pool2d, nn.MaxPool3d: F.max_pool3d}
# The poolings' own backward kernels: the gradient at each window's maximum, from the indices.
_POOLING_BACKWARDS: dict[type, Any] = {
    nn.MaxPool2d: torch.ops.aten.max_pool2d_with_indices_backward,
    nn.MaxPool3d: torch.ops.aten.max_pool3d_with_indices_backward,
}


@method(
    "deeplift",
    family="propagation",
    params=[
        ParamSpec(
            "baseline", "baseline", "zeros", "the reference input differences are taken from", choices=BASELINE_NAMES
        ),
    ],
    has_delta=True,
)
def deeplift(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, baseline: Any
) -> tuple[torch.Tensor, torch.Tensor]:
    """DeepLIFT with the rescale rule (Shrikumar et al., 2017): (x - baseline) times the multipliers.

    x and the baseline go through the model as one batch; on the way back every ``nn.ReLU``,
    ``ELU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh`` and ``Softplus`` passes Δout/Δin instead of its
    local gradient (the gradient where |Δin| < 1e-10), and ``MaxPool1d/2d/3d`` Captum's maxpool
    rule. Linear layers, convolutions, eval-mode BatchNorm and average pooling need no rule.
    Activations called as functions (``F.relu``, ``torch.sigmoid``) cannot be hooked and keep
    their plain gradient, as in Captum: the result is then not DeepLIFT there and ``delta`` grows.
    A module called several times in one forward is handled per call (Captum refuses it). An
    in-place ``nn.ReLU`` works on its input as without the hooks; other in-place activations run on
    a copy of their input, as in Captum. Code that relies on that side effect on the input
    (``self.relu(h); return h``) gets no rule there.
    ``delta`` is sum(attributions) - (F(x) - F(baseline)) per sample, zero up to rounding on
    models built only from the layers above.
    """
    base = resolve_baseline(baseline, x, "deeplift")
    # Size the chunks before the hooks go on: the runner's probe pass uses a batch of one.
    runner.chunk_size(x.shape[1:], backward=True)
    values = torch.empty_like(x)
    delta = torch.empty(x.shape[0], dtype=x.dtype, device=x.device)

    def work(start: int, stop: int) -> None:
        inputs, refs, part_target = x[start:stop], base[start:stop], target[start:stop]
        n = stop - start
        multipliers, scores = runner.gradients(torch.cat([inputs, refs]), torch.cat([part_target, part_target]))
        part = (inputs - refs) * multipliers[:n]
        values[start:stop] = part
        delta[start:stop] = part.flatten(1).sum(1) - (scores[:n] - scores[n:])

    handles = _hook_nonlinearities(runner.model)
    try:
        runner.chunks(x.shape[0], x.shape[1:], backward=True, work=work, unit=2)
    finally:
        for handle in handles:
            handle.remove()
    return values, delta


def _hook_nonlinearities(model: nn.Module) -> list:
    """Register the rescale hooks on every supported module; return their handles."""
    handles = []
    for module in model.modules():
        if isinstance(module, _ELEMENTWISE) or type(module) in _MAXPOOLS:
            pending: list = []
            handles.append(module.register_forward_pre_hook(_make_pre_hook(pending)))
            handles.append(module.register_forward_hook(_make_forward_hook(pending)))
    return handles


def _make_pre_hook(pending: list):
    def pre_hook(module: nn.Module, inputs: tuple):
        # Pre- and forward hook of one call of a leaf module are adjacent, so one slot suffices
        # even when the module is called several times.
        pending.clear()
        if not torch.is_grad_enabled() or not inputs or not isinstance(inputs[0], torch.Tensor):
            return None
        pre = inputs[0]
        if pre.shape[0] % 2:
            raise ModelOutputError(
                f"deeplift: {type(module).__name__} received a batch of {pre.shape[0]}, not the input "
                "and baseline halves it expects; the model must keep the batch dim through its layers"
            )
        if type(module) is nn.ReLU:
            # What the rule needs of the pre-activation, taken before an in-place ReLU overwrites
            # it; the ReLU then works on a detached alias (the same memory, as without the hooks).
            with torch.no_grad():
                pre_x, pre_ref = pre.chunk(2)
                pending.append((pre, pre_x - pre_ref))
            return (pre.detach(), *inputs[1:]) if module.inplace else None
        pending.append((pre, None))
        if getattr(module, "inplace", False):
            # Keep the pre-activation intact: the rule needs it after the module ran.
            return (pre.clone(), *inputs[1:])
        return None

    return pre_hook


def _make_forward_hook(pending: list):
    def forward_hook(module: nn.Module, _inputs: tuple, output: Any):
        if not pending or not isinstance(output, torch.Tensor):
            return None
        pre, delta_in = pending.pop()
        if delta_in is not None:
            return _ReLURescale.apply(pre, output.detach(), _relu_multiplier(delta_in, output.detach()))
        if type(module) in _MAXPOOLS:
            return _max_pool_rescale(module, pre, output)
        return _rescale(pre, output)

    return forward_hook


def _halves_difference(t: torch.Tensor) -> torch.Tensor:
    """input-half minus baseline-half, repeated for both halves (the batch is [x; baseline])."""
    first, second = t.chunk(2)
    difference = first - second
    return torch.cat([difference, difference])


def _rescale(pre: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """``out`` unchanged in value, whose gradient to ``pre`` is Δout/Δin (the local one where Δin ≈ 0)."""
    with torch.no_grad():
        delta_in = _halves_difference(pre)
        small = delta_in.abs() < _EPS
        ratio = _halves_difference(out) / torch.where(small, torch.ones_like(delta_in), delta_in)
        ratio = torch.where(small, torch.zeros_like(ratio), ratio)
    # (pre - pre.detach()) is exactly zero, so the value stays ``out``; its gradient is ``ratio``.
    rescaled = out.detach() + (pre - pre.detach()) * ratio
    return torch.where(small, out, rescaled)


def _relu_multiplier(delta_in: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """A ReLU's multipliers: Δout/Δin, ReLU's own gradient (out > 0, per half) where |Δin| < 1e-10.

    Half the batch's size (the same for input and baseline) unless some |Δin| is that small.
    Masks are float 0/1 tensors made in place: boolean masks, ``where`` and ``masked_fill`` are
    many times slower on the CPU.
    """
    out_x, out_ref = out.chunk(2)
    delta_out = out_x - out_ref
    local_weight = _small(delta_in)
    if not local_weight.any():
        return delta_out.div_(delta_in)
    # Δin + 1 where it is small: a finite ratio there, zeroed next; exactly Δin elsewhere.
    ratio = delta_out.div_(delta_in.add_(local_weight)).mul_(1.0 - local_weight)
    multiplier = out.new_empty(out.shape)
    for half, out_half in zip(multiplier.chunk(2), (out_x, out_ref), strict=True):
        torch.addcmul(ratio, local_weight, torch.gt(out_half, 0, out=torch.empty_like(out_half)), out=half)
    return multiplier


def _small(delta_in: torch.Tensor) -> torch.Tensor:
    """1.0 where |Δin| < 1e-10 (the rescale rule falls back to the local gradient there), else 0.0."""
    return delta_in.abs().lt_(_EPS)


class _ReLURescale(torch.autograd.Function):
    """A ReLU's output as it is (no copy), whose gradient to the pre-activation is ``multiplier``."""

    @staticmethod
    def forward(ctx, pre: torch.Tensor, out: torch.Tensor, multiplier: torch.Tensor) -> torch.Tensor:
        # ``out`` is a detached alias: marking it changed in place hands it this node's gradient,
        # and the model may go on changing it in place.
        ctx.mark_dirty(out)
        ctx.multiplier = multiplier
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        multiplier = ctx.multiplier
        if multiplier.shape[0] == grad_out.shape[0]:
            return grad_out * multiplier, None, None
        # One multiplier for both halves: broadcast it over them.
        halves = grad_out.view(2, *multiplier.shape)
        return (halves * multiplier).view_as(grad_out), None, None


def _max_pool_rescale(module: nn.Module, pre: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The max pooling's output as it is, with Captum's maxpool rule as its gradient to ``pre``."""
    with torch.no_grad():
        indices = _pooling_indices(module, pre, out)
        out_x, out_ref = out.detach().chunk(2)
        cross_max = torch.maximum(out_x, out_ref)
        delta_out = torch.empty_like(out)
        torch.sub(cross_max, out_ref, out=delta_out[: out_x.shape[0]])
        torch.sub(out_x, cross_max, out=delta_out[out_x.shape[0] :])
        pre_x, pre_ref = pre.detach().chunk(2)
        delta_in = pre_x - pre_ref
        local_weight = _small(delta_in)
        weights: tuple[torch.Tensor | None, torch.Tensor | None] = (None, None)
        if bool(local_weight.any()):
            delta_in.add_(local_weight)  # a finite ratio where |Δin| is small (weighted 0 there)
            weights = (local_weight, 1.0 - local_weight)
    scatter = _window_scatter(module, pre.shape, indices)
    return _MaxPoolRescale.apply(pre, out.detach(), scatter, delta_out, delta_in, weights)


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
    args = [_as_list(value, len(shape) - 2) for value in (pool.kernel_size, pool.stride, pool.padding, pool.dilation)]
    # The kernel reads only the shape (and layout) of the pooling's input: a stand-in without memory.
    stand_in = indices.new_empty((), dtype=torch.float32).expand(shape)

    def pooling_backward(values: torch.Tensor) -> torch.Tensor:
        return backward(values, stand_in.to(values.dtype), *args, pool.ceil_mode, indices)

    return pooling_backward


def _as_list(value: Any, n: int) -> list[int]:
    return list(value) if isinstance(value, (tuple, list)) else [int(value)] * n


def _pooling_indices(module: nn.Module, pre: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """Where each window's maximum is: kept by the pooling's own backward node, else pooled again."""
    indices = getattr(out.grad_fn, "_saved_result1", None)
    if isinstance(indices, torch.Tensor) and indices.shape == out.shape and indices.dtype == torch.int64:
        return indices
    pool: Any = _MAXPOOLS[type(module)]  # type: ignore[index]
    args = (module.kernel_size, module.stride, module.padding, module.dilation, module.ceil_mode)
    return pool(pre.detach(), *args, return_indices=True)[1]


class _MaxPoolRescale(torch.autograd.Function):
    """Captum's maxpool rule: each window's Δout is split at the cross maximum of input and baseline.

    The part above the baseline's output goes to the input's argmax, the rest to the baseline's
    argmax; per position the summed share divided by Δin is the multiplier (the pooling's own
    gradient where |Δin| < 1e-10: ``local_weight`` is 1 there and ``ratio_weight`` 0, elsewhere the
    other way round; both None when there is no such position).
    """

    @staticmethod
    def forward(ctx, pre, out, scatter, delta_out, delta_in, weights):
        ctx.mark_dirty(out)
        ctx.scatter = scatter
        ctx.save_for_backward(delta_out, delta_in, *weights)
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        delta_out, delta_in, local_weight, ratio_weight = ctx.saved_tensors
        shares = ctx.scatter(grad_out * delta_out)
        n = shares.shape[0] // 2
        ratio = shares[:n].add_(shares[n:]).div_(delta_in)  # the same for both halves
        halves = (2, *ratio.shape)
        if local_weight is None:
            return ratio.expand(halves).reshape(shares.shape), None, None, None, None, None
        local = ctx.scatter(grad_out)
        # The ratio where |Δin| >= 1e-10, the pooling's own gradient elsewhere; the weights are
        # 0 and 1, so each position gets exactly one of them.
        multiplier = torch.addcmul(ratio.mul_(ratio_weight), local_weight, local.view(halves))
        return multiplier.view(shares.shape), None, None, None, None, None
