"""The integrated-gradients path of one image: outputs, integrand and running integral from the
baseline to the input, so completeness can be watched as it accumulates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from ..core.errors import InputError, ParameterError
from ..core.progress import Progress, stage
from ..core.registry import get_method
from ..core.validation import as_input_batch, as_target_batch
from ..inputs.baselines import resolve_baseline
from ..inputs.quadrature import quadrature

if TYPE_CHECKING:
    from ..core.explainer import Explainer

# Share of the progress bar for the forward-only outputs pass; the gradient passes (a forward and
# a backward each) take the rest.
_OUTPUTS_SHARE = 1 / 3


@dataclass
class IGPath:
    """The integrated-gradients path of one sample, from baseline x0 (alpha 0) to x (alpha 1).

    ``outputs[i]`` is F(x0 + alphas[i] (x - x0)); ``integrand[i]`` is grad F there, dotted with
    (x - x0); ``running_sum[i]`` is the quadrature up to alphas[i], so ``running_sum[-1]`` is the
    IG attributions' sum and lands on ``output_difference`` = F(x) - F(x0) up to the method's delta.
    """

    alphas: torch.Tensor
    weights: torch.Tensor
    outputs: torch.Tensor
    integrand: torch.Tensor
    running_sum: torch.Tensor
    output_difference: float
    start_output: float
    end_output: float
    target: int
    baseline: torch.Tensor
    difference: torch.Tensor
    gradients: torch.Tensor

    @property
    def delta(self) -> float:
        """Completeness error: the integral minus the output difference."""
        return float(self.running_sum[-1]) - self.output_difference

    def attribution_at(self, alpha: float) -> torch.Tensor:
        """The partial IG map up to ``alpha``: (x - x0) times the weighted gradients at nodes <= alpha."""
        include = (self.alphas <= alpha + 1e-9).to(self.weights.dtype) * self.weights
        return self.difference * torch.tensordot(include, self.gradients, dims=1)

    def point_at(self, alpha: float) -> torch.Tensor:
        """The input at ``alpha`` on the path, x0 + alpha (x - x0), shaped like one sample."""
        return self.baseline + alpha * self.difference


def ig_path(
    explainer: Explainer,
    x: torch.Tensor,
    target: Any = None,
    baseline: Any = "zeros",
    n_steps: int = 32,
    rule: str = "riemann_trapezoid",
    *,
    progress: Progress | None = None,
) -> IGPath:
    """Walk the IG path of one sample ``x`` (1, ...) with the IG method's quadrature ``rule``.

    The default rule, the trapezoid, has nodes at alpha 0 and 1, so the curves start at the
    baseline and end at the input. One outputs call gives the path outputs and end points; one
    batched gradient call gives every node's gradient. ``progress`` is called with the fraction
    done after each batched pass; raising from it stops the walk.
    """
    x = as_input_batch(x, explainer.device)
    if x.shape[0] != 1:
        raise InputError(f"ig_path walks one sample: pass x shaped (1, ...), got a batch of {x.shape[0]}")
    # The path is the integrated_gradients method's: its parameter specs check n_steps and rule.
    get_method("integrated_gradients").resolve({"n_steps": n_steps, "rule": rule})
    if rule == "riemann_trapezoid" and n_steps < 2:
        raise ParameterError("ig_path: rule 'riemann_trapezoid' needs n_steps >= 2")
    base = resolve_baseline(baseline, x, "ig_path")
    diff = x - base
    alphas_np, weights_np = quadrature(rule, n_steps)
    alphas = torch.as_tensor(alphas_np, dtype=x.dtype, device=x.device)
    points = base + alphas.view(-1, *([1] * (x.ndim - 1))) * diff
    raw = explainer.outputs(torch.cat([points, base, x]), progress=stage(progress, 0.0, _OUTPUTS_SHARE))
    chosen = int(raw[-1].argmax()) if target is None else _single_target(target, raw.shape[1])
    scores = raw[:, chosen]
    gradients = explainer.attribute(
        points, "gradient", target=chosen, progress=stage(progress, _OUTPUTS_SHARE, 1.0)
    ).values
    diff_cpu = diff[0].detach().float().cpu()
    weights = torch.as_tensor(weights_np, dtype=torch.float32)
    integrand = (gradients * diff_cpu).flatten(1).sum(1)
    return IGPath(
        alphas=alphas.float().cpu(),
        weights=weights,
        outputs=scores[:n_steps],
        integrand=integrand,
        running_sum=torch.cumsum(weights * integrand, 0),
        output_difference=float(scores[-1] - scores[-2]),
        start_output=float(scores[-2]),
        end_output=float(scores[-1]),
        target=chosen,
        baseline=base[0].detach().float().cpu(),
        difference=diff_cpu,
        gradients=gradients,
    )


def _single_target(target: Any, n_outputs: int) -> int:
    return int(as_target_batch(target, 1, n_outputs, torch.device("cpu"))[0])
