"""The anywidget views; they ask the kernel for every computation and render in the browser."""

from .heatmap import HeatmapView

__all__ = ["HeatmapView"]
