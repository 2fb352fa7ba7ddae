"""Quality of explanations (``xw.metrics``): localisation against masks, complexity, faithfulness
curves, randomisation sanity checks, robustness and continuity; each registered with its
``ParamSpec``s (``metric_specs()``) so views list them by themselves."""

from .complexity import complexity, sparseness
from .continuity import ContinuityResult, continuity
from .faithfulness import CurveResult, deletion_curve, insertion_curve, pixel_flipping
from .localisation import (
    attribution_localisation,
    pointing_game,
    relevance_mass_accuracy,
    relevance_rank_accuracy,
    top_k_intersection,
)
from .randomisation import (
    RandomisationResult,
    RandomLogitResult,
    model_parameter_randomisation,
    random_logit,
    randomisation_cascade,
)
from .registry import MetricSpec, evaluate, metric_specs, register_metric
from .robustness import SensitivityResult, max_sensitivity

__all__ = [
    "ContinuityResult",
    "CurveResult",
    "MetricSpec",
    "RandomLogitResult",
    "RandomisationResult",
    "SensitivityResult",
    "attribution_localisation",
    "complexity",
    "continuity",
    "deletion_curve",
    "evaluate",
    "insertion_curve",
    "max_sensitivity",
    "metric_specs",
    "model_parameter_randomisation",
    "pixel_flipping",
    "pointing_game",
    "random_logit",
    "randomisation_cascade",
    "register_metric",
    "relevance_mass_accuracy",
    "relevance_rank_accuracy",
    "sparseness",
    "top_k_intersection",
]
