"""LRP composites: which rule each layer gets, registered by name (the names of zennit and the LRP
overview); the ``lrp`` method's ``composite`` choices are this registry's names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ....core.named_registry import NamedRegistry
from .rules import Rule, alpha_beta_rule, epsilon_rule, flat_rule, gamma_rule, z_box_rule


@dataclass(frozen=True)
class Composite:
    """Which rule each layer gets: ``conv`` for ConvNd, ``dense`` for Linear, ``first`` (if set)
    for the first Linear/Conv the input meets, ``output`` (if set) for the layer whose output is
    the model's; ``pool_epsilon`` is the ε of the layers without weights (pooling, lone BatchNorm)."""

    conv: Rule
    dense: Rule
    first: Rule | None = None
    output: Rule | None = None
    pool_epsilon: float = 1e-9


# (epsilon, gamma) -> the composite: the lrp method's two rule parameters.
CompositeBuilder = Callable[[float, float], Composite]

COMPOSITES: NamedRegistry[CompositeBuilder] = NamedRegistry("LRP composite")
COMPOSITE_NAMES = COMPOSITES.names()


def register_composite(name: str) -> Callable[[CompositeBuilder], CompositeBuilder]:
    """Decorator registering ``build(epsilon, gamma) -> Composite`` as the composite ``name``,
    which makes it a choice of the ``lrp`` method's ``composite`` parameter."""

    def register(build: CompositeBuilder) -> CompositeBuilder:
        return COMPOSITES.register(name, build)

    return register


def composite_rules(name: str, epsilon: float = 0.25, gamma: float = 0.25) -> Composite:
    """The rules of the registered composite ``name``."""
    return COMPOSITES.get(name)(epsilon, gamma)


@register_composite("epsilon")
def _epsilon(epsilon: float, gamma: float) -> Composite:
    eps = epsilon_rule(epsilon)
    return Composite(conv=eps, dense=eps, pool_epsilon=epsilon)


@register_composite("epsilon_plus")
def _epsilon_plus(epsilon: float, gamma: float) -> Composite:
    return Composite(conv=alpha_beta_rule(1.0, 0.0), dense=epsilon_rule(epsilon))


@register_composite("epsilon_plus_flat")
def _epsilon_plus_flat(epsilon: float, gamma: float) -> Composite:
    return Composite(conv=alpha_beta_rule(1.0, 0.0), dense=epsilon_rule(epsilon), first=flat_rule)


@register_composite("epsilon_gamma_box")
def _epsilon_gamma_box(epsilon: float, gamma: float) -> Composite:
    return Composite(conv=gamma_rule(gamma), dense=epsilon_rule(epsilon), first=z_box_rule)


@register_composite("alpha2_beta1")
def _alpha2_beta1(epsilon: float, gamma: float) -> Composite:
    alpha_beta = alpha_beta_rule(2.0, 1.0)
    # The output layer keeps ε: αβ on it would hand on α·R wherever no input pulls down.
    return Composite(conv=alpha_beta, dense=alpha_beta, output=epsilon_rule(epsilon))
