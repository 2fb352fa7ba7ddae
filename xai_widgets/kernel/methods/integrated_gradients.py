"""Integrated Gradients: gradients integrated along the straight path from a baseline to the input."""

from __future__ import annotations

from typing import Any

import torch

from ..baselines import resolve_baseline
from ..errors import ParameterError
from ..quadrature import RULES, quadrature
from ..registry import BASELINE_NAMES, ParamSpec, method
from ..runner import ModelRunner


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
    n = x.shape[0]
    broadcast = (-1, *([1] * (x.ndim - 1)))
    path_grad = torch.zeros_like(x)

    # Path points are laid out step-major: item k is sample k % n at step k // n.
    def work(start: int, stop: int) -> None:
        items = torch.arange(start, stop, device=x.device)
        rows, steps = items % n, items // n
        points = base[rows] + alphas[steps].view(broadcast) * diff[rows]
        grads, _ = runner.gradients(points, target[rows])
        path_grad.index_add_(0, rows, grads * weights[steps].view(broadcast))

    runner.chunks(n * n_steps, x.shape[1:], backward=True, work=work)
    values = diff * path_grad
    with torch.no_grad():
        ends = runner.scores(torch.cat([x, base]), torch.cat([target, target]))
    delta = values.flatten(1).sum(1) - (ends[:n] - ends[n:])
    return values, delta
