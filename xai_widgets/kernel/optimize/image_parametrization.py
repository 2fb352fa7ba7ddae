"""How activation maximisation represents the inputs it optimises: pixels, or Lucid's decorrelated
Fourier basis; either squashed into a value range by a sigmoid, or unbounded."""

from __future__ import annotations

import math

import numpy as np
import torch

from ..core.errors import ParameterError
from ..inputs.baselines import gaussian_blur

PARAMETRIZATIONS = ("pixel", "fourier")
# Lucid's initial scale of the parameters, and the 1/4 its Fourier image is divided by.
_INIT_STD = 0.01
_FOURIER_DIVISOR = 4.0
# Lucid's square root of ImageNet's colour correlation (rows: R, G, B), normalised in __init__.
_COLOR_CORRELATION_SQRT = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=np.float32)


class ImageParametrization:
    """k inputs of ``shape`` as a leaf tensor ``parameters`` (requires grad); :meth:`images` maps it
    to the inputs, differentiably.

    "pixel": one parameter per input value. "fourier" ((C, H, W) only; Lucid's ``fft_image`` with
    ``decorrelate=True``): each channel's real 2-D spectrum, scaled by 1 / frequency, so that
    gradient steps move all frequencies alike instead of mostly the highest; three channels are
    mixed by the colour correlation's square root. ``value_range=(low, high)``: a sigmoid squashes
    the result into it; ``None``: unbounded.
    """

    def __init__(
        self,
        kind: str,
        shape: tuple[int, ...],
        k: int,
        value_range: tuple[float, float] | None,
        generator: torch.Generator,
        device: torch.device,
    ) -> None:
        if kind not in PARAMETRIZATIONS:
            raise ParameterError(f"parametrization must be one of {PARAMETRIZATIONS}, got {kind!r}")
        self.kind = kind
        self.shape = shape
        self.value_range = value_range
        if kind == "fourier":
            if len(shape) != 3:
                raise ParameterError(
                    f"parametrization 'fourier' needs image inputs shaped (C, H, W), got {shape}; use 'pixel'"
                )
            channels, height, width = shape
            fy = np.fft.fftfreq(height)[:, None]
            fx = np.fft.rfftfreq(width)[None, :]
            frequencies = np.sqrt(fx * fx + fy * fy)
            self._frequencies = torch.as_tensor(frequencies, dtype=torch.float32, device=device)
            # Lucid's 1 / frequency, times the 1/4 its image is divided by: one multiplication a
            # step, before the transform (which is linear), instead of two.
            scale = 1.0 / np.maximum(frequencies, 1.0 / max(height, width)) / _FOURIER_DIVISOR
            self._scale = torch.as_tensor(scale, dtype=torch.float32, device=device)[..., None]
            init = torch.randn((k, channels, *frequencies.shape, 2), generator=generator) * _INIT_STD
            if channels == 3:
                normalised = _COLOR_CORRELATION_SQRT / np.linalg.norm(_COLOR_CORRELATION_SQRT, axis=0).max()
                self._colors: torch.Tensor | None = torch.as_tensor(normalised, device=device)
            else:
                self._colors = None
        else:
            init = torch.randn((k, *shape), generator=generator) * _INIT_STD
        self.parameters = init.to(device).requires_grad_(True)

    def images(self) -> torch.Tensor:
        """The k inputs (k, *shape) the parameters stand for."""
        if self.kind == "fourier":
            spectrum = torch.view_as_complex(self._scale * self.parameters)
            raw = torch.fft.irfft2(spectrum, s=self.shape[1:], norm="ortho")
            if self._colors is not None:
                # A (3, 3) matrix times every pixel's colour: a batched matmul, half einsum's time.
                raw = torch.matmul(self._colors, raw.flatten(2)).view(raw.shape)
        else:
            raw = self.parameters
        if self.value_range is None:
            return raw
        low, high = self.value_range
        squashed = torch.sigmoid(raw)
        return squashed if (low, high) == (0.0, 1.0) else low + (high - low) * squashed

    @torch.no_grad()
    def blur(self, sigma: float) -> None:
        """Low-pass the inputs with a Gaussian of ``sigma`` pixels: blur the pixel parameters (before
        the sigmoid), or multiply the spectrum by the Gaussian's transfer function."""
        if self.kind == "fourier":
            transfer = torch.exp(-2.0 * math.pi**2 * sigma**2 * self._frequencies**2)
            self.parameters.mul_(transfer[..., None])
        else:
            if self.parameters.ndim < 3:
                raise ParameterError("regulariser 'blur' needs inputs with spatial dims, (C, L) or (C, H, W)")
            self.parameters.copy_(gaussian_blur(self.parameters, sigma))
