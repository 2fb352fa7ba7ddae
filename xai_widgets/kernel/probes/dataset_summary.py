"""Attributions over a whole tabular data set and the per-feature summary the global views show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from ..core.explainer import Explainer


@dataclass(frozen=True)
class DatasetAttribution:
    """Per-sample attributions of a data set and their summary.

    values: (N, F) attributions; mean_abs: (F,) mean absolute attribution per feature;
    order: (F,) feature indices, most important (largest mean_abs) first; elapsed_ms: kernel time.
    """

    values: torch.Tensor
    mean_abs: torch.Tensor
    order: torch.Tensor
    elapsed_ms: float


def dataset_attribution(
    explainer: Explainer,
    X: Any,
    method: str,
    target: Any = None,
    progress: Callable[[float], None] | None = None,
    **params: Any,
) -> DatasetAttribution:
    """Attribute every row of ``X`` (N, F) with ``method`` in the explainer's batched passes and
    summarise per feature. ``target``: an int, one per row, or ``None`` for each row's predicted class."""
    result = explainer.attribute(X, method, target=target, progress=progress, **params)
    values = result.values.reshape(result.values.shape[0], -1)
    mean_abs = values.abs().mean(0)
    return DatasetAttribution(values, mean_abs, torch.argsort(mean_abs, descending=True), result.elapsed_ms)
