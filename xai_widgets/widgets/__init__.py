"""The anywidget views; they ask the kernel for every computation and render in the browser."""

from .base.view import BaseView
from .views import (
    Comparison,
    ContinuityView,
    EvaluationPanel,
    EvaluationTable,
    ExplorerCanvas,
    HeatmapView,
    ImageExplorer,
    ImageSweepExplorer,
    SanityCheckView,
    SweepExplorer,
    SweepPanel,
    TabularExplorer,
    TrainingMonitor,
    UncertaintyView,
    WeightsView,
    compare,
    explore,
)

__all__ = [
    "BaseView",
    "Comparison",
    "ContinuityView",
    "EvaluationPanel",
    "EvaluationTable",
    "ExplorerCanvas",
    "HeatmapView",
    "ImageExplorer",
    "ImageSweepExplorer",
    "SanityCheckView",
    "SweepExplorer",
    "SweepPanel",
    "TabularExplorer",
    "TrainingMonitor",
    "UncertaintyView",
    "WeightsView",
    "compare",
    "explore",
]
