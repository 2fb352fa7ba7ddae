"""Checks on what the user passes in: input batches and targets."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from .errors import InputError, ModelOutputError, TargetError


def as_input_batch(x: Any, device: torch.device) -> torch.Tensor:
    """Return ``x`` as a floating point tensor on ``device`` (a new tensor; ``x`` is not changed)."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise InputError(f"the input must be a torch.Tensor or numpy array, got {type(x).__name__}")
    if x.ndim < 2:
        raise InputError(
            f"the input must be a batch shaped (N, ...) with at least 2 dims, got shape {tuple(x.shape)}; "
            "for a single sample add the batch dim with x.unsqueeze(0)"
        )
    if x.shape[0] == 0:
        raise InputError("the input batch is empty (N = 0)")
    if not x.is_floating_point():
        raise InputError(
            f"the input must be floating point (got {x.dtype}); attributions need a continuous input, "
            "convert with x.float()"
        )
    if not _all_finite(x):
        bad = (~torch.isfinite(x)).flatten(1).any(1).nonzero().flatten().tolist()
        raise InputError(f"the input contains NaN or inf values (samples {bad}); clean or impute them first")
    return x.detach().to(device)


def _all_finite(x: torch.Tensor) -> bool:
    """Whether every value of ``x`` is finite.

    A sum is NaN or inf whenever one of its terms is, and summing reads ``x`` once where
    ``torch.isfinite(x).all()`` also writes a bool per value (a tenth of the time: 0.3 ms on a
    224 px image, as much as a tenth of a small model's gradient pass). Only a sum that is not
    finite (a bad value, or finite values whose sum overflowed) has its values checked one by one.
    """
    if math.isfinite(x.sum().item()):
        return True
    return bool(torch.isfinite(x).all())


def as_target_batch(target: Any, n_samples: int, n_outputs: int, device: torch.device) -> torch.Tensor:
    """Return ``target`` (an int or one int per sample) as an int64 tensor of length ``n_samples``."""
    if isinstance(target, (list, tuple)) and target and all(type(t) is int for t in target):
        # A list of Python ints (what views pass) is checked as such: no NumPy and tensor round trip.
        _check_count(len(target), n_samples)
        bad = [t for t in target if not 0 <= t < n_outputs]
        if bad:
            raise _out_of_range(bad, n_outputs)
        values = list(target) * n_samples if len(target) == 1 else list(target)
        return torch.tensor(values, dtype=torch.long, device=device)
    if isinstance(target, (np.ndarray, list, tuple)):
        target = torch.as_tensor(np.asarray(target))
    if isinstance(target, torch.Tensor):
        if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
            raise TargetError(f"target must hold integers, got dtype {target.dtype}")
        target = target.flatten()
        _check_count(target.numel(), n_samples)
        _check_range(target, n_outputs)
        target = target.to(device=device, dtype=torch.long)
        return target.expand(n_samples).contiguous() if target.numel() == 1 else target.contiguous()
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        # Checked as a Python int: no tensor op for the common case of one class for the batch.
        if not 0 <= int(target) < n_outputs:
            raise _out_of_range([int(target)], n_outputs)
        return torch.full((n_samples,), int(target), dtype=torch.long, device=device)
    raise TargetError(f"target must be None, an int or a sequence of ints, got {target!r}")


def _check_count(n_targets: int, n_samples: int) -> None:
    if n_targets != 1 and n_targets != n_samples:
        raise TargetError(f"target has {n_targets} entries for a batch of {n_samples}; give one int, or one per sample")


def _check_range(target: torch.Tensor, n_outputs: int) -> None:
    """Raise a TargetError naming the targets outside 0..n_outputs - 1."""
    # A few CPU targets are compared as Python ints, cheaper than two tensor comparisons.
    if target.device.type == "cpu" and target.numel() <= 64:
        values = target.tolist()
        if min(values) >= 0 and max(values) < n_outputs:
            return
    else:
        low, high = torch.aminmax(target)
        if int(low) >= 0 and int(high) < n_outputs:
            return
    out_of_range = (target < 0) | (target >= n_outputs)
    raise _out_of_range(target[out_of_range].tolist(), n_outputs)


def _out_of_range(bad: list[int], n_outputs: int) -> TargetError:
    return TargetError(
        f"target {sorted(set(bad))} is out of range: the model has {n_outputs} output(s), "
        f"so targets run 0..{n_outputs - 1}"
    )


def check_gaussian_outputs(n_outputs: int) -> None:
    """A ``task="gaussian"`` model returns two outputs, mean and log-variance; else say so."""
    if n_outputs != 2:
        raise ModelOutputError(
            f"task='gaussian' needs a model with two outputs, (mean, log-variance), and this one has "
            f"{n_outputs}; give the model a variance head, or bind it with task='regression'"
        )
