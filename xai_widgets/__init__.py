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
    "HeatmapView",
    "ImageExplorer",
    "explore",
]

# Views load the built front end, so they are imported on first use: the kernel works
# (and its tests run) without the bundle.
_WIDGETS = ("HeatmapView", "ImageExplorer", "explore")


def __getattr__(name: str):
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'xai_widgets' has no attribute {name!r}")
