"""The anywidget views; they ask the kernel for every computation and render in the browser."""

from .explorer_canvas import ExplorerCanvas
from .heatmap import HeatmapView
from .image_explorer import ImageExplorer, explore
from .image_sweep import ImageSweepExplorer
from .sweep_explorer import SweepExplorer
from .sweep_panel import SweepPanel
from .tabular_explorer import TabularExplorer
from .training_monitor import TrainingMonitor
from .weights_view import WeightsView

__all__ = [
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
