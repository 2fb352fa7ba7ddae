"""The explainer kernel: model binding, attribution methods and probes, on torch and numpy only.

This module is the kernel's public face: widgets, notebooks and users import from here (or from
``xai_widgets``), never from a sub-package by path. ``kernel.methods`` is the package of method
modules; the function listing the registered methods is ``methods`` (``xw.methods()``).
"""

from . import methods as _builtin_methods  # noqa: F401  (registers them)
from .core.attribution import Attribution
from .core.errors import (
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
from .core.explainer import Explainer
from .core.registry import MethodSpec, ParamSpec
from .core.registry import methods as registered_methods
from .inputs.edits import apply_edits
from .methods.propagation.lrp.composites import Composite, register_composite
from .probes.dataset_summary import DatasetAttribution, dataset_attribution
from .probes.ig_path import IGPath, ig_path
from .probes.image_perturbations import PerturbationSpec, image_perturbations, perturb, register_perturbation
from .probes.image_sweeps import SWEEP_KINDS, SweepResult, perturbation_sweep, sweep_amounts, sweep_range
from .probes.tabular_sweeps import feature_grid, ice, partial_dependence, sensitivity, with_feature
from .probes.weights import correlated_features, find_linear, layer_weights, linear_weights, top_k_weights

__all__ = [
    "Attribution",
    "Composite",
    "DatasetAttribution",
    "Explainer",
    "ExplainerError",
    "IGPath",
    "InputError",
    "LayerNotFoundError",
    "MethodSpec",
    "ModelOutputError",
    "NotDifferentiableError",
    "ParamSpec",
    "ParameterError",
    "PerturbationSpec",
    "SWEEP_KINDS",
    "SweepResult",
    "TargetError",
    "UnknownMethodError",
    "UnsupportedLayerError",
    "apply_edits",
    "correlated_features",
    "dataset_attribution",
    "feature_grid",
    "find_linear",
    "ice",
    "ig_path",
    "image_perturbations",
    "layer_weights",
    "linear_weights",
    "partial_dependence",
    "perturb",
    "perturbation_sweep",
    "register_composite",
    "register_perturbation",
    "registered_methods",
    "sensitivity",
    "sweep_amounts",
    "sweep_range",
    "top_k_weights",
    "with_feature",
]
