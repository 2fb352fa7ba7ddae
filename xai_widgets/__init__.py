"""xai_widgets: live, linked Jupyter widgets that explain PyTorch models."""

from .kernel import *  # noqa: F403  (the kernel's public names)
from .kernel import __all__ as _KERNEL_NAMES
from .kernel.registry import methods

__version__ = "0.1.0"

__all__ = [*_KERNEL_NAMES, "methods", "HeatmapView", "ImageExplorer", "explore"]

# Views load the built front end, so they are imported on first use: the kernel works
# (and its tests run) without the bundle.
_WIDGETS = ("HeatmapView", "ImageExplorer", "explore")


def __getattr__(name: str):
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'xai_widgets' has no attribute {name!r}")
