"""A 1-D regression set with known, input-dependent noise and a gap in the training inputs:
the noise is aleatoric uncertainty a variance head can learn; the gap (and beyond the ends) is
where models trained alike disagree, epistemic uncertainty."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

X_RANGE = (-3.0, 3.0)
"""Where training inputs are drawn (outside the gap)."""
GAP = (-0.75, 0.75)
"""No training input falls in this interval."""


def true_mean(x: torch.Tensor) -> torch.Tensor:
    """The noise-free function, E[y | x]."""
    return torch.sin(1.5 * x) + 0.3 * x


def noise_std(x: torch.Tensor) -> torch.Tensor:
    """The standard deviation of the noise at ``x``: 0.05 at the left end, rising to 0.45 at the right."""
    low, high = X_RANGE
    return 0.05 + 0.4 * ((x - low) / (high - low)).clamp(0.0, 1.0)


@dataclass(frozen=True)
class NoisyRegressionData:
    """Training and test samples, all float32 (N, 1); the test inputs are drawn like the training
    inputs (outside the gap); ``x_grid`` (G, 1) spans ``X_RANGE`` widened by one unit on each
    side, gap included, for curves."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    x_grid: torch.Tensor
    gap: tuple[float, float] = GAP

    def in_gap(self, x: torch.Tensor) -> torch.Tensor:
        """Which of ``x`` (N, 1) lie in the gap, (N,) bool."""
        return ((x > self.gap[0]) & (x < self.gap[1])).flatten()


def _draw(rng: np.random.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` inputs uniform over ``X_RANGE`` minus the gap, and their noisy targets."""
    low, high = X_RANGE
    width = (high - low) - (GAP[1] - GAP[0])
    # Uniform over the two pieces: draw on their concatenation, then shift the right piece past the gap.
    u = low + width * rng.random(n)
    x = np.where(u < GAP[0], u, u + (GAP[1] - GAP[0]))
    x_tensor = torch.from_numpy(np.sort(x).astype(np.float32))[:, None]
    noise = torch.from_numpy(rng.standard_normal(n).astype(np.float32))[:, None]
    return x_tensor, true_mean(x_tensor) + noise_std(x_tensor) * noise


def make_noisy_regression(
    n_train: int = 400, n_test: int = 200, seed: int = 0, n_grid: int = 161
) -> NoisyRegressionData:
    """Draw the data set; the same ``seed`` gives the same samples."""
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be at least 1, got {n_train} and {n_test}")
    rng = np.random.default_rng(seed)
    x_train, y_train = _draw(rng, n_train)
    x_test, y_test = _draw(rng, n_test)
    x_grid = torch.linspace(X_RANGE[0] - 1.0, X_RANGE[1] + 1.0, n_grid)[:, None]
    return NoisyRegressionData(x_train, y_train, x_test, y_test, x_grid)
