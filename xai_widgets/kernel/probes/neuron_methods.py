"""Neuron attribution methods by name (gradient, gradient x input, integrated gradients), each with
its ``ParamSpec``s: which input features drive one unit of a layer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..core.errors import NotDifferentiableError, ParameterError
from ..core.named_registry import NamedRegistry
from ..core.registry import BASELINE_NAMES, MethodSpec, ParamSpec
from ..inputs.baselines import resolve_baseline
from ..inputs.quadrature import RULES, quadrature
from .layer_tap import LayerTap, in_passes

NEURON_METHODS: NamedRegistry[MethodSpec] = NamedRegistry("neuron attribution method")


def _neuron_method(name: str, params: list[ParamSpec], has_delta: bool = False) -> Callable:
    """Register ``compute(tap, x, neuron, **params) -> (values, delta)``; its docstring is the doc."""

    def wrap(compute: Callable[..., Any]) -> Callable[..., Any]:
        doc = (compute.__doc__ or "").strip()
        NEURON_METHODS.register(name, MethodSpec(name, "neuron", tuple(params), doc, compute, True, has_delta))
        return compute

    return wrap


def select(output: torch.Tensor, neuron: tuple[int, ...]) -> torch.Tensor:
    """Each sample's unit ``neuron`` of a layer output (N, ...), as (N,)."""
    index: tuple[Any, ...] = (slice(None), *neuron)
    return output[index]


def neuron_gradient(tap: LayerTap, x: torch.Tensor, neuron: tuple[int, ...]) -> torch.Tensor:
    """The gradient of each sample's unit ``neuron`` with respect to its input, for one pass's
    batch; the forward pass stops at the layer."""
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        unit = select(tap.output_with_graph(x), neuron)
        if not unit.requires_grad:
            raise NotDifferentiableError(
                f"layer {tap.name!r}'s output does not depend differentiably on the input; gradient "
                "methods cannot explain its units"
            )
        (grad,) = torch.autograd.grad(unit.sum(), x)
    return grad


def _input_gradients(tap: LayerTap, x: torch.Tensor, neuron: tuple[int, ...]) -> torch.Tensor:
    """The unit's input gradients over memory-budgeted parts of the batch."""

    def read(inputs: torch.Tensor, _targets: None) -> torch.Tensor:
        # Contiguous: autograd may hand back a broadcast gradient (a model that sums its input).
        return neuron_gradient(tap, inputs, neuron).contiguous()

    return in_passes(tap, x, None, read)


@_neuron_method("gradient", params=[])
def gradient(tap: LayerTap, x: torch.Tensor, neuron: tuple[int, ...]) -> tuple[torch.Tensor, None]:
    """The unit's gradient with respect to the input (Captum's NeuronGradient)."""
    return _input_gradients(tap, x, neuron), None


@_neuron_method("grad_x_input", params=[])
def grad_x_input(tap: LayerTap, x: torch.Tensor, neuron: tuple[int, ...]) -> tuple[torch.Tensor, None]:
    """The input times the unit's gradient with respect to it (NeuronGradient x input)."""
    return x * _input_gradients(tap, x, neuron), None


@_neuron_method(
    "integrated_gradients",
    params=[
        ParamSpec("baseline", "baseline", "zeros", "the reference input the path starts from", choices=BASELINE_NAMES),
        ParamSpec("n_steps", "int", 32, "integration points along the path", minimum=1, maximum=1024),
        ParamSpec("rule", "choice", "gausslegendre", "quadrature rule of the path integral", choices=RULES),
    ],
    has_delta=True,
)
def integrated_gradients(
    tap: LayerTap, x: torch.Tensor, neuron: tuple[int, ...], baseline: Any, n_steps: int, rule: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Integrated gradients of the unit (Captum's NeuronIntegratedGradients): (x - baseline)
    times the unit's gradient averaged along the straight path. The attributions of a sample sum
    to about unit(x) - unit(baseline); ``delta`` reports the gap."""
    if rule == "riemann_trapezoid" and n_steps < 2:
        raise ParameterError("integrated_gradients: rule 'riemann_trapezoid' needs n_steps >= 2")
    base = resolve_baseline(baseline, x, "integrated_gradients").expand_as(x)
    diff = x - base
    alphas_np, weights_np = quadrature(rule, n_steps)
    alphas = torch.as_tensor(alphas_np, dtype=x.dtype, device=x.device)
    weights = torch.as_tensor(weights_np, dtype=x.dtype, device=x.device)
    broadcast = (-1, *([1] * x.ndim))
    path_grad = torch.zeros_like(x)
    for part in tap.runner.batch_slices(x, backward=True):
        n = part.stop - part.start

        def work(start: int, stop: int, part: slice = part, n: int = n) -> None:
            points = base[part][None] + alphas[start:stop].view(broadcast) * diff[part][None]
            grads = neuron_gradient(tap, points.flatten(0, 1), neuron).view(stop - start, n, *x.shape[1:])
            path_grad[part] += (grads * weights[start:stop].view(broadcast)).sum(0)

        tap.runner.chunks(len(alphas), x.shape[1:], backward=True, work=work, unit=n)
    values = diff * path_grad
    ends = _units(tap, torch.cat([x, base]), neuron)
    delta = values.flatten(1).sum(1) - (ends[: x.shape[0]] - ends[x.shape[0] :])
    return values, delta


def _units(tap: LayerTap, x: torch.Tensor, neuron: tuple[int, ...]) -> torch.Tensor:
    """The unit's value for every sample of ``x``, without gradients."""
    parts: list[torch.Tensor] = []

    def work(start: int, stop: int) -> None:
        parts.append(select(tap.output(x[start:stop]), neuron))

    tap.runner.chunks(x.shape[0], x.shape[1:], backward=False, work=work, report=False)
    return torch.cat(parts)
