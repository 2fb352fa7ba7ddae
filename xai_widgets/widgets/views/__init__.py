"""The views: one module per view; each computing view derives from :class:`~..base.view.BaseView`."""

from .compare import Comparison, compare
from .continuity_view import ContinuityView
from .evaluation_panel import EvaluationPanel
from .evaluation_table import EvaluationTable
from .explorer_canvas import ExplorerCanvas
from .feature_sweep_panel import SweepPanel
from .feature_visualizer import FeatureVisualizer
from .heatmap_view import HeatmapView
from .image_explorer import ImageExplorer, explore
from .image_sweep_explorer import ImageSweepExplorer
from .link_samples import link_samples
from .model_report import ModelReport
from .network_tracer import NetworkTracer
from .sanity_check_view import SanityCheckView
from .selection_link import SelectionLink, link_selection
from .sequence_designer import SequenceDesigner
from .sequence_explorer import SequenceExplorer
from .surrogate_view import SurrogateView
from .sweep_explorer import SweepExplorer
from .tabular_explorer import TabularExplorer
from .training_monitor import TrainingMonitor
from .uncertainty_view import UncertaintyView
from .weights_view import WeightsView

__all__ = [
    "Comparison",
    "ContinuityView",
    "EvaluationPanel",
    "EvaluationTable",
    "ExplorerCanvas",
    "FeatureVisualizer",
    "HeatmapView",
    "ImageExplorer",
    "ImageSweepExplorer",
    "ModelReport",
    "NetworkTracer",
    "SanityCheckView",
    "SelectionLink",
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
]
