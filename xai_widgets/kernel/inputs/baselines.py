"""Reference inputs for path and perturbation methods: a number, a tensor, zeros, blur, uniform noise."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..core.errors import ParameterError

# A blur this strong removes shapes but keeps the colour layout (Sturmfels et al., 2020).
_BLUR_SIGMA_FRACTION = 1 / 8
_UNIFORM_SEED = 0


def resolve_baseline(baseline: Any, x: torch.Tensor, method: str) -> torch.Tensor:
    """Return the baseline for batch ``x`` as a tensor on x's device, broadcastable to ``x``."""
    if isinstance(baseline, bool):
        raise ParameterError(f"{method}: baseline must be a number, a tensor or a name, got {baseline!r}")
    if isinstance(baseline, (int, float, np.number)):
        return torch.full_like(x, float(baseline))
    if isinstance(baseline, np.ndarray):
        baseline = torch.from_numpy(baseline)
    if isinstance(baseline, torch.Tensor):
        baseline = baseline.to(device=x.device, dtype=x.dtype)
        if baseline.shape == x.shape[1:]:
            baseline = baseline.unsqueeze(0)
        try:
            return torch.broadcast_to(baseline, x.shape)
        except RuntimeError:
            raise ParameterError(
                f"{method}: a baseline of shape {tuple(baseline.shape)} does not fit inputs of shape "
                f"{tuple(x.shape)}; give one sample's shape {tuple(x.shape[1:])} or the batch's"
            ) from None
    if baseline == "zeros":
        return torch.zeros_like(x)
    if baseline == "blur":
        return gaussian_blur(x)
    if baseline == "uniform":
        return uniform_like(x)
    raise ParameterError(
        f"{method}: baseline must be a number, a tensor, 'zeros', 'blur' or 'uniform', got {baseline!r}"
    )


def gaussian_blur(x: torch.Tensor, sigma: float | None = None) -> torch.Tensor:
    """Blur every channel of an (N, C, *spatial) batch with a separable Gaussian."""
    if x.ndim < 3:
        raise ParameterError(
            "the 'blur' baseline needs inputs with spatial dims (N, C, L) or (N, C, H, W); "
            "for tabular data use 'zeros', a number or a tensor"
        )
    spatial = x.shape[2:]
    if sigma is None:
        sigma = max(1.0, min(spatial) * _BLUR_SIGMA_FRACTION)
    n, c = x.shape[:2]
    out = x.reshape(n * c, 1, *spatial)
    for dim, size in enumerate(spatial):
        radius = min(int(3 * sigma), size - 1)
        taps = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
        kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
        kernel = kernel / kernel.sum()
        # Move the blurred dim last, run a 1-D convolution along it, move it back.
        moved = out.movedim(2 + dim, -1)
        shape = moved.shape
        flat = moved.reshape(-1, 1, size)
        flat = F.pad(flat, (radius, radius), mode="reflect") if radius > 0 else flat
        flat = F.conv1d(flat, kernel.view(1, 1, -1))
        out = flat.reshape(shape).movedim(-1, 2 + dim)
    return out.reshape(x.shape).contiguous()


def uniform_like(x: torch.Tensor) -> torch.Tensor:
    """Uniform noise over each sample's value range, from a fixed seed so results repeat."""
    generator = torch.Generator(device=x.device).manual_seed(_UNIFORM_SEED)
    low = x.flatten(1).min(1).values.view(-1, *([1] * (x.ndim - 1)))
    high = x.flatten(1).max(1).values.view(-1, *([1] * (x.ndim - 1)))
    noise = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return low + (high - low) * noise
