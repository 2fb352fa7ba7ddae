"""The views: one module per view; each computing view derives from :class:`~..base.view.BaseView`."""

from .compare import Comparison, compare
from .explorer_canvas import ExplorerCanvas
from .feature_sweep_panel import SweepPanel
from .heatmap_view import HeatmapView
from .image_explorer import ImageExplorer, explore
from .image_sweep_explorer import ImageSweepExplorer
from .sweep_explorer import SweepExplorer
from .tabular_explorer import TabularExplorer
from .training_monitor import TrainingMonitor
from .weights_view import WeightsView

__all__ = [
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
