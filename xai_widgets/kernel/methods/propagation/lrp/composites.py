"""LRP composites: which rule each layer gets, as in Zennit (``zennit.composites``): a list of
(layer types or dotted names, rule) pairs, the first match winning, and an optional rule for the
first layer; registered by name, and the ``lrp`` method's ``composite`` choices are the names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, overload

from torch import nn

from ....core.named_registry import NamedRegistry, RegisteredNames
from .rules import (
    CONVOLUTIONS,
    LINEAR_LAYERS,
    STABILIZER,
    AlphaBeta,
    Epsilon,
    Flat,
    Gamma,
    Norm,
    Pass,
    ReLUDeconvNet,
    ReLUGuidedBackprop,
    Rule,
    ZBox,
    ZPlus,
)


class Sum:
    """Stands for a residual addition ``a + b`` in a model's forward in a composite's layer map
    (Zennit's ResNet canonizer makes it a ``Sum`` layer; ours watches the forward's additions)."""


AVG_POOLING = (
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.AvgPool3d,
    nn.AdaptiveAvgPool1d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveAvgPool3d,
)
MAX_POOLING = (
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.MaxPool3d,
    nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d,
    nn.AdaptiveMaxPool3d,
)
BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)

# Layer types or dotted module names ("features.0"), one or a tuple of them.
LayerKey = type | str | tuple[type | str, ...]
LayerMap = Sequence[tuple[LayerKey, Rule]]


class Composite:
    """Which rule each layer gets, as Zennit's layer-map composites.

    ``layer_map``: (key, rule) pairs; a layer gets the rule of the first pair whose key names its
    type (or a base class of it, e.g. ``rules.CONVOLUTIONS``) or its dotted name in the model.
    :class:`Sum` stands for residual additions in the forward; functional pooling in the forward
    (``F.avg_pool2d``, ``x.mean(...)``, ``F.max_pool2d``) and ``F.relu`` get the rule of the
    matching layer type (``nn.AvgPool2d``, ``nn.MaxPool2d``, ``nn.ReLU``).

    ``first``: the rule of the first Linear/Conv layer the input meets, or (key, rule) pairs (as
    Zennit's ``first_map``): then the first layer that one of them matches gets its rule.

    A Linear/Conv layer no pair matches keeps its gradient, as does a pooling, BatchNorm, ReLU,
    Dropout, Flatten or Identity layer (a BatchNorm right after a Linear/Conv is always folded
    into it, exactly). With ``strict`` (the default) any other layer the map does not cover
    raises ``UnsupportedLayerError``; ``strict=False`` lets it keep its gradient, as Zennit does.
    """

    def __init__(self, layer_map: LayerMap, first: Rule | LayerMap | None = None, strict: bool = True) -> None:
        self.layer_map = _checked_map(layer_map, "layer_map")
        self.first: tuple[tuple[LayerKey, Rule], ...] | None
        if first is None:
            self.first = None
        elif isinstance(first, Rule):
            self.first = ((LINEAR_LAYERS, first),)
        else:
            self.first = _checked_map(first, "first")
        self.strict = strict

    def rule_for(self, name: str | None, kind: type) -> Rule | None:
        """The rule of a layer of type ``kind`` named ``name`` (None when no pair matches)."""
        return _match(self.layer_map, name, kind)

    def first_rule(self, name: str | None, kind: type) -> Rule | None:
        """The special rule for this layer if it is the first one ``first`` matches, else None."""
        return _match(self.first, name, kind) if self.first is not None else None

    def __repr__(self) -> str:
        pairs = ", ".join(f"({_key_repr(key)}, {rule!r})" for key, rule in self.layer_map)
        first = (
            "" if self.first is None else f", first=[{', '.join(f'({_key_repr(k)}, {r!r})' for k, r in self.first)}]"
        )
        return f"Composite([{pairs}]{first}{'' if self.strict else ', strict=False'})"


def _checked_map(pairs: Iterable[Any], what: str) -> tuple[tuple[LayerKey, Rule], ...]:
    checked = []
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], Rule)):
            raise TypeError(f"Composite {what}: each entry must be a (layer types or names, rule) pair, got {pair!r}")
        key = pair[0] if isinstance(pair[0], tuple) else (pair[0],)
        if not key or not all(isinstance(k, (type, str)) for k in key):
            raise TypeError(f"Composite {what}: a key must be layer types or dotted names, got {pair[0]!r}")
        checked.append((key, pair[1]))
    return tuple(checked)


def _match(pairs: Sequence[tuple[LayerKey, Rule]], name: str | None, kind: type) -> Rule | None:
    for key, rule in pairs:
        assert isinstance(key, tuple)
        if any((k == name) if isinstance(k, str) else issubclass(kind, k) for k in key):
            return rule
    return None


def _key_repr(key: LayerKey) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    names = [k if isinstance(k, str) else k.__name__ for k in keys]
    return names[0] if len(names) == 1 else f"({', '.join(names)})"


def layer_map_base(stabilizer: float = STABILIZER) -> list[tuple[LayerKey, Rule]]:
    """The entries every Zennit-named composite starts with (Zennit's ``layer_map_base``): relevance
    passes ReLUs and (merged) BatchNorms unchanged; residual sums and average pooling split it in
    proportion to their inputs. Zennit passes every activation (GELU, Sigmoid...) unchanged; here
    only ReLU, so a model with other activations is refused unless a composite maps them."""
    return [(nn.ReLU, Pass()), (Sum, Norm(stabilizer)), (AVG_POOLING, Norm(stabilizer)), (BATCHNORMS, Pass())]


# ---- the registry ---------------------------------------------------------------------------------
# (epsilon, gamma) -> the composite: the lrp method's two rule parameters.
CompositeBuilder = Callable[[float, float], Composite]

COMPOSITES: NamedRegistry[CompositeBuilder] = NamedRegistry("LRP composite")
# Old names still accepted, not listed as choices.
ALIASES = {"alpha2_beta1": "epsilon_alpha2_beta1"}


class _CompositeNames(RegisteredNames):
    """The registered names (what views list), which also contain the aliases (what ``lrp`` accepts)."""

    def __contains__(self, name: object) -> bool:
        return name in ALIASES or super().__contains__(name)


COMPOSITE_NAMES = _CompositeNames(COMPOSITES)


@overload
def register_composite(name: str) -> Callable[[CompositeBuilder], CompositeBuilder]: ...
@overload
def register_composite(name: str, composite: Composite | CompositeBuilder) -> CompositeBuilder: ...
def register_composite(
    name: str, composite: Composite | CompositeBuilder | None = None
) -> CompositeBuilder | Callable[[CompositeBuilder], CompositeBuilder]:
    """Register a composite under ``name``, which makes it a choice of the ``lrp`` method's
    ``composite`` parameter (and so of every view): ``register_composite(name, Composite(...))``,
    or as a decorator of ``build(epsilon, gamma) -> Composite`` to follow the method's ``epsilon``
    and ``gamma`` parameters."""
    if composite is None:

        def register(build: CompositeBuilder) -> CompositeBuilder:
            return COMPOSITES.register(name, build)

        return register
    if isinstance(composite, Composite):
        fixed = composite

        def build(epsilon: float, gamma: float) -> Composite:
            return fixed

        return COMPOSITES.register(name, build)
    return COMPOSITES.register(name, composite)


def composite_rules(name: str, epsilon: float = 0.25, gamma: float = 0.25) -> Composite:
    """The rules of the registered composite ``name`` (or one of its old names)."""
    return COMPOSITES.get(ALIASES.get(name, name))(epsilon, gamma)


# ---- the built-in composites ------------------------------------------------------------------------
@register_composite("epsilon")
def _epsilon(epsilon: float, gamma: float) -> Composite:
    # ε on every layer with weights and every pooling, as Captum's LRP with EpsilonRule everywhere.
    rule = Epsilon(epsilon)
    return Composite([(LINEAR_LAYERS, rule), (AVG_POOLING + MAX_POOLING, rule), (BATCHNORMS, rule), (Sum, Norm(1e-9))])


@register_composite("epsilon_plus")
def _epsilon_plus(epsilon: float, gamma: float) -> Composite:
    return Composite([*layer_map_base(), (CONVOLUTIONS, ZPlus()), (nn.Linear, Epsilon(epsilon))])


@register_composite("epsilon_plus_flat")
def _epsilon_plus_flat(epsilon: float, gamma: float) -> Composite:
    return Composite(
        [*layer_map_base(), (CONVOLUTIONS, ZPlus()), (nn.Linear, Epsilon(epsilon))], first=[(LINEAR_LAYERS, Flat())]
    )


@register_composite("epsilon_gamma_box")
def _epsilon_gamma_box(epsilon: float, gamma: float) -> Composite:
    # As Zennit: z^B only when the first layer is a convolution (bounds: each sample's min and max).
    return Composite(
        [*layer_map_base(), (CONVOLUTIONS, Gamma(gamma)), (nn.Linear, Epsilon(epsilon))],
        first=[(CONVOLUTIONS, ZBox())],
    )


@register_composite("epsilon_alpha2_beta1")
def _epsilon_alpha2_beta1(epsilon: float, gamma: float) -> Composite:
    return Composite([*layer_map_base(), (CONVOLUTIONS, AlphaBeta(2.0, 1.0)), (nn.Linear, Epsilon(epsilon))])


@register_composite("epsilon_alpha2_beta1_flat")
def _epsilon_alpha2_beta1_flat(epsilon: float, gamma: float) -> Composite:
    return Composite(
        [*layer_map_base(), (CONVOLUTIONS, AlphaBeta(2.0, 1.0)), (nn.Linear, Epsilon(epsilon))],
        first=[(LINEAR_LAYERS, Flat())],
    )


@register_composite("excitation_backprop")
def _excitation_backprop(epsilon: float, gamma: float) -> Composite:
    # Zhang et al. 2016 as Zennit: z⁺ on every Linear/Conv layer, sums and average pooling split.
    return Composite([(Sum, Norm()), (AVG_POOLING, Norm()), (LINEAR_LAYERS, ZPlus())])


@register_composite("guided_backprop")
def _guided_backprop(epsilon: float, gamma: float) -> Composite:
    return Composite([(nn.ReLU, ReLUGuidedBackprop())], strict=False)


@register_composite("deconvnet")
def _deconvnet(epsilon: float, gamma: float) -> Composite:
    return Composite([(nn.ReLU, ReLUDeconvNet())], strict=False)
