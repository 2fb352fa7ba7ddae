"""Metric specifications: each explanation metric registered by name with its ``ParamSpec``s, what it
takes and how its result reads as one score per sample, so views list and call metrics by themselves."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch

from ..core.errors import ParameterError
from ..core.named_registry import NamedRegistry
from ..core.progress import Progress
from ..core.registry import ParamSpec, resolve_params

METRIC_FAMILIES = ("localisation", "complexity", "faithfulness", "randomisation", "robustness")
# What a metric can take, in the order its function takes them positionally.
METRIC_INPUTS = ("explainer", "x", "attributions", "masks", "method", "target")
NORMALISATIONS = ("sample", "batch", "none")


@dataclasses.dataclass(frozen=True)
class MetricSpec:
    """One explanation metric.

    ``inputs`` names the positional arguments of ``compute`` (from :data:`METRIC_INPUTS`);
    ``params`` its keyword parameters; ``higher_is_better`` which way a better explanation moves
    the score; ``long`` whether it runs the model many times (it then takes ``progress=``);
    ``score`` reads its result as one number per sample (N,) for a table cell.
    """

    name: str
    family: str
    inputs: tuple[str, ...]
    params: tuple[ParamSpec, ...]
    doc: str
    compute: Callable[..., Any] = dataclasses.field(repr=False, compare=False)
    higher_is_better: bool = True
    long: bool = False
    score: Callable[[Any], torch.Tensor] = dataclasses.field(default=lambda result: result, repr=False, compare=False)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def resolve(self, given: dict[str, Any]) -> dict[str, Any]:
        """Fill defaults and validate ``given``; unknown names raise ParameterError."""
        return resolve_params(self.params, given, f"metric {self.name}", context=self.name)


METRICS: NamedRegistry[MetricSpec] = NamedRegistry("metric")


def register_metric(spec: MetricSpec) -> MetricSpec:
    """Add ``spec`` to the registry (a later registration under the same name replaces it)."""
    if spec.family not in METRIC_FAMILIES:
        raise ValueError(f"unknown metric family {spec.family!r}; use one of {METRIC_FAMILIES}")
    odd = [name for name in spec.inputs if name not in METRIC_INPUTS]
    if odd:
        raise ValueError(f"unknown metric inputs {odd}; use names from {METRIC_INPUTS}")
    return METRICS.register(spec.name, spec)


def metric(
    name: str,
    family: str,
    inputs: tuple[str, ...],
    params: list[ParamSpec],
    higher_is_better: bool,
    long: bool = False,
    score: Callable[[Any], torch.Tensor] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a metric function; its docstring's first paragraph becomes the doc."""

    def wrap(compute: Callable[..., Any]) -> Callable[..., Any]:
        doc = (compute.__doc__ or "").strip().split("\n\n")[0]
        spec = MetricSpec(name, family, inputs, tuple(params), doc, compute, higher_is_better, long)
        register_metric(spec if score is None else dataclasses.replace(spec, score=score))
        return compute

    return wrap


def metric_specs() -> dict[str, MetricSpec]:
    """Every registered metric by name, family by family (in :data:`METRIC_FAMILIES` order), each
    family in registration order."""
    entries = METRICS.entries().values()
    return {spec.name: spec for spec in sorted(entries, key=lambda spec: METRIC_FAMILIES.index(spec.family))}


def checked(name: str, **params: Any) -> dict[str, Any]:
    """``params`` of metric ``name`` validated against its ParamSpecs (what each function calls first)."""
    return METRICS.get(name).resolve(params)


def evaluate(
    name: str,
    *,
    explainer: Any = None,
    x: Any = None,
    attributions: Any = None,
    masks: Any = None,
    method: str | None = None,
    target: Any = None,
    method_params: dict[str, Any] | None = None,
    progress: Progress | None = None,
    **params: Any,
) -> Any:
    """Run metric ``name`` on whichever of the inputs it takes (``metric_specs()[name].inputs``).

    ``params`` are the metric's parameters; ``method_params`` go to the attribution method of the
    metrics that attribute themselves (randomisation, robustness). Returns the metric's own result;
    ``metric_specs()[name].score(result)`` reads it as one score per sample.
    """
    spec = METRICS.get(name)
    given = {
        "explainer": explainer,
        "x": x,
        "attributions": attributions,
        "masks": masks,
        "method": method,
        "target": target,
    }
    missing = [item for item in spec.inputs if item != "target" and given[item] is None]
    if missing:
        raise ParameterError(f"metric {name} needs {', '.join(missing)}; pass them as keyword arguments")
    kwargs = spec.resolve(params)
    if spec.long:
        kwargs["progress"] = progress
    if "method" in spec.inputs:
        kwargs.update(method_params or {})
    elif method_params:
        raise ParameterError(f"metric {name} computes no attributions, so it takes no method_params")
    return spec.compute(*(given[item] for item in spec.inputs), **kwargs)
