"""Continuity (Montavon et al., 2018): nearly equal inputs should get nearly equal explanations; the
largest ||R(x) - R(x')||_1 / ||x - x'||_2 over shifted copies x' of the input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from ..core.errors import InputError, ParameterError
from ..core.progress import Progress, stage
from ..core.registry import ParamSpec, get_method
from ..core.validation import as_input_batch
from .faithfulness import BASELINES, baseline_values
from .maps import prepared
from .passes import copy_attributions
from .registry import NORMALISATIONS, checked, metric

if TYPE_CHECKING:
    from ..core.explainer import Explainer


@dataclass
class ContinuityResult:
    """Continuity: ``values`` (N,) the largest ratio over the shifts; ``ratios`` (N, n_steps) the
    ratio ||R(x) - R(x')||_1 / (||x - x'||_2 + 1e-9) at each shift; ``shifts`` (n_steps,) the
    shifts in pixels along the last axis (positive: to the right)."""

    values: torch.Tensor
    ratios: torch.Tensor
    shifts: torch.Tensor
    target: torch.Tensor


def _values(result: ContinuityResult) -> torch.Tensor:
    return result.values


def shifted(x: torch.Tensor, shifts: torch.Tensor, fill: torch.Tensor) -> torch.Tensor:
    """Copies (len(shifts), N, ...) of ``x`` moved by each shift along its last axis, the uncovered
    columns taken from ``fill`` (broadcastable to x)."""
    width = x.shape[-1]
    source = torch.arange(width, device=x.device)[None] - shifts[:, None]  # (shifts, width)
    inside = (source >= 0) & (source < width)
    moved = x[..., source.clamp(0, width - 1)]  # (N, ..., shifts, width)
    moved = moved.movedim(-2, 0)
    return torch.where(inside.view(-1, *([1] * (x.ndim - 1)), width), moved, fill)


@metric(
    "continuity",
    "robustness",
    ("explainer", "x", "method", "target"),
    [
        ParamSpec("n_steps", "int", 28, "shifted copies, evenly spaced over the width", minimum=1),
        ParamSpec("baseline", "baseline", "black", "what fills the uncovered columns", choices=BASELINES),
        ParamSpec("absolute", "bool", True, "compare absolute values (Quantus's abs)"),
        ParamSpec("normalise", "choice", "sample", "divide maps by their largest value", choices=NORMALISATIONS),
    ],
    higher_is_better=False,
    long=True,
    score=_values,
)
def continuity(
    explainer: Explainer,
    x: Any,
    method: str,
    target: Any = None,
    n_steps: int = 28,
    *,
    baseline: Any = "black",
    absolute: bool = True,
    normalise: str = "sample",
    progress: Progress | None = None,
    **method_params: Any,
) -> ContinuityResult:
    """Continuity (Montavon et al., 2018): the largest ||R(x) - R(x')||_1 / ||x - x'||_2 over copies
    x' of x shifted along the last axis (an image's width, a sequence's length); a continuous
    explanation scores low.

    As Quantus 0.6's ``Continuity`` with its defaults: ``n_steps`` shifts of -W + k * ((2W + 1) //
    n_steps) pixels (k = 1..n_steps), the uncovered columns filled with each sample's minimum
    (``"black"``), absolute maps divided by their largest value; 1e-9 guards the denominator, and
    a shift that leaves x unchanged (a zero shift, or a uniform row) scores 0.
    ``normalise="sample"`` divides each map by its own largest value, so a score does not depend
    on its batch; ``"batch"`` divides by the batch's maximum as Quantus does. Inputs (N, C, L) or
    (N, C, H, W). All shifted copies go through the method in memory-budgeted batches;
    ``progress`` is called after every batched pass and may raise to stop the call.
    """
    params = checked("continuity", n_steps=n_steps, baseline=baseline, absolute=absolute, normalise=normalise)
    get_method(method).resolve(method_params)
    x = as_input_batch(x, explainer.device)
    if x.ndim not in (3, 4):
        raise InputError(
            f"continuity shifts images (N, C, H, W) or sequences (N, C, L); got inputs of shape {tuple(x.shape)}"
        )
    width, count = x.shape[-1], params["n_steps"]
    step = (2 * width + 1) // count
    if step == 0:
        raise ParameterError(f"continuity: n_steps={count} is more than 2 * width + 1 = {2 * width + 1}")
    shifts = -width + step * torch.arange(1, count + 1, device=x.device)
    fill = baseline_values(params["baseline"], x)
    n = x.shape[0]
    original = explainer.attribute(x, method, target, progress=stage(progress, 0.0, 1 / (count + 1)), **method_params)
    reference = prepared(original.values.to(x.device).double(), params["absolute"], params["normalise"]).flatten(1)
    ratios = torch.empty(count, n, dtype=torch.float64, device=x.device)

    # The copies of the part being attributed, kept for their distance to x (copies, N, ...).
    made: list[torch.Tensor] = []

    def make(start: int, stop: int) -> torch.Tensor:
        made[:] = [shifted(x, shifts[start:stop], fill)]
        return made[0].flatten(0, 1)

    def use(start: int, stop: int, maps: torch.Tensor) -> None:
        moved = prepared(maps.double(), params["absolute"], params["normalise"], lead=2).flatten(2)
        distance = torch.linalg.vector_norm((made.pop() - x).double().flatten(2), dim=2)
        ratio = (moved - reference).abs().sum(dim=2) / (distance + 1e-9)
        # An unmoved copy is x itself: its map may differ from x's only by the rounding of another
        # batch size, which the 1e-9 guard would blow up.
        ratios[start:stop] = torch.where(distance > 0, ratio, torch.zeros_like(ratio))

    copy_attributions(
        explainer,
        count,
        n,
        x.shape[1:],
        make,
        method,
        original.target,
        method_params,
        use,
        stage(progress, 1 / (count + 1), 1.0),
    )
    return ContinuityResult(
        values=ratios.amax(dim=0).cpu(), ratios=ratios.T.cpu(), shifts=shifts.cpu(), target=original.target
    )
