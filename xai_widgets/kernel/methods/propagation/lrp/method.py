"""Layer-wise relevance propagation: the target output redistributed layer by layer to the input."""

from __future__ import annotations

import torch

from ....core.registry import ParamSpec, method
from ....core.runner import ModelRunner
from .composites import COMPOSITE_NAMES, Composite, composite_rules
from .graph import RelevancePass


@method(
    "lrp",
    family="propagation",
    params=[
        ParamSpec("composite", "choice", "epsilon_plus", "which rule each layer gets", choices=COMPOSITE_NAMES),
        ParamSpec("epsilon", "float", 0.25, "ε of the ε-rule: larger absorbs weak, noisy relevance", 0.0, 100.0),
        ParamSpec("gamma", "float", 0.25, "γ of the γ-rule (epsilon_gamma_box): weight of positive parts", 0.0, 100.0),
    ],
    has_delta=True,
)
def lrp(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, composite: str, epsilon: float, gamma: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Layer-wise relevance propagation (Bach et al., 2015) as a modified backward pass.

    The target output is the relevance at the top; each layer hands its output relevance to its
    inputs by a rule. Composites (rules for Conv layers / Linear layers / the first layer):

    - ``epsilon``: ε everywhere (pooling too), as Captum's LRP with EpsilonRule on every layer;
      ε → 0 gives gradient x input on ReLU networks.
    - ``epsilon_plus``: z⁺ / ε; ``epsilon_plus_flat``: z⁺ / ε / flat.
    - ``epsilon_gamma_box``: γ (Captum's GammaRule) / ε / z^B, bounded by each sample's min and max.
    - ``alpha2_beta1``: α=2, β=1 on Conv and Linear layers, ε on the output layer.
    - any composite added with ``register_composite`` (see :mod:`.composites`).

    Before propagating, each eval-mode BatchNorm that follows a Linear/Conv layer is folded into
    it, residual additions split relevance in proportion to their summands, and pooling layers
    get the ε-rule (with ``epsilon`` in the epsilon composite, 1e-9 otherwise). ReLU (in-place
    too), Dropout, Flatten and Identity pass relevance on; any other layer raises
    ``UnsupportedLayerError`` naming it. Functional code before the first layer (e.g. an input
    normalisation written in ``forward``) passes relevance by its gradient.

    ``delta`` is sum(relevance) - output: zero for ε → 0 on bias-free networks, otherwise the
    relevance the biases and ε absorbed.
    """
    return relevance(runner, x, target, composite_rules(composite, epsilon, gamma))


def relevance(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, rules: Composite
) -> tuple[torch.Tensor, torch.Tensor]:
    """LRP relevances of ``x`` for ``target`` under any :class:`Composite`, and their delta."""
    relevance_pass = RelevancePass(runner.model, rules)
    # Size the chunks before the hooks go on: the runner's probe pass uses a batch of one.
    runner.chunk_size(x.shape[1:], backward=True)
    values = torch.empty_like(x)
    delta = torch.empty(x.shape[0], dtype=x.dtype, device=x.device)

    def work(start: int, stop: int) -> None:
        # Backpropagating 1 gives relevances per unit of starting relevance: scale by the output.
        per_unit, scores = runner.gradients(x[start:stop], target[start:stop])
        part = per_unit * scores.view(-1, *([1] * (x.ndim - 1)))
        values[start:stop] = part
        delta[start:stop] = part.flatten(1).sum(1) - scores

    with relevance_pass.active():
        runner.chunks(x.shape[0], x.shape[1:], backward=True, work=work)
    return values, delta
