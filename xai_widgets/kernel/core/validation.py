"""Checks on what the user passes in: input batches and targets."""

from __future__ import annotations

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
    if not torch.isfinite(x).all():
        bad = (~torch.isfinite(x)).flatten(1).any(1).nonzero().flatten().tolist()
        raise InputError(f"the input contains NaN or inf values (samples {bad}); clean or impute them first")
    return x.detach().to(device)


def as_target_batch(target: Any, n_samples: int, n_outputs: int, device: torch.device) -> torch.Tensor:
    """Return ``target`` (an int or one int per sample) as an int64 tensor of length ``n_samples``."""
    if isinstance(target, (np.ndarray, list, tuple)):
        target = torch.as_tensor(np.asarray(target))
    if isinstance(target, torch.Tensor):
        if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
            raise TargetError(f"target must hold integers, got dtype {target.dtype}")
        target = target.flatten().to(device=device, dtype=torch.long)
        if target.numel() == 1:
            target = target.expand(n_samples)
        elif target.numel() != n_samples:
            raise TargetError(
                f"target has {target.numel()} entries for a batch of {n_samples}; give one int, or one per sample"
            )
    elif isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        target = torch.full((n_samples,), int(target), dtype=torch.long, device=device)
    else:
        raise TargetError(f"target must be None, an int or a sequence of ints, got {target!r}")
    out_of_range = (target < 0) | (target >= n_outputs)
    if out_of_range.any():
        bad = sorted(set(target[out_of_range].tolist()))
        raise TargetError(
            f"target {bad} is out of range: the model has {n_outputs} output(s), so targets run 0..{n_outputs - 1}"
        )
    return target.contiguous()


def check_gaussian_outputs(n_outputs: int) -> None:
    """A ``task="gaussian"`` model returns two outputs, mean and log-variance; else say so."""
    if n_outputs != 2:
        raise ModelOutputError(
            f"task='gaussian' needs a model with two outputs, (mean, log-variance), and this one has "
            f"{n_outputs}; give the model a variance head, or bind it with task='regression'"
        )
