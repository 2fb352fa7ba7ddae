"""Calling the registered explanation metrics by name, as the evaluation views do: which metrics a
view offers by default, one call with whatever inputs a metric takes, and its score per sample."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...kernel import ExplainerError, MetricSpec, metrics, registered_metrics

# What the evaluation views show unless told: the metrics that read the map itself (localisation,
# complexity) and the two faithfulness curves. Pixel flipping (one pass per feature by default),
# randomisation and robustness (each re-attributes many times) can be asked for by name.
DEFAULT_METRICS = (
    "pointing_game",
    "relevance_mass_accuracy",
    "relevance_rank_accuracy",
    "top_k_intersection",
    "attribution_localisation",
    "sparseness",
    "complexity",
    "deletion_curve",
    "insertion_curve",
)


def chosen_metrics(metrics: Sequence[str] | None, has_masks: bool) -> tuple[list[str], list[str]]:
    """The metrics to show (in the registry's order) and those left out for want of masks.

    ``metrics`` None: :data:`DEFAULT_METRICS`; an unknown name raises an ``ExplainerError``.
    """
    specs = registered_metrics()
    wanted = list(DEFAULT_METRICS if metrics is None else metrics)
    unknown = [name for name in wanted if name not in specs]
    if unknown:
        raise ExplainerError(f"unknown metric(s) {unknown}; the registered metrics are {sorted(specs)}")
    ordered = [name for name in specs if name in wanted]
    needs_masks = [name for name in ordered if "masks" in specs[name].inputs]
    if has_masks:
        return ordered, []
    return [name for name in ordered if name not in needs_masks], needs_masks


def run_metric(
    spec: MetricSpec,
    *,
    explainer: Any,
    x: Any,
    attributions: Any,
    masks: Any,
    method: str,
    target: Any,
    method_params: dict[str, Any],
    params: dict[str, Any],
    progress: Callable[[float], None] | None = None,
) -> Any:
    """``spec``'s metric on the inputs it takes, through ``xw.metrics.evaluate``: ``params`` are the
    metric's own, ``method_params`` those of the method, passed on only to the metrics that
    attribute themselves (the views hand every metric the current method's parameters)."""
    return metrics.evaluate(
        spec.name,
        explainer=explainer,
        x=x,
        attributions=attributions,
        masks=masks,
        method=method,
        target=target,
        method_params=method_params if "method" in spec.inputs else None,
        progress=progress,
        **params,
    )


def scores(spec: MetricSpec, result: Any) -> np.ndarray:
    """The metric's result read as one float per sample (N,)."""
    return np.asarray(spec.score(result).detach().cpu().double().numpy(), np.float64).reshape(-1)


def format_score(value: float, digits: int = 3) -> str:
    """``digits`` significant digits; "n/a" for NaN (a metric undefined for this map)."""
    return "n/a" if not np.isfinite(value) else f"{value:.{digits}g}"


def heading(spec: MetricSpec) -> str:
    """The metric's column heading: its name and which way is better."""
    return f"{spec.name.replace('_', ' ')} {'↑' if spec.higher_is_better else '↓'}"
