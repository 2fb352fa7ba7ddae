"""xai_widgets: live, linked Jupyter widgets that explain PyTorch models."""

from typing import Any

from .kernel import *  # noqa: F403  (the kernel's public names)
from .kernel import __all__ as _KERNEL_NAMES
from .kernel import registered_methods as methods

__version__ = "0.1.0"

_WIDGETS = (
    "Comparison",
    "ContinuityView",
    "EvaluationTable",
    "FeatureVisualizer",
    "HeatmapView",
    "ImageExplorer",
    "ImageSweepExplorer",
    "ModelReport",
    "NetworkTracer",
    "SanityCheckView",
    "SequenceDesigner",
    "SequenceExplorer",
    "SurrogateView",
    "SweepExplorer",
    "SweepPanel",
    "TabularExplorer",
    "TrainingMonitor",
    "UncertaintyView",
    "WeightsView",
    "compare",
    "explore",
    "link_samples",
    "link_selection",
)
__all__ = [*_KERNEL_NAMES, "methods", *_WIDGETS]

# Views load the built front end, so they are imported on first use (``__getattr__``): the
# kernel works (and its tests run) without the bundle.


def __getattr__(name: str) -> Any:
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'xai_widgets' has no attribute {name!r}")
