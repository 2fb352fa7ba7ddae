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
    CompilationError,
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
from .inputs.sequences import decode_one_hot, one_hot
from .methods.propagation.lrp.composites import Composite, register_composite
from .metrics import MetricSpec
from .metrics import metric_specs as registered_metrics
from .optimize import DesignMethodSpec, SequenceDesign, design_method_spec, design_methods, design_sequence
from .optimize.activation_maximization import ActivationMaximization, activation_maximization
from .optimize.regularizers import (
    Regularizer,
    RegularizerSpec,
    register_regularizer,
    regularizer,
    regularizer_specs,
)
from .performance import global_surrogate
from .probes.activation_functions import (
    ActivationCurve,
    PreactivationHistogram,
    activation_function_curve,
    activation_layer_names,
    preactivation_histogram,
)
from .probes.activations import (
    LayerAttribution,
    NeuronAttribution,
    NeuronContributions,
    layer_activations,
    layer_attribution,
    layer_attribution_methods,
    neuron_attribution,
    neuron_attribution_methods,
    neuron_contributions,
)
from .probes.base_scores import base_scores
from .probes.dataset_summary import DatasetAttribution, dataset_attribution
from .probes.ig_path import IGPath, ig_path
from .probes.image_perturbations import PerturbationSpec, image_perturbations, perturb, register_perturbation
from .probes.image_sweeps import SWEEP_KINDS, SweepResult, perturbation_sweep, sweep_amounts, sweep_range
from .probes.motifs import MotifHit, consensus_pwm, find_motif, information_content, motif_pwm, pwm_similarity
from .probes.mutagenesis import in_silico_mutagenesis
from .probes.tabular_sweeps import feature_grid, ice, partial_dependence, sensitivity, with_feature
from .probes.weights import (
    LayerWeightView,
    correlated_features,
    find_linear,
    layer_weight_view,
    layer_weights,
    linear_weights,
    top_k_weights,
    weighted_layer_names,
)
from .uncertainty import Ensemble, Uncertainty, UncertaintyOf, uncertainty_methods

__all__ = [
    "NeuronContributions",
    "neuron_contributions",
    "ActivationMaximization",
    "activation_maximization",
    "Regularizer",
    "RegularizerSpec",
    "register_regularizer",
    "regularizer",
    "regularizer_specs",
    "ActivationCurve",
    "PreactivationHistogram",
    "activation_function_curve",
    "activation_layer_names",
    "preactivation_histogram",
    "LayerWeightView",
    "layer_weight_view",
    "weighted_layer_names",
    "LayerAttribution",
    "NeuronAttribution",
    "layer_activations",
    "layer_attribution",
    "layer_attribution_methods",
    "neuron_attribution",
    "neuron_attribution_methods",
    "Attribution",
    "Composite",
    "DatasetAttribution",
    "DesignMethodSpec",
    "Ensemble",
    "Explainer",
    "CompilationError",
    "ExplainerError",
    "IGPath",
    "InputError",
    "LayerNotFoundError",
    "MethodSpec",
    "MetricSpec",
    "ModelOutputError",
    "MotifHit",
    "NotDifferentiableError",
    "ParamSpec",
    "ParameterError",
    "PerturbationSpec",
    "SWEEP_KINDS",
    "SequenceDesign",
    "SweepResult",
    "TargetError",
    "Uncertainty",
    "UncertaintyOf",
    "UnknownMethodError",
    "UnsupportedLayerError",
    "apply_edits",
    "base_scores",
    "consensus_pwm",
    "correlated_features",
    "dataset_attribution",
    "decode_one_hot",
    "design_method_spec",
    "design_methods",
    "design_sequence",
    "feature_grid",
    "find_linear",
    "find_motif",
    "global_surrogate",
    "ice",
    "ig_path",
    "image_perturbations",
    "in_silico_mutagenesis",
    "information_content",
    "layer_weights",
    "lrp",
    "linear_weights",
    "metrics",
    "motif_pwm",
    "one_hot",
    "partial_dependence",
    "performance",
    "perturb",
    "perturbation_sweep",
    "pwm_similarity",
    "register_composite",
    "register_perturbation",
    "registered_methods",
    "registered_metrics",
    "sensitivity",
    "sweep_amounts",
    "sweep_range",
    "top_k_weights",
    "uncertainty_methods",
    "with_feature",
]
