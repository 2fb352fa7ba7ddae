"""Reference inputs for path and perturbation methods: a number, a tensor, zeros, blur, uniform noise."""

from __future__ import annotations

import math
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
    """Blur every channel of an (N, C, *spatial) batch with a separable Gaussian (reflected
    borders, radius 3 sigma), as a weighted sum of shifted slices along each spatial dim.

    Slices rather than a 1-D convolution: measured 4-7 times faster here at every size tried
    (4x3x64x64 at sigma 0.5: 0.07 against 0.5 ms; 8x3x224x224 at sigma 28: 60 against 230 ms).
    """
    if x.ndim < 3:
        raise ParameterError(
            "the 'blur' baseline needs inputs with spatial dims (N, C, L) or (N, C, H, W); "
            "for tabular data use 'zeros', a number or a tensor"
        )
    if sigma is None:
        sigma = max(1.0, min(x.shape[2:]) * _BLUR_SIGMA_FRACTION)
    out = x
    for dim in range(2, x.ndim):
        size = x.shape[dim]
        radius = min(int(3 * sigma), size - 1)
        if radius == 0:
            continue
        taps = [math.exp(-0.5 * (i / sigma) ** 2) for i in range(-radius, radius + 1)]
        total = sum(taps)
        # F.pad lists (before, after) pairs from the last dim backwards.
        pad = [p for d in range(x.ndim - 1, 1, -1) for p in ((radius, radius) if d == dim else (0, 0))]
        padded = F.pad(out, pad, mode="reflect")
        blurred = padded.narrow(dim, 0, size) * (taps[0] / total)
        for shift in range(1, 2 * radius + 1):
            blurred.add_(padded.narrow(dim, shift, size), alpha=taps[shift] / total)
        out = blurred
    return out if out is not x else x.clone()


def uniform_like(x: torch.Tensor) -> torch.Tensor:
    """Uniform noise over each sample's value range, from a fixed seed so results repeat."""
    generator = torch.Generator(device=x.device).manual_seed(_UNIFORM_SEED)
    low = x.flatten(1).min(1).values.view(-1, *([1] * (x.ndim - 1)))
    high = x.flatten(1).max(1).values.view(-1, *([1] * (x.ndim - 1)))
    noise = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return low + (high - low) * noise
