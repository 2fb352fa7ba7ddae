"""DeepLIFT (rescale rule): a modified backward pass over the input and its baseline run together."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ...core.errors import ModelOutputError
from ...core.registry import BASELINE_NAMES, ParamSpec, method
from ...core.runner import ModelRunner
from ...inputs.baselines import resolve_baseline
from .deeplift_max_pool import max_pool_rescale, pooling_indices, relu_max_pool_rescale
from .deeplift_relu import EPS, ReLUOutput, ReLURescale, relu_multiplier
from .pooling import MAXPOOL_FUNCTIONS, pool_with_indices

_ELEMENTWISE = (nn.ReLU, nn.ELU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softplus)


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
    During the call a max pooling's forward is replaced (and put back after): it pools once, on
    the CPU in a faster kernel with the same values (:mod:`.pooling`), and takes the ReLU's rule
    into its own backward node when its input is an ``nn.ReLU``'s output.
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
    """Put the rescale rules on every supported module; return handles whose ``remove`` takes them
    off again."""
    handles: list = []
    last_relu = ReLUOutput()
    for module in model.modules():
        if type(module) in MAXPOOL_FUNCTIONS and "forward" not in module.__dict__:
            handles.append(_PoolingWithRule(module, last_relu))
        elif isinstance(module, _ELEMENTWISE) or type(module) in MAXPOOL_FUNCTIONS:
            pending: list = []
            handles.append(module.register_forward_pre_hook(_make_pre_hook(pending, last_relu)))
            handles.append(module.register_forward_hook(_make_forward_hook(pending, last_relu)))
    return handles


class _PoolingWithRule:
    """A max pooling's forward replaced, until :meth:`remove`, by one that pools once, keeping the
    indices, and gives its output the maxpool rule as gradient: no hooks, no pooling node in the
    graph, and on the CPU the pooling's faster kernel (see :mod:`.pooling`)."""

    def __init__(self, module: nn.Module, last_relu: ReLUOutput) -> None:
        self.module = module
        self.last_relu = last_relu
        self.module_forward = module.forward
        # An instance attribute, found before the class's forward; ``remove`` deletes it.
        module.forward = self.forward
        # A hook that does nothing, on while the forward is replaced: a compiled forward
        # (core/compilation.py) runs the model eagerly while hooks it has not seen are on it.
        self.marker = module.register_forward_pre_hook(_no_change)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        module: Any = self.module
        pre = args[0] if len(args) == 1 and not kwargs else None
        if not isinstance(pre, torch.Tensor) or module.return_indices or not torch.is_grad_enabled():
            return self.module_forward(*args, **kwargs)
        _check_halves(module, pre)
        with torch.no_grad():
            out, indices = pool_with_indices(module, pre)
        if self.last_relu.feeds(pre):
            return relu_max_pool_rescale(module, self.last_relu, out, indices)
        return max_pool_rescale(module, pre, out, indices)

    def remove(self) -> None:
        self.module.__dict__.pop("forward", None)
        self.marker.remove()


def _no_change(_module: nn.Module, _inputs: tuple) -> None:
    return None


def _check_halves(module: nn.Module, pre: torch.Tensor) -> None:
    if pre.shape[0] % 2:
        raise ModelOutputError(
            f"deeplift: {type(module).__name__} received a batch of {pre.shape[0]}, not the input "
            "and baseline halves it expects; the model must keep the batch dim through its layers"
        )


def _make_pre_hook(pending: list, last_relu: ReLUOutput):
    def pre_hook(module: nn.Module, inputs: tuple):
        # Pre- and forward hook of one call of a leaf module are adjacent, so one slot suffices
        # even when the module is called several times.
        pending.clear()
        if not torch.is_grad_enabled() or not inputs or not isinstance(inputs[0], torch.Tensor):
            return None
        pre = inputs[0]
        if type(module) in MAXPOOL_FUNCTIONS and last_relu.feeds(pre):
            pending.append((pre, last_relu))
            return None
        _check_halves(module, pre)
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


def _make_forward_hook(pending: list, last_relu: ReLUOutput):
    def forward_hook(module: nn.Module, _inputs: tuple, output: Any):
        if not pending or not isinstance(output, torch.Tensor):
            return None
        pre, delta_in = pending.pop()
        if isinstance(delta_in, ReLUOutput):
            return relu_max_pool_rescale(module, delta_in, output, pooling_indices(module, pre, output))
        if delta_in is not None:
            out = output.detach()
            multiplier, delta_out = relu_multiplier(delta_in, out)
            rescaled = ReLURescale.apply(pre, out, multiplier)
            last_relu.keep(rescaled, pre, delta_out, multiplier)
            return rescaled
        if type(module) in MAXPOOL_FUNCTIONS:
            return max_pool_rescale(module, pre, output, pooling_indices(module, pre, output))
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
        small = delta_in.abs() < EPS
        ratio = _halves_difference(out) / torch.where(small, torch.ones_like(delta_in), delta_in)
        ratio = torch.where(small, torch.zeros_like(ratio), ratio)
    # (pre - pre.detach()) is exactly zero, so the value stays ``out``; its gradient is ``ratio``.
    rescaled = out.detach() + (pre - pre.detach()) * ratio
    return torch.where(small, out, rescaled)
