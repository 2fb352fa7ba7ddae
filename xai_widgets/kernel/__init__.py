"""The explainer kernel: model binding, attribution methods and probes, on torch and numpy only.

This module is the kernel's public face: widgets, notebooks and users import from here (or from
``xai_widgets``), never from a sub-package by path. ``kernel.methods`` is the package of method
modules; the function listing the registered methods is ``methods`` (``xw.methods()``).
``metrics`` is the namespace of explanation metrics (``xw.metrics.pointing_game``); widgets list
them with ``registered_metrics()`` (``MetricSpec``s) and call them through ``spec.compute``.
"""

from . import lrp, metrics, performance
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
from .metrics import MetricSpec
from .metrics import metric_specs as registered_metrics
from .probes.dataset_summary import DatasetAttribution, dataset_attribution
from .probes.ig_path import IGPath, ig_path
from .probes.image_perturbations import PerturbationSpec, image_perturbations, perturb, register_perturbation
from .probes.image_sweeps import SWEEP_KINDS, SweepResult, perturbation_sweep, sweep_amounts, sweep_range
from .probes.tabular_sweeps import feature_grid, ice, partial_dependence, sensitivity, with_feature
from .probes.weights import correlated_features, find_linear, layer_weights, linear_weights, top_k_weights
from .uncertainty import Ensemble, Uncertainty, UncertaintyOf

__all__ = [
    "Attribution",
    "Composite",
    "DatasetAttribution",
    "Ensemble",
    "Explainer",
    "ExplainerError",
    "IGPath",
    "InputError",
    "LayerNotFoundError",
    "MethodSpec",
    "MetricSpec",
    "ModelOutputError",
    "NotDifferentiableError",
    "ParamSpec",
    "ParameterError",
    "PerturbationSpec",
    "SWEEP_KINDS",
    "SweepResult",
    "TargetError",
    "Uncertainty",
    "UncertaintyOf",
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
    "lrp",
    "linear_weights",
    "metrics",
    "partial_dependence",
    "performance",
    "perturb",
    "perturbation_sweep",
    "register_composite",
    "register_perturbation",
    "registered_methods",
    "registered_metrics",
    "sensitivity",
    "sweep_amounts",
    "sweep_range",
    "top_k_weights",
    "with_feature",
]
