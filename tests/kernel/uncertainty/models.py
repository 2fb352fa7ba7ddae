"""Small models with dropout whose MC statistics have closed forms."""

from __future__ import annotations

import torch
from torch import nn


class DropoutLinear(nn.Module):
    """``Linear(Dropout(x))``: each MC sample is ``w · (x * m) / (1 - p) + b`` with ``m ~ Bernoulli(1 - p)``."""

    def __init__(self, n_features: int = 5, n_outputs: int = 1, p: float = 0.3, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.dropout = nn.Dropout(p)
        self.linear = nn.Linear(n_features, n_outputs).double()
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(n_outputs, n_features, generator=generator, dtype=torch.float64))
            self.linear.bias.copy_(torch.randn(n_outputs, generator=generator, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.dropout(x))


def dropout_mlp(n_features: int = 4, n_outputs: int = 3, p: float = 0.3, seed: int = 0) -> nn.Sequential:
    """A float64 MLP with two dropout layers, for finite differences."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Linear(n_features, 16),
            nn.Tanh(),
            nn.Dropout(p),
            nn.Linear(16, 16),
            nn.Tanh(),
            nn.Dropout(p),
            nn.Linear(16, n_outputs),
        ).double()


class ConstantNoiseHead(nn.Module):
    """A variance-head model: mean ``Linear(Dropout(x))`` and a constant log-variance ``c``."""

    def __init__(self, log_variance: float = -1.0, p: float = 0.3) -> None:
        super().__init__()
        self.mean = DropoutLinear(p=p)
        self.log_variance = log_variance

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = self.mean(x)
        return torch.cat([mean, torch.full_like(mean, self.log_variance)], dim=1)
