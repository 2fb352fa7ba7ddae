"""xai_widgets: live, linked Jupyter widgets that explain PyTorch models."""

from .kernel import (
    Attribution,
    Explainer,
    ExplainerError,
    InputError,
    LayerNotFoundError,
    MethodSpec,
    ModelOutputError,
    NotDifferentiableError,
    ParameterError,
    ParamSpec,
    TargetError,
    UnknownMethodError,
)
from .kernel.registry import methods

__version__ = "0.1.0"

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
    "methods",
]
