"""Guided backpropagation: the gradient with each ReLU passing back only positive gradient."""

from __future__ import annotations

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from ..propagation.lrp.composites import composite_rules
from ..propagation.lrp.graph import RelevancePass


@method("guided_backprop", family="gradient", params=[])
def guided_backprop(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, None]:
    """Guided backpropagation (Springenberg et al., 2015), as Captum's GuidedBackprop: the gradient
    of the target output where each ReLU passes back the gradient only where both its input and the
    gradient arriving from above are positive.

    ReLU layers and ``F.relu``/``torch.relu`` in ``forward`` both get the rule (Captum's only
    changes ``nn.ReLU`` layers and leaves functional ReLUs their gradient). Every other layer keeps
    its gradient. Known to fail the model-randomisation sanity check (Adebayo et al., 2018): the
    map shows the input's edges whatever the weights.
    """
    return modified_gradients(runner, x, target, "guided_backprop"), None


def modified_gradients(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, name: str) -> torch.Tensor:
    """Input gradients of the target outputs with the backward rules of the composite ``name``."""
    relevance_pass = RelevancePass(runner.model, composite_rules(name), name)
    # Size the chunks before the hooks go on: the runner's probe pass uses a batch of one.
    runner.chunk_size(x.shape[1:], backward=True)
    with relevance_pass.active():
        return runner.input_gradients(x, target)
