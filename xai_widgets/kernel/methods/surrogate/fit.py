"""Surrogate-model helpers: coalition sampling, similarity kernels, weighted least squares, batched scoring."""

from __future__ import annotations

import math

import torch

from ...core.runner import ModelRunner

# Enumerate every coalition instead of sampling when that needs no more model inputs than asked.
_MAX_ENUMERATED_SEGMENTS = 20


def lime_masks(n_segments: int, n_samples: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """(n_samples, M) random coalitions, each segment kept with probability 1/2 (as Captum's Lime)."""
    return torch.rand((n_samples, n_segments), generator=generator, device=device) < 0.5


def cosine_kernel(masks: torch.Tensor, kernel_width: float) -> torch.Tensor:
    """exp(-d^2 / (2 w^2)) with d the cosine distance between each coalition and the all-ones one.

    The distance is taken in the coalition space, as the original LIME does for images; Captum
    measures it between the perturbed and original inputs instead.
    """
    z = masks.double()
    cosine = z.sum(1) / (z.norm(dim=1).clamp_min(1e-12) * math.sqrt(masks.shape[1]))
    distance = 1.0 - cosine
    return torch.exp(-(distance**2) / (2.0 * kernel_width**2))


def shapley_masks(
    n_segments: int, n_samples: int, generator: torch.Generator, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Coalitions and their regression weights for KernelSHAP (neither empty nor full).

    When all 2^M - 2 coalitions fit in ``n_samples`` they are enumerated with the exact Shapley
    kernel weights, and the fit gives exact Shapley values. Otherwise coalition sizes are drawn
    from the Shapley kernel's size distribution p(k) ~ (M-1) / (k (M-k)) (as Captum's KernelShap
    does), every draw weighs the same, and draws come in complementary pairs (z, 1 - z) which
    cancels much of the sampling noise (as the shap library's paired sampling).
    """
    m = n_segments
    if m <= _MAX_ENUMERATED_SEGMENTS and 2**m - 2 <= n_samples:
        codes = torch.arange(1, 2**m - 1, device=device)
        masks = (codes[:, None] >> torch.arange(m, device=device)[None]) & 1 == 1
        k = masks.sum(1).double()
        binomial = torch.exp(math.lgamma(m + 1) - torch.lgamma(k + 1) - torch.lgamma(m - k + 1))
        return masks, (m - 1) / (k * (m - k) * binomial)
    n_pairs = max(1, n_samples // 2)
    sizes = torch.arange(1, m, device=device, dtype=torch.float64)
    size_probability = (m - 1) / (sizes * (m - sizes))
    k = torch.multinomial(size_probability.float(), n_pairs, replacement=True, generator=generator) + 1
    # The k segments with the smallest uniform keys are a uniformly random subset of size k.
    keys = torch.rand((n_pairs, m), generator=generator, device=device)
    ranks = keys.argsort(1).argsort(1)
    half = ranks < k[:, None].to(device)
    masks = torch.cat([half, ~half])
    return masks, torch.ones(masks.shape[0], dtype=torch.float64, device=device)


def weighted_ridge(
    z: torch.Tensor, y: torch.Tensor, weights: torch.Tensor, ridge: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fit y ~ b + z @ coef by weighted least squares with an L2 penalty on coef (not b); returns (coef, b)."""
    z, y, w = z.double(), y.double(), weights.double()
    design = torch.cat([torch.ones_like(z[:, :1]), z], dim=1)
    gram = design.T @ (design * w[:, None])
    penalty = torch.full((design.shape[1],), ridge, dtype=torch.float64, device=z.device)
    penalty[0] = 0.0
    gram = gram + torch.diag(penalty * max(float(w.sum()), 1e-12))
    solution = torch.linalg.lstsq(gram, design.T @ (w * y)).solution
    return solution[1:], solution[0]


def constrained_shapley_fit(
    z: torch.Tensor, y: torch.Tensor, weights: torch.Tensor, f_base: torch.Tensor, f_full: torch.Tensor
) -> torch.Tensor:
    """Weighted least squares with sum(phi) = f_full - f_base exactly (the SHAP paper's KernelSHAP).

    The last coefficient is eliminated: phi_M = total - sum(phi_1..M-1).
    """
    z, y, w = z.double(), y.double(), weights.double()
    total = (f_full - f_base).double()
    m = z.shape[1]
    if m == 1:
        return total.view(1)
    target = y - f_base.double() - z[:, -1] * total
    design = z[:, :-1] - z[:, -1:]
    gram = design.T @ (design * w[:, None])
    # A tiny ridge keeps the solve defined when too few coalitions were drawn to fix every segment.
    gram = gram + torch.eye(m - 1, dtype=torch.float64, device=z.device) * 1e-10 * max(
        float(gram.diagonal().max()), 1.0
    )
    head = torch.linalg.lstsq(gram, design.T @ (w * target)).solution
    return torch.cat([head, (total - head.sum()).view(1)])


def masked_scores(
    runner: ModelRunner,
    sample: torch.Tensor,
    base: torch.Tensor,
    labels: torch.Tensor,
    masks: torch.Tensor,
    target: torch.Tensor,
) -> torch.Tensor:
    """The target score of ``sample`` with the segments where ``masks`` is False set to ``base``.

    ``sample``/``base`` are one input (C, *spatial) or (F,); ``labels`` its segment ids over
    (*spatial) or (F,); ``masks`` (S, M). The S inputs go through the model in memory-budgeted
    batches.
    """
    scores = torch.empty(masks.shape[0], device=sample.device)
    tabular = sample.ndim == 1

    def work(start: int, stop: int) -> None:
        keep = masks[start:stop][:, labels]  # (B, *spatial) or (B, F)
        if not tabular:
            keep = keep[:, None]
        inputs = torch.where(keep, sample[None], base[None])
        with torch.no_grad():
            scores[start:stop] = runner.scores(inputs, target.expand(stop - start)).to(scores.dtype)

    runner.chunks(masks.shape[0], sample.shape, backward=False, work=work)
    return scores
