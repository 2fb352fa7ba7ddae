"""LRP rules and composites as small composable objects, after Zennit (``xw.lrp``).

A composite is a list of (layer types or dotted names, rule) pairs, the first match winning, with
an optional rule for the first layer; pass one as the ``lrp`` method's ``composite``, or register
it by name so that every view offers it::

    import xai_widgets as xw
    from torch import nn

    mine = xw.lrp.Composite(
        [*xw.lrp.layer_map_base(), (nn.Conv2d, xw.lrp.Gamma(0.25)), (nn.Linear, xw.lrp.Epsilon(1e-6))],
        first=xw.lrp.ZBox(low=0.0, high=1.0),
    )
    explainer.attribute(x, "lrp", composite=mine)
    xw.lrp.register_composite("mine", mine)   # now a choice of every view's lrp composite menu
"""

from ..methods.propagation.lrp.composites import (
    AVG_POOLING,
    BATCHNORMS,
    COMPOSITE_NAMES,
    MAX_POOLING,
    Composite,
    Sum,
    layer_map_base,
    register_composite,
)
from ..methods.propagation.lrp.composites import composite_rules as composite
from ..methods.propagation.lrp.rules import (
    CONVOLUTIONS,
    LINEAR_LAYERS,
    AlphaBeta,
    ElementwiseRule,
    Epsilon,
    Flat,
    Gamma,
    Gradient,
    LinearRule,
    Norm,
    Pass,
    ReLUDeconvNet,
    ReLUGuidedBackprop,
    Rule,
    WSquare,
    ZBox,
    ZPlus,
)

__all__ = [
    "AVG_POOLING",
    "BATCHNORMS",
    "COMPOSITE_NAMES",
    "CONVOLUTIONS",
    "LINEAR_LAYERS",
    "MAX_POOLING",
    "AlphaBeta",
    "Composite",
    "ElementwiseRule",
    "Epsilon",
    "Flat",
    "Gamma",
    "Gradient",
    "LinearRule",
    "Norm",
    "Pass",
    "ReLUDeconvNet",
    "ReLUGuidedBackprop",
    "Rule",
    "Sum",
    "WSquare",
    "ZBox",
    "ZPlus",
    "composite",
    "layer_map_base",
    "register_composite",
]
