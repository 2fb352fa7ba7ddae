"""KernelSHAP: Shapley values of segments from a Shapley-kernel-weighted linear fit on coalitions."""

from __future__ import annotations

from typing import Any

import torch

from ...core.registry import BASELINE_NAMES, ParamSpec, method
from ...core.runner import ModelRunner
from ...inputs.baselines import resolve_baseline
from ...inputs.segments import segment_labels, spread
from .fit import constrained_shapley_fit, masked_scores, shapley_masks
from .lime import SEGMENT_PARAMS


@method(
    "kernel_shap",
    family="surrogate",
    params=[
        ParamSpec("n_samples", "int", 500, "coalitions evaluated per sample", minimum=2),
        *SEGMENT_PARAMS,
        ParamSpec("baseline", "baseline", 0.0, "the value absent segments take", choices=BASELINE_NAMES),
        ParamSpec("seed", "int", 0, "seed of the sampled coalitions, for repeatable maps", minimum=0),
    ],
    has_delta=True,
)
def kernel_shap(
    runner: ModelRunner,
    x: torch.Tensor,
    target: torch.Tensor,
    n_samples: int,
    segments: str,
    segment_size: Any,
    baseline: Any,
    seed: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """KernelSHAP (Lundberg & Lee, 2017): Shapley values of segments, absent ones set to the baseline.

    Coalitions are drawn from the Shapley kernel (or all enumerated when they fit in
    ``n_samples``, which gives exact Shapley values) and fitted under the efficiency
    constraint sum = f(x) - f(baseline), so the values converge to the Shapley values as
    ``n_samples`` grows. ``delta`` is sum - (f(x) - f(baseline)), zero up to rounding.
    Images get (N, 1, H, W) maps, sequences (N, 1, L), tabular input (N, F).
    """
    base = resolve_baseline(baseline, x, "kernel_shap")
    labels, counts = segment_labels(x, segments, segment_size)
    n = x.shape[0]
    ends = runner.batched_scores(torch.cat([x, base]), torch.cat([target, target])).double()
    f_full, f_base = ends[:n], ends[n:]
    generator = torch.Generator(device=x.device).manual_seed(seed)
    values, deltas = [], []
    for i in range(n):
        masks, weights = shapley_masks(counts[i], n_samples, generator, x.device)
        scores = masked_scores(runner, x[i], base[i], labels[i], masks, target[i : i + 1])
        phi = constrained_shapley_fit(masks, scores, weights, f_base[i], f_full[i])
        deltas.append(phi.sum() - (f_full[i] - f_base[i]))
        values.append(spread(phi.to(x.dtype), labels[i]))
    out = torch.stack(values)
    return (out if x.ndim == 2 else out[:, None]), torch.stack(deltas).to(x.dtype)
