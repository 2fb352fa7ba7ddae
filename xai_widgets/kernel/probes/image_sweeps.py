"""Image sweeps: the target output of an image at every amount of a registered perturbation, in
one batched outputs call, and the amounts a sweep or slider spans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from ..core.errors import ParameterError
from ..core.progress import Progress
from ..core.validation import as_input_batch, as_target_batch
from .image_perturbations import PERTURBATIONS, perturb

if TYPE_CHECKING:
    from ..core.explainer import Explainer

# Every registered perturbation, then the integrated-gradients path; follows later registrations.
SWEEP_KINDS = PERTURBATIONS.names("ig_path")
# alpha runs from the baseline (0) to the input (1), where the path is neutral: x itself.
_IG_PATH_RANGE = (0.0, 1.0, 1.0)


@dataclass
class SweepResult:
    """Target outputs along a perturbation sweep of one or more samples.

    ``outputs`` and ``probabilities`` are (N, amounts); ``probabilities`` is None for regression.
    ``reference`` holds the unperturbed target outputs (N,).
    """

    kind: str
    amounts: torch.Tensor
    outputs: torch.Tensor
    probabilities: torch.Tensor | None
    target: torch.Tensor
    reference: torch.Tensor


def sweep_range(kind: str, x: torch.Tensor, **options: Any) -> tuple[float, float, float]:
    """(low, high, neutral) amounts a slider for ``kind`` should span; neutral leaves x unchanged."""
    if kind not in SWEEP_KINDS:
        raise ParameterError(f"unknown sweep kind {kind!r}; use one of {tuple(SWEEP_KINDS)}")
    if kind == "ig_path":
        return _IG_PATH_RANGE
    return PERTURBATIONS.get(kind).amount_range(x, options)


def sweep_amounts(kind: str, x: torch.Tensor, n_points: int = 41, **options: Any) -> torch.Tensor:
    """The amounts a sweep curve samples: every position of a perturbation whose amounts are
    positions (the occluder's), else ``n_points`` evenly spaced over :func:`sweep_range` (an odd
    count keeps the neutral amount on the grid)."""
    low, high, _neutral = sweep_range(kind, x, **options)
    if kind != "ig_path" and PERTURBATIONS.get(kind).whole_amounts:
        return torch.arange(int(high) + 1, dtype=torch.float32)
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise ParameterError(f"{kind}: n_points must be an int >= 2, got {n_points!r}")
    return torch.linspace(low, high, n_points)


def perturbation_sweep(
    explainer: Explainer,
    x: torch.Tensor,
    kind: str,
    amounts: Sequence[float] | torch.Tensor,
    target: Any = None,
    *,
    progress: Progress | None = None,
    **options: Any,
) -> SweepResult:
    """The target output of every sample of ``x`` at every amount, in one batched outputs call.

    ``target`` is an int, one per sample, or None for the class predicted on the unperturbed x.
    ``progress`` is called with the fraction done after each batched pass; raising from it stops
    the sweep.
    """
    x = as_input_batch(x, explainer.device)
    PERTURBATIONS.get(kind)  # an unknown kind fails before any work
    amount_values = _as_amounts(amounts)
    # The unperturbed inputs ride along in the same batch: they give the predicted target.
    batch = torch.cat([*(perturb(x, kind, float(a), **options) for a in amount_values), x])
    raw = explainer.outputs(batch, progress=progress)
    n, n_amounts = x.shape[0], len(amount_values)
    per_amount = raw[: n * n_amounts].view(n_amounts, n, -1).transpose(0, 1)
    original = raw[n * n_amounts :]
    targets = _targets(target, original)
    index = targets.view(n, 1, 1).expand(n, n_amounts, 1)
    probabilities = None
    if not explainer.is_regression(raw):
        probabilities = torch.softmax(per_amount, dim=2).gather(2, index).squeeze(2)
    return SweepResult(
        kind=kind,
        amounts=amount_values,
        outputs=per_amount.gather(2, index).squeeze(2),
        probabilities=probabilities,
        target=targets,
        reference=original.gather(1, targets[:, None]).squeeze(1),
    )


def _as_amounts(amounts: Any) -> torch.Tensor:
    try:
        values = torch.as_tensor(amounts, dtype=torch.float32).flatten()
    except (TypeError, ValueError, RuntimeError):
        raise ParameterError(f"amounts must be a sequence of numbers, got {amounts!r}") from None
    if values.numel() == 0:
        raise ParameterError("amounts is empty; give at least one amount to sweep")
    if not torch.isfinite(values).all():
        raise ParameterError("amounts must all be finite numbers")
    return values


def _targets(target: Any, outputs: torch.Tensor) -> torch.Tensor:
    n, n_outputs = outputs.shape
    if target is None:
        return outputs.argmax(1)
    return as_target_batch(target, n, n_outputs, torch.device("cpu"))
