"""SmoothGrad and its variants: gradients averaged over noisy copies of the input."""

from __future__ import annotations

import torch

from ..registry import ParamSpec, method
from ..runner import ModelRunner


@method(
    "smoothgrad",
    family="gradient",
    params=[
        ParamSpec("n_samples", "int", 25, "noisy copies averaged per sample", minimum=1, maximum=1024),
        ParamSpec("noise", "float", 0.15, "noise std as a fraction of the input's value range", minimum=0.0, maximum=2.0),
        ParamSpec("variant", "choice", "smoothgrad", "mean gradient, mean squared gradient, or variance",
                  choices=("smoothgrad", "smoothgrad_sq", "vargrad")),
        ParamSpec("seed", "int", 0, "seed of the noise, for repeatable maps", minimum=0),
    ],
)
def smoothgrad(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, n_samples: int, noise: float, variant: str, seed: int
) -> tuple[torch.Tensor, None]:
    """SmoothGrad (Smilkov et al., 2017): the gradient averaged over Gaussian-noised copies.

    ``smoothgrad`` averages signed gradients, ``smoothgrad_sq`` their squares, and ``vargrad``
    (Adebayo et al., 2018) takes their variance. The noise std is ``noise`` times each
    sample's value range (max - min).
    """
    n = x.shape[0]
    value_range = (x.flatten(1).max(1).values - x.flatten(1).min(1).values).view(-1, *([1] * (x.ndim - 1)))
    std = noise * value_range
    generator = torch.Generator(device=x.device).manual_seed(seed)
    # Draw all noise up front (sample-major) so the result does not depend on the chunking.
    noise_draws = torch.randn((n_samples, *x.shape), generator=generator, device=x.device, dtype=x.dtype)
    total = torch.zeros_like(x)
    total_sq = torch.zeros_like(x)
    sample_of = torch.arange(n, device=x.device).repeat(n_samples)

    def work(start: int, stop: int) -> None:
        rows = sample_of[start:stop]
        noisy = x[rows] + std[rows] * noise_draws.view(-1, *x.shape[1:])[start:stop]
        grads, _ = runner.gradients(noisy, target[rows])
        total.index_add_(0, rows, grads)
        total_sq.index_add_(0, rows, grads * grads)

    runner.chunks(n * n_samples, x.shape[1:], backward=True, work=work)
    mean = total / n_samples
    if variant == "smoothgrad":
        return mean, None
    mean_sq = total_sq / n_samples
    if variant == "smoothgrad_sq":
        return mean_sq, None
    return (mean_sq - mean * mean).clamp_min(0.0), None
