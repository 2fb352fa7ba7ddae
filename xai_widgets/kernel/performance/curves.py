"""Binary ranking curves in torch, on the scores' device: ROC with its AUC, precision-recall with
average precision, the KS curve and statistic, and the lift (gains) table. Each equals
scikit-learn's (or scipy's two-sample KS) on the same inputs, in the same return order, ties
included: every threshold is a distinct score, and tied scores move together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..core.errors import InputError, ParameterError
from .labels import as_labels, as_scores, binary_targets, check_same_length


@dataclass
class CountsAtThresholds:
    """At each distinct score, from the highest down: the samples scored at or above it that are
    positive (``true_positives``) and negative (``false_positives``), float64."""

    false_positives: torch.Tensor
    true_positives: torch.Tensor
    thresholds: torch.Tensor


def counts_at_thresholds(y_true: Any, scores: Any, pos_label: int | None = None) -> CountsAtThresholds:
    """Cumulative positives and negatives at every distinct score (scikit-learn's ``_binary_clf_curve``)."""
    positive, scores = _binary_inputs(y_true, scores, pos_label)
    order = descending_order(scores)
    scores = scores[order]
    # Gather booleans, not int64 or float: a random gather of a million 8-byte values costs more
    # than the cumulative sum.
    positive = positive[order]
    last_of_each_value = torch.nonzero(scores[1:] != scores[:-1]).flatten()
    ends = torch.cat([last_of_each_value, last_of_each_value.new_tensor([scores.numel() - 1])])
    true_positives = torch.cumsum(positive, 0)[ends].double()
    false_positives = (ends + 1).double() - true_positives
    return CountsAtThresholds(false_positives, true_positives, scores[ends])


def roc_curve(
    y_true: Any, scores: Any, pos_label: int | None = None, drop_intermediate: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(fpr, tpr, thresholds)``, as scikit-learn's ``roc_curve``: ``thresholds`` decreasing from
    ``inf`` (nothing predicted positive), ``fpr``/``tpr`` the rates of predicting positive at
    ``score >= threshold``; ``drop_intermediate`` drops the points on a straight segment."""
    counts = counts_at_thresholds(y_true, scores, pos_label)
    fps, tps, thresholds = counts.false_positives, counts.true_positives, counts.thresholds
    if drop_intermediate and fps.numel() > 2:
        bends = (_second_difference(fps) != 0) | (_second_difference(tps) != 0)
        keep = torch.cat([bends.new_ones(1), bends, bends.new_ones(1)])
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    zero = fps.new_zeros(1)
    fps, tps = torch.cat([zero, fps]), torch.cat([zero, tps])
    thresholds = torch.cat([thresholds.new_full((1,), float("inf")), thresholds])
    # No negatives (or no positives): the rate is undefined, NaN as scikit-learn returns.
    return fps / fps[-1], tps / tps[-1], thresholds


def roc_auc(y_true: Any, scores: Any, pos_label: int | None = None) -> torch.Tensor:
    """Area under the ROC curve (0-dim float64), as scikit-learn's ``roc_auc_score`` for two classes.

    Both classes must occur: with one class the area is undefined and this raises.
    """
    fpr, tpr, _ = roc_curve(y_true, scores, pos_label)
    # A missing class leaves its rate 0 / 0 (NaN): checked here rather than by a second pass
    # over the labels.
    if torch.isnan(fpr[-1]) or torch.isnan(tpr[-1]):
        raise InputError("roc_auc needs both classes in y_true; only one is present, so the area is undefined")
    return trapezoid(tpr, fpr)


def precision_recall_curve(
    y_true: Any, scores: Any, pos_label: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(precision, recall, thresholds)``, as scikit-learn's ``precision_recall_curve``:
    thresholds increasing, and a last point (precision 1, recall 0) with no threshold."""
    counts = counts_at_thresholds(y_true, scores, pos_label)
    fps, tps = counts.false_positives, counts.true_positives
    predicted = tps + fps
    precision = torch.where(predicted > 0, tps / predicted.clamp(min=1), torch.zeros_like(tps))
    recall = tps / tps[-1] if tps[-1] > 0 else torch.ones_like(tps)
    one, zero = precision.new_ones(1), precision.new_zeros(1)
    return (
        torch.cat([precision.flip(0), one]),
        torch.cat([recall.flip(0), zero]),
        counts.thresholds.flip(0),
    )


def average_precision(y_true: Any, scores: Any, pos_label: int | None = None) -> torch.Tensor:
    """Average precision (0-dim float64): the precision at each threshold weighted by the recall
    it adds, as scikit-learn's ``average_precision_score`` (no interpolation)."""
    precision, recall, _ = precision_recall_curve(y_true, scores, pos_label)
    return -torch.sum((recall[1:] - recall[:-1]) * precision[:-1])


@dataclass
class KSCurve:
    """The Kolmogorov-Smirnov chart: at each threshold (decreasing, from ``inf``), the fraction of
    positives and of negatives scored at or above it; ``statistic`` is the largest gap (scipy's
    two-sided two-sample ``ks_2samp`` statistic of the two classes' scores) and ``threshold`` the
    score where it occurs."""

    thresholds: torch.Tensor
    positive_rate: torch.Tensor
    negative_rate: torch.Tensor
    statistic: torch.Tensor
    threshold: torch.Tensor


def ks_curve(y_true: Any, scores: Any, pos_label: int | None = None) -> KSCurve:
    """The KS chart of the positives' and negatives' score distributions (see :class:`KSCurve`)."""
    negative_rate, positive_rate, thresholds = roc_curve(y_true, scores, pos_label, drop_intermediate=False)
    if torch.isnan(negative_rate).any() or torch.isnan(positive_rate).any():
        raise InputError("the KS statistic needs both classes in y_true; only one is present")
    # The two empirical CDFs differ most at some score; the gap in the rates at or above each
    # distinct score runs through the same values.
    gap = (positive_rate - negative_rate).abs()
    best = torch.argmax(gap)
    return KSCurve(thresholds, positive_rate, negative_rate, gap[best], thresholds[best])


def ks_statistic(y_true: Any, scores: Any, pos_label: int | None = None) -> torch.Tensor:
    """The two-sample KS statistic (0-dim float64) of the positives' against the negatives' scores."""
    return ks_curve(y_true, scores, pos_label).statistic


@dataclass
class LiftCurve:
    """The samples ranked by score (highest first) and cut into ``n_bins`` groups as equal as
    possible (the first ``N % n_bins`` one larger, as ``numpy.array_split``). Per group, each
    (n_bins,) float64: ``fraction`` the share of all samples up to its end, ``rate`` its positive
    rate, ``lift`` that rate over the overall one, ``cumulative_lift`` the same for all groups up to
    it, and ``gain`` the share of all positives found up to it."""

    fraction: torch.Tensor
    rate: torch.Tensor
    lift: torch.Tensor
    cumulative_lift: torch.Tensor
    gain: torch.Tensor


def lift_curve(y_true: Any, scores: Any, n_bins: int = 10, pos_label: int | None = None) -> LiftCurve:
    """The lift (and cumulative gains) table of a ranking (see :class:`LiftCurve`).

    Tied scores are ranked in their input order (a stable sort), so a tie across a group's edge
    splits as the data came.
    """
    positive, scores = _binary_inputs(y_true, scores, pos_label)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or not 1 <= n_bins <= positive.numel():
        raise ParameterError(
            f"n_bins must be an int from 1 to the number of samples ({positive.numel()}), got {n_bins!r}"
        )
    total_positives = positive.sum()
    if total_positives == 0:
        raise InputError("a lift curve needs at least one positive sample in y_true")
    order = torch.sort(scores, descending=True, stable=True).indices
    ranked = positive[order].double()
    n = ranked.numel()
    sizes = torch.full((n_bins,), n // n_bins, dtype=torch.long, device=ranked.device)
    sizes[: n % n_bins] += 1
    ends = torch.cumsum(sizes, 0)
    cumulative_positives = torch.cumsum(ranked, 0)[ends - 1]
    group_positives = torch.diff(cumulative_positives, prepend=cumulative_positives.new_zeros(1))
    base_rate = total_positives.double() / n
    rate = group_positives / sizes.double()
    return LiftCurve(
        fraction=ends.double() / n,
        rate=rate,
        lift=rate / base_rate,
        cumulative_lift=cumulative_positives / ends.double() / base_rate,
        gain=cumulative_positives / total_positives.double(),
    )


def descending_order(scores: torch.Tensor) -> torch.Tensor:
    """Indices that sort ``scores`` from the highest down, in any order among ties (callers group
    tied scores). On the CPU numpy's quicksort (SIMD-accelerated) is about 7 times faster than
    ``torch.sort`` on a million float64 scores; elsewhere torch sorts on the device."""
    if scores.device.type == "cpu":
        ascending = np.argsort(scores.numpy())
        return torch.from_numpy(np.ascontiguousarray(ascending[::-1]))
    return torch.sort(scores, descending=True).indices


def trapezoid(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Area under ``y(x)`` by the trapezoidal rule, for ``x`` monotonic either way (as scikit-learn's ``auc``)."""
    area = torch.trapezoid(y, x)
    return -area if x.numel() > 1 and bool((x[1:] <= x[:-1]).all()) and bool((x[1:] < x[:-1]).any()) else area


def _second_difference(values: torch.Tensor) -> torch.Tensor:
    return values[2:] - 2 * values[1:-1] + values[:-2]


def _binary_inputs(y_true: Any, scores: Any, pos_label: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """(whether each sample is positive, its score), checked."""
    scores = as_scores(scores, "scores")
    labels = as_labels(y_true, "y_true", scores.device)
    if scores.ndim != 1:
        raise InputError(
            f"scores must be one score per sample, shaped (N,), got {tuple(scores.shape)}; for (N, classes) "
            "probabilities pick the positive class's column or use the one-against-rest curves"
        )
    check_same_length(labels, scores, "scores")
    return binary_targets(labels, pos_label), scores
