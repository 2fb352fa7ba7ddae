"""Layer attribution methods by name (activation, gradient, gradient x activation, conductance),
each with its ``ParamSpec``s: what one layer's units contribute to a target output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..core.named_registry import NamedRegistry
from ..core.registry import BASELINE_NAMES, MethodSpec, ParamSpec
from ..inputs.baselines import resolve_baseline
from ..inputs.quadrature import RULES, quadrature
from .layer_tap import LayerTap, in_passes

LAYER_METHODS: NamedRegistry[MethodSpec] = NamedRegistry("layer attribution method")
# Methods that explain no output (the layer's activation): no target to find, no pass to find it.
TARGETLESS: set[str] = set()


def _layer_method(
    name: str, params: list[ParamSpec], signed: bool = True, has_delta: bool = False, uses_target: bool = True
) -> Callable:
    """Register ``compute(tap, x, target, **params) -> (values, delta)``; its docstring is the doc.
    A method with ``uses_target=False`` gets ``target=None``."""

    def wrap(compute: Callable[..., Any]) -> Callable[..., Any]:
        if not uses_target:
            TARGETLESS.add(name)
        doc = (compute.__doc__ or "").strip()
        LAYER_METHODS.register(name, MethodSpec(name, "layer", tuple(params), doc, compute, signed, has_delta))
        return compute

    return wrap


@_layer_method("activation", params=[], uses_target=False)
def activation(tap: LayerTap, x: torch.Tensor, target: None) -> tuple[torch.Tensor, None]:
    """The layer's output (Captum's LayerActivation); the forward pass stops at the layer."""
    # A copy: a layer such as Identity or Flatten returns (a view of) its input, the caller's batch.
    return in_passes(tap, x, None, lambda inputs, _targets: tap.output(inputs).clone()), None


@_layer_method("gradient", params=[])
def gradient(tap: LayerTap, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, None]:
    """The gradient of the target output with respect to the layer's output (Captum's
    LayerGradientXActivation with ``multiply_by_inputs=False``)."""

    def read(inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        # Contiguous: autograd may hand back a broadcast gradient (a layer whose output is summed).
        return tap.output_and_gradient(inputs, targets)[1].contiguous()

    return in_passes(tap, x, target, read), None


@_layer_method("grad_x_activation", params=[])
def grad_x_activation(tap: LayerTap, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, None]:
    """The layer's output times the target output's gradient with respect to it (Captum's
    LayerGradientXActivation): each unit's first-order contribution to the target output."""

    def read(inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        act, grad, _ = tap.output_and_gradient(inputs, targets)
        return act * grad

    return in_passes(tap, x, target, read), None


@_layer_method(
    "conductance",
    params=[
        ParamSpec("baseline", "baseline", "zeros", "the reference input the path starts from", choices=BASELINE_NAMES),
        ParamSpec("n_steps", "int", 32, "steps along the path (n_steps + 1 points)", minimum=1, maximum=1024),
        ParamSpec(
            "rule", "choice", "gausslegendre", "where the path points lie, as integrated gradients", choices=RULES
        ),
    ],
    has_delta=True,
)
def conductance(
    tap: LayerTap, x: torch.Tensor, target: torch.Tensor, baseline: Any, n_steps: int, rule: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Layer conductance (Dhamdhere et al., 2018; Captum's LayerConductance): the flow of the
    target output through each unit of the layer along the straight path from the baseline to the
    input, sum over steps of (gradient at a point) x (the unit's change to the next point).

    The layer's conductances of a sample sum to about F(x) - F(baseline); ``delta`` reports the gap.
    """
    runner = tap.runner
    base = resolve_baseline(baseline, x, "conductance").expand_as(x)
    # Captum places the n_steps + 1 points where the rule's n_steps + 1 nodes lie (weights unused).
    alphas = torch.as_tensor(quadrature(rule, n_steps + 1)[0], dtype=x.dtype, device=x.device)
    values = torch.empty((x.shape[0], *tap.output_shape(x.shape[1:])), device=x.device)
    for part in runner.batch_slices(x, backward=True):
        values[part] = _conductance_of(tap, base[part], x[part] - base[part], target[part], alphas)
    ends = runner.batched_scores(torch.cat([x, base]), torch.cat([target, target]))
    n = x.shape[0]
    delta = values.flatten(1).sum(1) - (ends[:n] - ends[n:])
    return values, delta


def _conductance_of(
    tap: LayerTap, base: torch.Tensor, diff: torch.Tensor, target: torch.Tensor, alphas: torch.Tensor
) -> torch.Tensor:
    """Sum over consecutive path points of grad(a_i) * (a_{i+1} - a_i), chunked over the points;
    the last point of a chunk pairs with the first of the next."""
    n = base.shape[0]
    broadcast = (-1, *([1] * base.ndim))
    state: dict[str, torch.Tensor] = {}

    def work(start: int, stop: int) -> None:
        points = base[None] + alphas[start:stop].view(broadcast) * diff[None]
        act, grad, _ = tap.output_and_gradient(points.flatten(0, 1), target.repeat(stop - start))
        act, grad = act.view(stop - start, n, *act.shape[1:]), grad.view(stop - start, n, *grad.shape[1:])
        total = (grad[:-1] * (act[1:] - act[:-1])).sum(0)
        if "act" in state:
            total += state["grad"] * (act[0] - state["act"])
            total += state["total"]
        state.update(total=total, act=act[-1], grad=grad[-1])

    tap.runner.chunks(len(alphas), base.shape[1:], backward=True, work=work, unit=n)
    return state["total"]
