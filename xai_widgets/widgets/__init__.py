"""The anywidget views; they ask the kernel for every computation and render in the browser."""

from .base.view import BaseView
from .views import (
    Comparison,
    ExplorerCanvas,
    HeatmapView,
    ImageExplorer,
    ImageSweepExplorer,
    SweepExplorer,
    SweepPanel,
    TabularExplorer,
    TrainingMonitor,
    WeightsView,
    compare,
    explore,
)

__all__ = [
    "BaseView",
    "Comparison",
    "ExplorerCanvas",
    "HeatmapView",
    "ImageExplorer",
    "ImageSweepExplorer",
    "SweepExplorer",
    "SweepPanel",
    "TabularExplorer",
    "TrainingMonitor",
    "WeightsView",
    "compare",
    "explore",
]
