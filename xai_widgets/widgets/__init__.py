"""The anywidget views; they ask the kernel for every computation and render in the browser."""

from .explorer_canvas import ExplorerCanvas
from .heatmap import HeatmapView
from .image_explorer import ImageExplorer, explore

__all__ = ["ExplorerCanvas", "HeatmapView", "ImageExplorer", "explore"]
