"""The anywidget views; they ask the kernel for every computation and render in the browser."""

from .base.view import BaseView
from .views import (
    ExplorerCanvas,
    HeatmapView,
    ImageExplorer,
    ImageSweepExplorer,
    SweepExplorer,
    SweepPanel,
    TabularExplorer,
    TrainingMonitor,
    WeightsView,
    explore,
)

__all__ = [
    "BaseView",
    "ExplorerCanvas",
    "HeatmapView",
    "ImageExplorer",
    "ImageSweepExplorer",
    "SweepExplorer",
    "SweepPanel",
    "TabularExplorer",
    "TrainingMonitor",
    "WeightsView",
    "explore",
]
