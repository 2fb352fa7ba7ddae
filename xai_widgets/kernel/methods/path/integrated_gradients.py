"""Integrated Gradients: gradients integrated along the straight path from a baseline to the input."""

from __future__ import annotations

from typing import Any

import torch

from ...core.errors import ParameterError
from ...core.registry import BASELINE_NAMES, ParamSpec, method
from ...core.runner import ModelRunner
from ...inputs.baselines import resolve_baseline
from ...inputs.quadrature import RULES, quadrature


@method(
    "integrated_gradients",
    family="path",
    params=[
        ParamSpec("baseline", "baseline", "zeros", "the reference input the path starts from", choices=BASELINE_NAMES),
        ParamSpec("n_steps", "int", 32, "integration points along the path", minimum=1, maximum=1024),
        ParamSpec("rule", "choice", "gausslegendre", "quadrature rule of the path integral", choices=RULES),
    ],
    has_delta=True,
)
def integrated_gradients(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, baseline: Any, n_steps: int, rule: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Integrated Gradients (Sundararajan et al., 2017): (x - baseline) times the path-averaged gradient.

    Completeness: the attributions of a sample sum to F(x) - F(baseline); ``delta`` reports
    how far the numerical integral is from that, and shrinks as ``n_steps`` grows.
    """
    if rule == "riemann_trapezoid" and n_steps < 2:
        raise ParameterError("integrated_gradients: rule 'riemann_trapezoid' needs n_steps >= 2")
    base = resolve_baseline(baseline, x, "integrated_gradients")
    diff = x - base
    alphas_np, weights_np = quadrature(rule, n_steps)
    alphas = torch.as_tensor(alphas_np, dtype=x.dtype, device=x.device)
    weights = torch.as_tensor(weights_np, dtype=x.dtype, device=x.device)
    broadcast = (-1, *([1] * x.ndim))
    path_grad = torch.empty_like(x)
    for part in runner.batch_slices(x, backward=True):
        path_grad[part] = _path_gradient(runner, base[part], diff[part], target[part], alphas, weights, broadcast)
    values = diff * path_grad
    ends = runner.batched_scores(torch.cat([x, base]), torch.cat([target, target]))
    n = x.shape[0]
    delta = values.flatten(1).sum(1) - (ends[:n] - ends[n:])
    return values, delta


def _path_gradient(runner, base, diff, target, alphas, weights, broadcast) -> torch.Tensor:
    """Weighted sum over the path of the gradients at base + alpha * diff, chunked over steps."""
    n = base.shape[0]
    total = torch.zeros_like(base)

    def work(start: int, stop: int) -> None:
        # Steps start..stop of every sample at once: (steps, n, ...) flattened to one batch.
        points = base[None] + alphas[start:stop].view(broadcast) * diff[None]
        grads, _ = runner.gradients(points.flatten(0, 1), target.repeat(stop - start))
        total.add_((grads.view(stop - start, *base.shape) * weights[start:stop].view(broadcast)).sum(0))

    runner.chunks(len(alphas), base.shape[1:], backward=True, work=work, unit=n)
    return total
