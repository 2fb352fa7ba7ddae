"""DeepLIFT (rescale rule): a modified backward pass over the input and its baseline run together."""

from __future__ import annotations

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
    A module called several times in one forward is handled per call (Captum refuses it). In-place
    activations run on a copy of their input, as in Captum: code that relies on their side effect
    on that input (``self.relu(h); return h``) is not supported.
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
            pending: list[torch.Tensor] = []
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
        pending.append(inputs[0])
        if getattr(module, "inplace", False):
            # Keep the pre-activation intact: the rule needs it after the module ran.
            return (inputs[0].clone(), *inputs[1:])
        return None

    return pre_hook


def _make_forward_hook(pending: list):
    def forward_hook(module: nn.Module, _inputs: tuple, output: Any):
        if not pending or not isinstance(output, torch.Tensor):
            return None
        pre = pending.pop()
        if pre.shape[0] % 2:
            raise ModelOutputError(
                f"deeplift: {type(module).__name__} received a batch of {pre.shape[0]}, not the input "
                "and baseline halves it expects; the model must keep the batch dim through its layers"
            )
        if type(module) in _MAXPOOLS:
            return _MaxPoolRescale.apply(pre, output, module)
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


class _MaxPoolRescale(torch.autograd.Function):
    """Captum's maxpool rule: each window's Δout is split at the cross maximum of input and baseline.

    The part above the baseline's output goes to the input's argmax, the rest to the baseline's
    argmax; per position the summed share divided by Δin is the multiplier.
    """

    @staticmethod
    def forward(ctx, pre: torch.Tensor, out: torch.Tensor, module: nn.Module) -> torch.Tensor:
        ctx.module = module
        ctx.save_for_backward(pre.detach(), out.detach())
        return out.detach().clone()

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        pre, out = ctx.saved_tensors
        module = ctx.module
        pool = _MAXPOOLS[type(module)]
        args = (module.kernel_size, module.stride, module.padding, module.dilation, module.ceil_mode)
        with torch.enable_grad():
            leaf = pre.detach().requires_grad_(True)
            pooled, indices = pool(leaf, *args, return_indices=True)
            (local_grad,) = torch.autograd.grad(pooled, leaf, grad_out)
        out_x, out_ref = out.chunk(2)
        cross_max = torch.maximum(out_x, out_ref)
        delta_out = torch.cat([cross_max - out_ref, out_x - cross_max])
        shares = torch.zeros_like(pre).flatten(2)
        shares.scatter_add_(2, indices.flatten(2), (grad_out * delta_out).flatten(2))
        shares = shares.view_as(pre)
        first, second = shares.chunk(2)
        shares = torch.cat([first + second, first + second])
        delta_in = _halves_difference(pre)
        small = delta_in.abs() < _EPS
        multiplier = torch.where(small, local_grad, shares / torch.where(small, torch.ones_like(delta_in), delta_in))
        return multiplier, None, None
