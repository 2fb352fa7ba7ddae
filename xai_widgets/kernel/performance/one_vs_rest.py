"""Curves for multi-class models: one binary curve per class (that class against the rest), with
micro averages (every (sample, class) pair pooled) and macro averages (the classes' mean), as
scikit-learn's ``roc_auc_score`` and ``average_precision_score`` with ``multi_class="ovr"``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..core.errors import InputError
from .curves import average_precision, precision_recall_curve, roc_auc, roc_curve
from .labels import as_labels, as_scores, check_same_length


@dataclass
class OneVsRest:
    """Per class ``curves[c]`` (the binary function's tuple for class c against the rest) and its
    area ``areas[c]`` (AUC or AP; NaN for a class with no positive or no negative sample, left out
    of the macro mean); ``micro_curve`` and ``micro`` pool every (sample, class) pair; ``macro`` is
    the mean of the defined per-class areas."""

    kind: str
    curves: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]
    areas: torch.Tensor
    micro_curve: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    micro: torch.Tensor
    macro: torch.Tensor


def roc_curves(y_true: Any, probabilities: Any) -> OneVsRest:
    """ROC curves and AUCs of an (N, classes) score matrix, one class against the rest."""
    return _one_vs_rest("roc", y_true, probabilities)


def precision_recall_curves(y_true: Any, probabilities: Any) -> OneVsRest:
    """Precision-recall curves and average precisions of an (N, classes) score matrix."""
    return _one_vs_rest("pr", y_true, probabilities)


def _one_vs_rest(kind: str, y_true: Any, probabilities: Any) -> OneVsRest:
    scores = as_scores(probabilities, "probabilities")
    labels = as_labels(y_true, "y_true", scores.device)
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise InputError(f"probabilities must be shaped (N, classes) with 2 or more classes, got {tuple(scores.shape)}")
    check_same_length(labels, scores, "probabilities")
    n_classes = scores.shape[1]
    if labels.min() < 0 or labels.max() >= n_classes:
        raise InputError(f"y_true must hold class indices from 0 to {n_classes - 1} (one per column of probabilities)")
    curve, area = (roc_curve, roc_auc) if kind == "roc" else (precision_recall_curve, average_precision)
    one_hot = torch.nn.functional.one_hot(labels, n_classes)
    curves, areas = [], []
    for c in range(n_classes):
        column = one_hot[:, c]
        curves.append(curve(column, scores[:, c]))
        defined = bool(column.any()) and (kind == "pr" or not bool(column.all()))
        areas.append(area(column, scores[:, c]) if defined else scores.new_tensor(float("nan"), dtype=torch.float64))
    pooled_labels, pooled_scores = one_hot.flatten(), scores.flatten()
    area_tensor = torch.stack(areas)
    return OneVsRest(
        kind=kind,
        curves=curves,
        areas=area_tensor,
        micro_curve=curve(pooled_labels, pooled_scores),
        micro=area(pooled_labels, pooled_scores),
        macro=area_tensor.nanmean(),
    )
