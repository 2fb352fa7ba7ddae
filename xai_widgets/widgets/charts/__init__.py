"""bqplot charts shared by the views: they only draw the numbers they are given."""

from .image_charts import PixelChart, PredictionChart
from .image_sweep_chart import ImageSweepChart
from .tabular_charts import DataScatter, FeatureBars, FeatureSweepChart, SummaryPlot

__all__ = [
    "DataScatter",
    "FeatureBars",
    "FeatureSweepChart",
    "ImageSweepChart",
    "PixelChart",
    "PredictionChart",
    "SummaryPlot",
]
