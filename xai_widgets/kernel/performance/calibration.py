"""Calibration: do predicted probabilities match accuracies (ECE, reliability curve), and do
predicted standard deviations cover the errors (coverage)?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..core.errors import InputError, ParameterError


@dataclass
class ReliabilityCurve:
    """Per-bin statistics of top-label confidence, each (n_bins,), on the inputs' device.

    ``bin_edges`` (n_bins + 1,) from 0 to 1: bin i holds confidences in ``[edges[i], edges[i+1])``,
    the last bin also 1 itself. ``confidence`` and ``accuracy`` are the bin's mean confidence and
    fraction correct (NaN for an empty bin), ``count`` how many predictions fell in it.
    """

    bin_edges: torch.Tensor
    confidence: torch.Tensor
    accuracy: torch.Tensor
    count: torch.Tensor


def coverage(errors: Any, std: Any, k: float = 2.0) -> torch.Tensor:
    """The fraction of predictions with ``|error| <= k * std`` (0-dim float tensor).

    About 95% for well-calibrated Gaussian predictions at ``k=2``. ``errors`` and ``std`` are
    tensors or arrays of the same shape (e.g. prediction minus truth, and ``Uncertainty.std``).
    """
    errors, std = _as_tensor(errors, "errors"), _as_tensor(std, "std", like=errors)
    if errors.shape != std.shape:
        raise InputError(f"errors {tuple(errors.shape)} and std {tuple(std.shape)} must have the same shape")
    if errors.numel() == 0:
        raise InputError("coverage needs at least one prediction")
    if isinstance(k, bool) or not isinstance(k, (int, float)) or k < 0:
        raise ParameterError(f"coverage: k must be a non-negative number, got {k!r}")
    if (std < 0).any():
        raise InputError("std must be non-negative: pass standard deviations, not log-variances")
    return (errors.abs() <= k * std).float().mean()


def expected_calibration_error(probabilities: Any, labels: Any, n_bins: int = 15) -> torch.Tensor:
    """Expected calibration error of top-label confidence (0-dim float tensor), the l1 form.

    ``probabilities``: (N, classes); ``labels``: (N,) class indices. Confidences are binned into
    ``n_bins`` equal-width bins; the ECE is the count-weighted mean of |accuracy - confidence| over
    bins. It equals torchmetrics' ``MulticlassCalibrationError(norm="l1")``, including its one
    quirk: a confidence of exactly 1 forms a bin of its own instead of joining the last bin.
    """
    confidence, correct = _top_label(probabilities, labels)
    n_bins = _check_bins(n_bins)
    # Edges in the confidences' dtype, as torchmetrics does: a float32 confidence on a float32
    # edge then lands in the same bin.
    edges = torch.linspace(0, 1, n_bins + 1, dtype=confidence.dtype, device=confidence.device)
    index = torch.bucketize(confidence, edges, right=True) - 1
    count, confidence_sum, correct_sum = _bin_sums(index, n_bins + 1, confidence, correct)
    return (correct_sum - confidence_sum).abs().sum() / confidence.numel()


def reliability_curve(probabilities: Any, labels: Any, n_bins: int = 15) -> ReliabilityCurve:
    """Mean confidence, accuracy and count per equal-width confidence bin (a reliability diagram).

    ``probabilities``: (N, classes); ``labels``: (N,) class indices.
    """
    confidence, correct = _top_label(probabilities, labels)
    n_bins = _check_bins(n_bins)
    edges = torch.linspace(0, 1, n_bins + 1, dtype=confidence.dtype, device=confidence.device)
    index = (torch.bucketize(confidence, edges, right=True) - 1).clamp(max=n_bins - 1)
    count, confidence_sum, correct_sum = _bin_sums(index, n_bins, confidence, correct)
    # An empty bin has no mean: NaN, which a chart leaves out.
    return ReliabilityCurve(
        bin_edges=edges,
        confidence=confidence_sum / count,
        accuracy=correct_sum / count,
        count=count.long(),
    )


def _bin_sums(
    index: torch.Tensor, n_bins: int, confidence: torch.Tensor, correct: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per bin: how many, the sum of confidences and the number correct."""
    sums = torch.zeros(3, n_bins, dtype=confidence.dtype, device=confidence.device)
    values = torch.stack([torch.ones_like(confidence), confidence, correct.to(confidence.dtype)])
    sums.scatter_add_(1, index.expand(3, -1), values)
    return sums[0], sums[1], sums[2]


def _top_label(probabilities: Any, labels: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The top-label confidence (N,) and whether it was right (N,) bool."""
    probabilities = _as_tensor(probabilities, "probabilities")
    if probabilities.ndim != 2 or probabilities.shape[1] < 2:
        raise InputError(
            f"probabilities must be shaped (N, classes) with at least 2 classes, got {tuple(probabilities.shape)}"
        )
    if probabilities.shape[0] == 0:
        raise InputError("calibration needs at least one prediction")
    if not torch.isfinite(probabilities).all() or (probabilities < 0).any() or (probabilities > 1 + 1e-6).any():
        raise InputError("probabilities must lie in [0, 1]: pass softmax outputs (e.g. Explainer.predict), not logits")
    labels = torch.as_tensor(np.asarray(labels) if not isinstance(labels, torch.Tensor) else labels)
    labels = labels.to(probabilities.device)
    if labels.is_floating_point() or labels.shape != probabilities.shape[:1]:
        raise InputError(
            f"labels must be (N,) = ({probabilities.shape[0]},) class indices, got {labels.dtype} {tuple(labels.shape)}"
        )
    confidence, predicted = probabilities.max(dim=1)
    return confidence, predicted == labels


def _check_bins(n_bins: Any) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ParameterError(f"n_bins must be a positive int, got {n_bins!r}")
    return int(n_bins)


def _as_tensor(values: Any, name: str, like: torch.Tensor | None = None) -> torch.Tensor:
    """``values`` as a floating tensor (numpy and lists accepted), on ``like``'s device if given."""
    tensor = values if isinstance(values, torch.Tensor) else torch.as_tensor(np.asarray(values))
    if not tensor.is_floating_point():
        tensor = tensor.float()
    if like is not None:
        tensor = tensor.to(like.device)
    if tensor.isnan().any():
        raise InputError(f"{name} contains NaN values")
    return tensor.detach()
