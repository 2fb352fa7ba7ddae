"""Inside the network: layer activations, layer attribution (what a layer's units contribute to an
output) and neuron attribution (which input features drive one unit)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..core.model_guard import preserved
from ..core.progress import Progress
from ..core.registry import MethodSpec
from ..core.runner import ModelRunner
from ..core.validation import as_input_batch
from .layer_methods import LAYER_METHODS, TARGETLESS
from .layer_tap import LayerTap, neuron_index
from .neuron_methods import NEURON_METHODS

if TYPE_CHECKING:
    from ..core.explainer import Explainer


@dataclass
class LayerAttribution:
    """The result of :func:`layer_attribution`.

    values: (N, *layer output) float32 on the CPU, one value per unit of the layer and sample.
    layer: the layer's dotted name. method, params: what was run. target: (N,) the explained
    output of each sample (None for "activation", which explains no output). delta: (N,)
    completeness gap for ``conductance`` (None otherwise). signed: whether values can be negative
    (views pick a diverging colormap).
    """

    values: torch.Tensor
    layer: str
    method: str
    params: dict[str, Any]
    target: torch.Tensor | None
    delta: torch.Tensor | None = None
    signed: bool = True
    elapsed_ms: float = 0.0


@dataclass
class NeuronAttribution:
    """The result of :func:`neuron_attribution`.

    values: (N, *input) float32 on the CPU. layer, neuron: the unit explained (``neuron`` as a
    full index into the layer's per-sample output). delta: (N,) completeness gap for
    ``integrated_gradients`` (None otherwise).
    """

    values: torch.Tensor
    layer: str
    neuron: tuple[int, ...]
    method: str
    params: dict[str, Any]
    delta: torch.Tensor | None = None
    elapsed_ms: float = 0.0
    signed: bool = field(default=True)


def layer_attribution_methods() -> dict[str, MethodSpec]:
    """The layer attribution methods by name (``spec.params`` lists each one's ``ParamSpec``s)."""
    return LAYER_METHODS.entries()


def neuron_attribution_methods() -> dict[str, MethodSpec]:
    """The neuron attribution methods by name (``spec.params`` lists each one's ``ParamSpec``s)."""
    return NEURON_METHODS.entries()


def layer_activations(
    explainer: Explainer,
    x: Any,
    layers: Sequence[Any] | str | nn.Module | None = None,
    *,
    progress: Progress | None = None,
) -> dict[str, torch.Tensor]:
    """The outputs of the named layers for the batch ``x``: {dotted name: (N, ...) float32 CPU tensor}.

    ``layers``: modules or dotted names (one or a list), or None for every leaf module that runs
    once per forward pass and returns one tensor, in the order they run (a module used in several
    places, such as one ReLU shared by two convolutions, has no single output and is left out;
    asking for it by name raises). Outputs are copied as they leave the layer, so in-place
    operations after it (``ReLU(inplace=True)``) do not change them. Memory-budgeted passes;
    ``progress(fraction)`` after each one, and an exception it raises stops the call.
    """
    with explainer._lock, preserved(explainer.model, explainer.eval_mode):
        batch = as_input_batch(x, explainer.device)
        runner = explainer._runner
        if layers is None:
            modules = _leaf_modules(explainer.model)
        else:
            wanted = [layers] if isinstance(layers, (str, nn.Module)) else list(layers)
            taps = [LayerTap(runner, layer) for layer in wanted]
            for tap in taps:
                tap.output_shape(batch.shape[1:])
            modules = [(tap.name, tap.module) for tap in taps]
        # Per layer, per pass: the outputs of each call; and the layers in the order they first ran.
        seen: dict[str, list[list[torch.Tensor]]] = {name: [] for name, _ in modules}
        order: list[str] = []

        def record(name: str):
            def hook(_module: nn.Module, _inputs: Any, output: Any) -> None:
                if name not in order:
                    order.append(name)
                if isinstance(output, torch.Tensor):
                    seen[name][-1].append(output.detach().float().cpu().clone())

            return hook

        def work(start: int, stop: int) -> None:
            for calls in seen.values():
                calls.append([])
            with torch.no_grad():
                runner.forward(batch[start:stop])

        runner.chunk_size(batch.shape[1:], backward=False)  # its probe pass runs before the hooks go on
        handles = [module.register_forward_hook(record(name)) for name, module in modules]
        try:
            with runner.reporting(progress):
                runner.chunks(batch.shape[0], batch.shape[1:], backward=False, work=work)
        finally:
            for handle in handles:
                handle.remove()
    once = [name for name in order if all(len(calls) == 1 for calls in seen[name])]
    return {name: torch.cat([calls[0] for calls in seen[name]]) for name in once}


def _leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(name, module) for name, module in model.named_modules() if name and not next(module.children(), None)]


def layer_attribution(
    explainer: Explainer,
    x: Any,
    layer: Any,
    method: str = "grad_x_activation",
    target: Any = None,
    *,
    progress: Progress | None = None,
    **params: Any,
) -> LayerAttribution:
    """Attribute each sample's target output to the units of one layer.

    ``layer``: a module of the model or its dotted name (an unknown one raises
    ``LayerNotFoundError`` naming the layers that exist). ``method``: "activation" (the layer's
    output), "gradient", "grad_x_activation" or "conductance" (``baseline``, ``n_steps``, ``rule``
    as integrated gradients); see :func:`layer_attribution_methods`. ``target`` as for
    ``explainer.attribute`` (None: the predicted class). ``.values`` has the layer's output shape
    (N, *layer output). Equal to Captum's LayerActivation, LayerGradientXActivation and
    LayerConductance. Repeated work goes through the model in memory-budgeted passes;
    ``progress(fraction)`` after each one (raising from it cancels). The model is left unchanged.
    """
    spec = LAYER_METHODS.get(method)
    resolved = spec.resolve(params)
    with explainer._lock, preserved(explainer.model, explainer.eval_mode):
        start = time.perf_counter()
        batch = as_input_batch(x, explainer.device)
        tap = LayerTap(explainer._runner, layer)
        tap.output_shape(batch.shape[1:])
        targets = None if method in TARGETLESS else explainer._targets(target, batch)
        with _reporting(explainer._runner, progress):
            values, delta = spec.compute(tap, batch, targets, **resolved)
        elapsed_ms = _elapsed_ms(explainer, start)
    return LayerAttribution(
        values=values.detach().float().cpu(),
        layer=tap.name,
        method=method,
        params=resolved,
        target=None if targets is None else targets.cpu(),
        delta=None if delta is None else delta.detach().float().cpu(),
        signed=spec.is_signed(resolved),
        elapsed_ms=elapsed_ms,
    )


def neuron_attribution(
    explainer: Explainer,
    x: Any,
    layer: Any,
    neuron: Any,
    method: str = "gradient",
    *,
    progress: Progress | None = None,
    **params: Any,
) -> NeuronAttribution:
    """Attribute one unit of a layer to the input features of each sample.

    ``neuron``: an int, or a tuple index into the layer's output without the batch dim (an int
    into a layer with several output dims counts in row-major order). ``method``: "gradient",
    "grad_x_input" or "integrated_gradients" (``baseline``, ``n_steps``, ``rule``); see
    :func:`neuron_attribution_methods`. ``.values`` has the input's shape (N, ...). Equal to
    Captum's NeuronGradient and NeuronIntegratedGradients. The forward passes stop at the layer.
    ``progress`` and the model as for :func:`layer_attribution`.
    """
    spec = NEURON_METHODS.get(method)
    resolved = spec.resolve(params)
    with explainer._lock, preserved(explainer.model, explainer.eval_mode):
        start = time.perf_counter()
        batch = as_input_batch(x, explainer.device)
        tap = LayerTap(explainer._runner, layer)
        index = neuron_index(neuron, tap.output_shape(batch.shape[1:]), tap.name)
        with _reporting(explainer._runner, progress):
            values, delta = spec.compute(tap, batch, index, **resolved)
        elapsed_ms = _elapsed_ms(explainer, start)
    return NeuronAttribution(
        values=values.detach().float().cpu(),
        layer=tap.name,
        neuron=index,
        method=method,
        params=resolved,
        delta=None if delta is None else delta.detach().float().cpu(),
        elapsed_ms=elapsed_ms,
    )


@dataclass
class NeuronContributions:
    """The result of :func:`neuron_contributions`.

    values: (N, *to_layer output) float32 on the CPU, the unit's first-order contribution to each
    unit downstream. unit: (N,) the unit's value. jacobian: (N, *to_layer output) the derivative
    of each downstream unit with respect to it. to_layer: the downstream layer's name, or
    "output" for the model's outputs.
    """

    values: torch.Tensor
    unit: torch.Tensor
    jacobian: torch.Tensor
    layer: str
    neuron: tuple[int, ...]
    to_layer: str
    elapsed_ms: float = 0.0


def neuron_contributions(
    explainer: Explainer,
    x: Any,
    layer: Any,
    neuron: Any,
    to_layer: Any = None,
    *,
    progress: Progress | None = None,
) -> NeuronContributions:
    """How much one unit of ``layer`` feeds each unit of a later layer ``to_layer`` (None: each
    model output), per sample: the unit's value times the downstream unit's derivative with respect
    to it (gradient x activation, one Jacobian column). Exact when the path between is linear
    (a Linear or Conv layer straight after): then it is the weight times the unit's value; with
    ReLUs or pooling between, it is their linearisation at this input.

    ``neuron`` as for :func:`neuron_attribution`. One forward and two backward passes per
    memory-budgeted part of the batch; the forward stops at ``to_layer``.
    """
    with explainer._lock, preserved(explainer.model, explainer.eval_mode):
        start = time.perf_counter()
        batch = as_input_batch(x, explainer.device)
        runner = explainer._runner
        tap = LayerTap(runner, layer)
        index = neuron_index(neuron, tap.output_shape(batch.shape[1:]), tap.name)
        downstream = None if to_layer is None else LayerTap(runner, to_layer)
        shape = (runner.n_outputs(batch.shape[1:]),) if downstream is None else downstream.output_shape(batch.shape[1:])
        units = torch.empty(batch.shape[0], device=batch.device)
        jacobian = torch.empty((batch.shape[0], *shape), device=batch.device)

        def work(begin: int, stop: int) -> None:
            units[begin:stop], jacobian[begin:stop] = tap.unit_jacobian(batch[begin:stop], index, downstream)

        with runner.reporting(progress):
            runner.chunks(batch.shape[0], batch.shape[1:], backward=True, work=work)
        elapsed_ms = _elapsed_ms(explainer, start)
    values = jacobian * units.view(-1, *([1] * len(shape)))
    return NeuronContributions(
        values=values.detach().float().cpu(),
        unit=units.detach().float().cpu(),
        jacobian=jacobian.detach().float().cpu(),
        layer=tap.name,
        neuron=index,
        to_layer="output" if downstream is None else downstream.name,
        elapsed_ms=elapsed_ms,
    )


def _reporting(runner: ModelRunner, progress: Progress | None) -> contextlib.AbstractContextManager[Any]:
    """``runner.reporting(progress)``, or nothing when there is nothing to report to nor to hide
    from (the generator context manager was half a percent of a small CNN's layer gradient)."""
    if progress is None and runner.progress is None:
        return contextlib.nullcontext()
    return runner.reporting(progress)


def _elapsed_ms(explainer: Explainer, start: float) -> float:
    if explainer.device.type == "cuda":
        torch.cuda.synchronize(explainer.device)
    return (time.perf_counter() - start) * 1000.0
