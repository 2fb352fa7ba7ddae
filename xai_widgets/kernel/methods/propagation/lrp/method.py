"""Layer-wise relevance propagation: the target output redistributed layer by layer to the input."""

from __future__ import annotations

import torch

from ....core.errors import NotDifferentiableError
from ....core.registry import ParamSpec, method
from ....core.runner import ModelRunner
from .composites import ALIASES, COMPOSITE_NAMES, COMPOSITES, Composite, composite_rules
from .epsilon_trace import traced_relevance
from .graph import RelevancePass


@method(
    "lrp",
    family="propagation",
    params=[
        ParamSpec(
            "composite",
            "choice",
            "epsilon_plus",
            "which rule each layer gets: a registered composite, or an xw.lrp.Composite",
            choices=COMPOSITE_NAMES,
            accepts=Composite,
        ),
        ParamSpec("epsilon", "float", 0.25, "ε of the ε-rule: larger absorbs weak, noisy relevance", 0.0, 100.0),
        ParamSpec("gamma", "float", 0.25, "γ of the γ-rule (epsilon_gamma_box): weight of same-sign parts", 0.0, 100.0),
    ],
    has_delta=True,
)
def lrp(
    runner: ModelRunner,
    x: torch.Tensor,
    target: torch.Tensor,
    composite: str | Composite,
    epsilon: float,
    gamma: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Layer-wise relevance propagation (Bach et al., 2015) as a modified backward pass.

    The target output is the relevance at the top; each layer hands its output relevance to its
    inputs by the rule its composite gives it (``xw.lrp``: rules and composites as Zennit's).
    Registered composites (Conv / Linear / first layer; ``epsilon`` and ``gamma`` are the
    method's parameters, every other stabiliser is Zennit's 1e-6):

    - ``epsilon``: ε on every layer, pooling and lone BatchNorms too, as Captum's LRP with
      EpsilonRule on every layer; ε → 0 gives gradient x input on ReLU networks.
    - ``epsilon_plus``: z⁺ / ε. ``epsilon_plus_flat``: z⁺ / ε / flat.
    - ``epsilon_gamma_box``: generalised γ / ε / z^B (when the first layer is a Conv, as Zennit),
      with each sample's own min and max as the box (Zennit needs bounds given; build a
      ``Composite`` with ``ZBox(low, high)`` for fixed ones).
    - ``epsilon_alpha2_beta1`` (old name ``alpha2_beta1``): α=2, β=1 / ε on every Linear layer.
      ``epsilon_alpha2_beta1_flat``: the same with flat on the first layer.
    - ``excitation_backprop``: z⁺ on every Linear/Conv layer (Zhang et al. 2016).
    - ``guided_backprop``, ``deconvnet``: the gradient with the ReLUs' backward modified
      (the methods of the same names give them seeded with 1, as Captum).
    - any composite added with ``xw.lrp.register_composite``; or pass an ``xw.lrp.Composite``
      object itself (then ``epsilon`` and ``gamma`` are unused).

    Conventions, Zennit's (its composites with its canonizers give the same numbers to 1e-4 on
    VGG-11, VGG-11-BN and ResNet-18): the bias is the j = 0 input of z⁺, αβ and γ (in their
    denominators); ReLUs and merged BatchNorms pass relevance (Pass), average pooling and residual
    sums split it in proportion (Norm), max pooling keeps its gradient. Each eval-mode BatchNorm
    after a Linear/Conv layer is folded into it exactly (Zennit's merge keeps BatchNorm's eps,
    off by 1/sqrt(1 + eps)); residual additions, functional pooling and ``F.relu`` in
    ``forward`` are found without a canonizer per architecture. Differences: ε defaults to 0.25
    here (Zennit 1e-6: pass ``epsilon=1e-6`` for its defaults); only ReLU passes relevance
    (Zennit passes any activation: a model with GELU, Sigmoid... raises ``UnsupportedLayerError``
    naming the layer unless a composite maps it, e.g. ``(nn.GELU, xw.lrp.Pass())``).

    The relevance at the top is the target output itself (Zennit's ``attr_output`` of the
    one-hot output times the output). ``delta`` is sum(relevance) - output: zero (up to the
    stabilisers) on bias-free networks for every composite but guided_backprop and deconvnet,
    otherwise the relevance the biases and ε absorbed.
    """
    rules = composite if isinstance(composite, Composite) else _registered(composite, epsilon, gamma)
    return relevance(runner, x, target, rules)


# (builder, epsilon, gamma) -> its composite, built once: what the traced ε pass derives from a
# composite's rules (:mod:`.epsilon_trace`) is then kept for the next call. Never handed out.
_BUILT: dict[tuple[object, float, float], Composite] = {}
_MAX_BUILT = 64


def _registered(name: str, epsilon: float, gamma: float) -> Composite:
    """The registered composite ``name`` for these parameters (builders are pure functions of them)."""
    key = (COMPOSITES.get(ALIASES.get(name, name)), epsilon, gamma)
    built = _BUILT.get(key)
    if built is None:
        if len(_BUILT) >= _MAX_BUILT:
            _BUILT.clear()
        built = _BUILT[key] = composite_rules(name, epsilon, gamma)
    return built


def relevance(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, rules: Composite
) -> tuple[torch.Tensor, torch.Tensor]:
    """LRP relevances of ``x`` for ``target`` under any :class:`Composite`, and their delta.

    The ε composites on models built from the layers they cover run as one plain backward of a
    traced forward (:mod:`.epsilon_trace`); everything else layer by layer (:mod:`.graph`).
    """
    traced = traced_relevance(runner, x, target, rules)
    if traced is not None:
        return traced
    return layer_by_layer_relevance(runner, x, target, rules)


def layer_by_layer_relevance(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, rules: Composite
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`relevance` with each layer's rule applied in its own backward step (any composite)."""
    relevance_pass = RelevancePass(runner.model, rules)
    # Size the chunks before the hooks go on: the runner's probe pass uses a batch of one.
    runner.chunk_size(x.shape[1:], backward=True)
    values = torch.empty_like(x)
    delta = torch.empty(x.shape[0], dtype=x.dtype, device=x.device)

    def work(start: int, stop: int) -> None:
        part, scores = seeded_by_output(runner, x[start:stop], target[start:stop])
        values[start:stop] = part
        delta[start:stop] = part.flatten(1).sum(1) - scores

    with relevance_pass.active():
        runner.chunks(x.shape[0], x.shape[1:], backward=True, work=work)
    return values, delta


def seeded_by_output(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The backward pass of each sample's target output, seeded with that output, and the outputs.

    Seeding with the output (not 1 and scaling afterwards) matters for rules that are not linear
    in the relevance, such as guided backprop's ReLU on a negative output.
    """
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        scores = runner.scores(x, target)
        if not scores.requires_grad:
            raise NotDifferentiableError(
                "the model's output does not depend differentiably on its input; LRP cannot explain it: "
                "use a perturbation method such as 'occlusion'"
            )
        (values,) = torch.autograd.grad(scores, x, scores.detach(), allow_unused=True)
    if values is None:
        raise NotDifferentiableError(
            "the model's output is not connected to its input in the autograd graph; "
            "use a perturbation method such as 'occlusion'"
        )
    return values, scores.detach()
