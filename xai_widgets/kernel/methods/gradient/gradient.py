"""Plain gradient methods: signed gradient, saliency (absolute gradient) and gradient x input."""

from __future__ import annotations

import torch

from ...core.registry import method
from ...core.runner import ModelRunner


@method("gradient", family="gradient", params=[])
def gradient(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, None]:
    """Signed gradient of the target output: how the output moves for a small change of each feature."""
    return runner.input_gradients(x, target), None


@method("saliency", family="gradient", params=[], signed=False)
def saliency(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, None]:
    """Absolute gradient (Simonyan et al., 2014): how sensitive the output is to each feature."""
    return runner.input_gradients(x, target).abs(), None


@method("grad_x_input", family="gradient", params=[])
def grad_x_input(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, None]:
    """Gradient times input: a first-order estimate of each feature's contribution against zero."""
    return runner.input_gradients(x, target) * x, None
