"""Small regression models for uncertainty, trained on load in about a second each, deterministically:
an MLP with dropout (MC dropout), one with a variance head too, and an ensemble of five MLPs."""

from __future__ import annotations

import torch
from torch import nn

from ..kernel import Ensemble
from .regression1d import NoisyRegressionData


class DropoutMLP(nn.Sequential):
    """Linear-ReLU-Dropout twice, then Linear to ``n_outputs``: 2 for a variance head (mean, log-variance)."""

    def __init__(self, n_features: int = 1, n_outputs: int = 1, hidden: int = 64, p: float = 0.1) -> None:
        super().__init__(
            nn.Linear(n_features, hidden),
            nn.ReLU(),
            nn.Dropout(p),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(p),
            nn.Linear(hidden, n_outputs),
        )


class SmallMLP(nn.Sequential):
    """Linear-ReLU-Linear-ReLU-Linear without dropout: an ensemble member."""

    def __init__(self, n_features: int = 1, n_outputs: int = 1, hidden: int = 32) -> None:
        super().__init__(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_outputs)
        )


def gaussian_nll(outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood (constant dropped) of ``y`` under (mean, log-variance) ``outputs``."""
    mean, log_variance = outputs[:, :1], outputs[:, 1:2]
    return 0.5 * (log_variance + (y - mean).square() * torch.exp(-log_variance)).mean()


def _fit(model: nn.Module, data: NoisyRegressionData, steps: int, lr: float, variance_head: bool) -> nn.Module:
    """Full-batch Adam with a cosine learning-rate decay on the training set."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    model.train()
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        outputs = model(data.x_train)
        loss = gaussian_nll(outputs, data.y_train) if variance_head else (outputs - data.y_train).square().mean()
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval()


def _train(make, data: NoisyRegressionData, seed: int, steps: int, lr: float, variance_head: bool) -> nn.Module:
    # One thread: these models are too small to gain from more, and on a busy machine extra
    # threads only wait on each other. Forked so that seeding (init and the dropout draws of
    # training) leaves the caller's random stream alone.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return _fit(make(), data, steps, lr, variance_head)
    finally:
        torch.set_num_threads(threads)


def train_dropout_mlp(data: NoisyRegressionData, seed: int = 0, steps: int = 600, p: float = 0.1) -> DropoutMLP:
    """A :class:`DropoutMLP` fitted by least squares, in eval mode (MC dropout switches dropout on)."""
    model = _train(lambda: DropoutMLP(p=p), data, seed, steps, 1e-2, variance_head=False)
    assert isinstance(model, DropoutMLP)
    return model


def train_gaussian_mlp(data: NoisyRegressionData, seed: int = 0, steps: int = 800, p: float = 0.1) -> DropoutMLP:
    """A :class:`DropoutMLP` with a variance head (outputs mean, log-variance) fitted by Gaussian
    likelihood, in eval mode; bind it with ``xw.Explainer(model, task="gaussian")``."""
    model = _train(lambda: DropoutMLP(n_outputs=2, p=p), data, seed, steps, 1e-2, variance_head=True)
    assert isinstance(model, DropoutMLP)
    return model


def train_mlp_ensemble(data: NoisyRegressionData, n_members: int = 5, seed: int = 0, steps: int = 400) -> Ensemble:
    """An ``xw.Ensemble`` of ``n_members`` :class:`SmallMLP`s fitted by least squares from
    different seeds (``seed``, ``seed + 1``, ...), in eval mode."""
    members = [_train(SmallMLP, data, seed + index, steps, 1e-2, variance_head=False) for index in range(n_members)]
    return Ensemble(members).eval()
