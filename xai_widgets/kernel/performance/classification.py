"""The confusion matrix and the per-class report (precision, recall, F1, support), in torch on the
labels' device, equal to scikit-learn's ``confusion_matrix`` and ``classification_report``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ..core.errors import InputError, ParameterError
from .labels import as_labels, check_same_length

NORMALIZE = (None, "true", "pred", "all")


def confusion_matrix(y_true: Any, y_pred: Any, labels: Any = None, normalize: str | None = None) -> torch.Tensor:
    """Counts of (true class, predicted class): row ``i`` is the samples whose true class is
    ``labels[i]``, column ``j`` those predicted as ``labels[j]``.

    ``labels`` defaults to the sorted classes that occur in either input (scikit-learn's rule; pass
    ``labels=range(n_classes)`` to keep classes that never occur); samples whose classes are not in
    ``labels`` are left out. ``normalize``: ``"true"`` divides each row by its sum (the recall on the
    diagonal), ``"pred"`` each column, ``"all"`` everything; an empty row or column stays 0.
    Returns int64 counts, or float64 fractions when normalised.
    """
    if normalize not in NORMALIZE:
        raise ParameterError(f"normalize must be one of {NORMALIZE}, got {normalize!r}")
    y_true = as_labels(y_true, "y_true")
    y_pred = as_labels(y_pred, "y_pred", y_true.device)
    check_same_length(y_true, y_pred, "y_pred")
    classes = class_list(y_true, y_pred, labels)
    n = classes.numel()
    true_index, true_known = _index_of(y_true, classes)
    pred_index, pred_known = _index_of(y_pred, classes)
    keep = true_known & pred_known
    counts = torch.bincount(true_index[keep] * n + pred_index[keep], minlength=n * n).reshape(n, n)
    if normalize is None:
        return counts
    counts = counts.double()
    total = {"true": counts.sum(1, keepdim=True), "pred": counts.sum(0, keepdim=True), "all": counts.sum()}[normalize]
    return torch.where(total > 0, counts / total.clamp(min=1), torch.zeros_like(counts))


def classification_report(
    y_true: Any, y_pred: Any, labels: Any = None, target_names: Sequence[str] | None = None
) -> dict[str, Any]:
    """Per class ``{"precision", "recall", "f1", "support"}`` under its name, the overall
    ``"accuracy"``, and ``"macro avg"`` and ``"weighted avg"`` (weighted by support).

    Equal to scikit-learn's ``classification_report(..., output_dict=True, zero_division=0)``
    (its ``f1-score`` is ``f1`` here): a precision or recall with nothing to divide by is 0.
    Class names are ``target_names`` or the labels as strings.
    """
    y_true = as_labels(y_true, "y_true")
    y_pred = as_labels(y_pred, "y_pred", y_true.device)
    check_same_length(y_true, y_pred, "y_pred")
    classes = class_list(y_true, y_pred, labels)
    names = [str(c) for c in classes.tolist()] if target_names is None else [str(n) for n in target_names]
    if len(names) != classes.numel():
        raise InputError(f"target_names has {len(names)} names for {classes.numel()} classes {classes.tolist()}")
    counts = confusion_matrix(y_true, y_pred, labels=classes).double()
    true_positive = counts.diagonal()
    support = counts.sum(1)
    predicted = counts.sum(0)
    precision = _divide(true_positive, predicted)
    recall = _divide(true_positive, support)
    f1 = _divide(2 * true_positive, support + predicted)
    report: dict[str, Any] = {}
    for i, name in enumerate(names):
        report[name] = _row(precision[i], recall[i], f1[i], support[i])
    report["accuracy"] = float((y_true == y_pred).double().mean())
    report["macro avg"] = _row(precision.mean(), recall.mean(), f1.mean(), support.sum())
    weights = support / support.sum().clamp(min=1)
    report["weighted avg"] = _row(
        (precision * weights).sum(), (recall * weights).sum(), (f1 * weights).sum(), support.sum()
    )
    return report


def class_list(y_true: torch.Tensor, y_pred: torch.Tensor, labels: Any) -> torch.Tensor:
    """The classes in order: ``labels`` as given, or the sorted union of the classes present."""
    if labels is None:
        return _present_classes(torch.cat([y_true, y_pred]))
    classes = as_labels(list(labels) if not hasattr(labels, "shape") else labels, "labels", y_true.device)
    if classes.numel() == 0:
        raise InputError("labels must name at least one class")
    if torch.unique(classes).numel() != classes.numel():
        raise InputError(f"labels must not repeat a class, got {classes.tolist()}")
    return classes


# Class values spanning at most this range are handled by counting and table look-up (linear
# time) instead of sorting: a million labels then cost a few milliseconds, not a sort.
DIRECT_RANGE = 1 << 20


def _present_classes(values: torch.Tensor) -> torch.Tensor:
    """The sorted distinct values."""
    low, high = torch.aminmax(values)
    if int(high) - int(low) < DIRECT_RANGE:
        present = torch.bincount(values - low) > 0
        return torch.nonzero(present).flatten() + low
    return torch.unique(values)


def _index_of(values: torch.Tensor, classes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each value's position in ``classes`` (in any order) and whether it is there at all."""
    low, high = torch.aminmax(torch.cat([classes, values]))
    if int(high) - int(low) < DIRECT_RANGE:
        table = torch.full((int(high - low) + 1,), -1, dtype=torch.long, device=values.device)
        table[classes - low] = torch.arange(classes.numel(), device=values.device)
        position = table[values - low]
        return position.clamp(min=0), position >= 0
    order = torch.argsort(classes)
    ordered = classes[order]
    position = torch.searchsorted(ordered, values).clamp(max=ordered.numel() - 1)
    known = ordered[position] == values
    return order[position], known


def _divide(numerator: torch.Tensor, denominator: torch.Tensor) -> torch.Tensor:
    return torch.where(denominator > 0, numerator / denominator.clamp(min=1), torch.zeros_like(numerator))


def _row(precision: torch.Tensor, recall: torch.Tensor, f1: torch.Tensor, support: torch.Tensor) -> dict[str, float]:
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1), "support": int(support)}
