"""Checking and converting the labels and scores the report-card functions take (tensors, numpy
arrays or lists), with errors that say what is wrong."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..core.errors import InputError


def as_tensor(values: Any, name: str, device: torch.device | None = None) -> torch.Tensor:
    """``values`` as a detached tensor (numpy arrays and lists accepted), on ``device`` if given."""
    if isinstance(values, torch.Tensor):
        tensor = values.detach()
    else:
        array = np.asarray(values)
        if array.dtype == object or array.dtype.kind in "US":
            raise InputError(f"{name} must be numbers (class indices or scores), got {array.dtype} values")
        tensor = torch.as_tensor(array)
    return tensor if device is None else tensor.to(device)


def as_labels(values: Any, name: str = "y_true", device: torch.device | None = None) -> torch.Tensor:
    """Class labels as a 1-D int64 tensor; floats are accepted only when they are whole numbers."""
    labels = as_tensor(values, name, device)
    if labels.ndim != 1:
        raise InputError(f"{name} must be one label per sample, shaped (N,), got {tuple(labels.shape)}")
    if labels.dtype == torch.bool:
        return labels.long()
    if labels.is_floating_point() and (not torch.isfinite(labels).all() or (labels != labels.round()).any()):
        raise InputError(f"{name} must hold class indices (whole numbers), got fractional or NaN values")
    return labels.long()


def as_scores(values: Any, name: str = "scores", device: torch.device | None = None) -> torch.Tensor:
    """Scores as a floating tensor; NaN or infinite scores raise (they have no place in a ranking)."""
    scores = as_tensor(values, name, device)
    if not scores.is_floating_point():
        scores = scores.double()
    if not torch.isfinite(scores).all():
        raise InputError(f"{name} contains NaN or infinite values; drop or fix those samples first")
    return scores


def check_same_length(y_true: torch.Tensor, other: torch.Tensor, other_name: str) -> None:
    if other.shape[0] != y_true.shape[0]:
        raise InputError(f"y_true has {y_true.shape[0]} samples but {other_name} has {other.shape[0]}; they must match")
    if y_true.shape[0] == 0:
        raise InputError("the report needs at least one sample")


def binary_targets(y_true: torch.Tensor, pos_label: int | None) -> torch.Tensor:
    """``y_true == pos_label`` as a bool tensor; more than two classes raise.

    Without ``pos_label`` the labels must be {0, 1} or {-1, 1} (or one of those values alone), as
    scikit-learn requires; the positive class is then 1.
    """
    classes = _up_to_three_classes(y_true)
    if len(classes) > 2:
        raise InputError(
            f"a binary curve needs two classes, but y_true has more (at least {classes}); "
            "pass the positive class's scores with pos_label, or use the one-against-rest curves"
        )
    if pos_label is None:
        if not set(classes) <= {0, 1} and not set(classes) <= {-1, 1}:
            raise InputError(
                f"y_true's classes {classes} are not {{0, 1}} or {{-1, 1}}: say which is positive with pos_label"
            )
        pos_label = 1
    return y_true == pos_label


def _up_to_three_classes(labels: torch.Tensor) -> list[int]:
    """The sorted distinct labels when there are at most two, else three of them: linear time,
    unlike a full ``torch.unique`` (a sort) over a million labels."""
    found: list[int] = []
    rest = labels
    while rest.numel() and len(found) < 3:
        found.append(int(rest[0]))
        rest = rest[rest != found[-1]]
    return sorted(found)
