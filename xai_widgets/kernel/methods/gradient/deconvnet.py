"""DeconvNet: the gradient with each ReLU applied to the gradient instead of gated by its input."""

from __future__ import annotations

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from .guided_backprop import modified_gradients


@method("deconvnet", family="gradient", params=[])
def deconvnet(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, None]:
    """DeconvNet (Zeiler and Fergus, 2014), as Captum's Deconvolution: the gradient of the target
    output where each ReLU passes back the positive part of the gradient arriving from above,
    whatever its input was.

    ReLU layers and ``F.relu``/``torch.relu`` in ``forward`` both get the rule (Captum's only
    changes ``nn.ReLU`` layers and leaves functional ReLUs their gradient). Every other layer keeps
    its gradient. Known to fail the model-randomisation sanity check (Adebayo et al., 2018).
    """
    return modified_gradients(runner, x, target, "deconvnet"), None
