"""The explainer kernel: model binding and attribution methods, on torch and numpy only.

``kernel.methods`` is the package of method modules; the function listing them is
``xai_widgets.methods`` (``kernel.registry.methods``).
"""

from .attribution import Attribution
from .errors import (
    ExplainerError,
    InputError,
    LayerNotFoundError,
    ModelOutputError,
    NotDifferentiableError,
    ParameterError,
    TargetError,
    UnknownMethodError,
    UnsupportedLayerError,
)
from .explainer import Explainer
from . import methods as _builtin_methods  # noqa: F401  (registers them)
from .registry import MethodSpec, ParamSpec
from .image_sweeps import ig_path, perturb, perturbation_sweep
from .sweeps import ice, partial_dependence, sensitivity
from .tabular_summary import dataset_attribution
from .weights import correlated_features, layer_weights, linear_weights, top_k_weights

__all__ = [
    "Attribution",
    "Explainer",
    "ExplainerError",
    "InputError",
    "LayerNotFoundError",
    "MethodSpec",
    "ModelOutputError",
    "NotDifferentiableError",
    "ParamSpec",
    "ParameterError",
    "TargetError",
    "UnknownMethodError",
    "UnsupportedLayerError",
    "correlated_features",
    "dataset_attribution",
    "ice",
    "ig_path",
    "layer_weights",
    "linear_weights",
    "partial_dependence",
    "perturb",
    "perturbation_sweep",
    "sensitivity",
    "top_k_weights",
]
