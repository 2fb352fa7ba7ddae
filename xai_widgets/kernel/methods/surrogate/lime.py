"""LIME: a weighted linear surrogate fitted to the model's outputs on randomly masked segments."""

from __future__ import annotations

from typing import Any

import torch

from ...core.registry import BASELINE_NAMES, ParamSpec, method
from ...core.runner import ModelRunner
from ...inputs.baselines import resolve_baseline
from ...inputs.segments import SEGMENT_KINDS, segment_labels, spread
from .fit import cosine_kernel, lime_masks, masked_scores, weighted_ridge

# A small L2 penalty (relative to the total sample weight) keeps the fit defined when a segment
# is on in every draw; unlike Captum's default Lasso it zeroes no coefficient.
_RIDGE = 1e-3

SEGMENT_PARAMS = [
    ParamSpec(
        "segments", "choice", "grid", "how pixels are grouped (tabular: one feature each)", choices=SEGMENT_KINDS
    ),
    ParamSpec("segment_size", "window", None, "segment side per spatial dim (None: 1/8 of each side)"),
]


@method(
    "lime",
    family="surrogate",
    params=[
        ParamSpec("n_samples", "int", 500, "masked copies the surrogate is fitted to", minimum=2),
        *SEGMENT_PARAMS,
        ParamSpec("kernel_width", "float", 1.0, "width of the similarity kernel on the cosine distance", minimum=1e-6),
        ParamSpec("baseline", "baseline", 0.0, "the value removed segments take", choices=BASELINE_NAMES),
        ParamSpec("seed", "int", 0, "seed of the random masks, for repeatable maps", minimum=0),
    ],
)
def lime(
    runner: ModelRunner,
    x: torch.Tensor,
    target: torch.Tensor,
    n_samples: int,
    segments: str,
    segment_size: Any,
    kernel_width: float,
    baseline: Any,
    seed: int,
) -> tuple[torch.Tensor, None]:
    """LIME (Ribeiro et al., 2016): each segment's coefficient in a locally weighted linear surrogate.

    Segments are kept or replaced by the baseline at random (probability 1/2 each); samples are
    weighted by exp(-d^2 / (2 w^2)), d the cosine distance of the keep-mask to all-ones, and a
    ridge-regularised linear model is fitted in closed form. Captum's Lime fits a Lasso by
    default, which zeroes small coefficients, so the two agree in sign and order, not exactly.
    Images get (N, 1, H, W) maps, sequences (N, 1, L), tabular input (N, F).
    """
    base = resolve_baseline(baseline, x, "lime")
    labels, counts = segment_labels(x, segments, segment_size)
    generator = torch.Generator(device=x.device).manual_seed(seed)
    values = []
    for i in range(x.shape[0]):
        masks = lime_masks(counts[i], n_samples, generator, x.device)
        scores = masked_scores(runner, x[i], base[i], labels[i], masks, target[i : i + 1])
        coef, _ = weighted_ridge(masks, scores, cosine_kernel(masks, kernel_width), _RIDGE)
        values.append(spread(coef.to(x.dtype), labels[i]))
    out = torch.stack(values)
    return (out if x.ndim == 2 else out[:, None]), None
