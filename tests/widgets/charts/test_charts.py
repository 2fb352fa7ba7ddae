"""Charts draw what they are given: readable names beside or under bars, axis labels from the kernel's registry."""

import pytest
import torch

import xai_widgets as xw
from xai_widgets.widgets.charts.axes import name_margin
from xai_widgets.widgets.charts.image_charts import PixelChart, PredictionChart
from xai_widgets.widgets.charts.image_sweep_chart import IG_PATH_LABEL, ImageSweepChart, amount_label


def test_long_method_names_are_written_out_beside_horizontal_bars():
    chart = PixelChart("Pixel, per method", "attribution", horizontal=True)
    chart.show(["gradient", "saliency"], [0.1, 0.2])
    short_left = chart.figure.fig_margin["left"]
    names = ["saliency", "integrated_gradients", "grad_x_input", "kernel_shap"]
    chart.show(names, [0.1, 0.2, 0.3, 0.4])
    left = chart.figure.fig_margin["left"]
    assert left == name_margin(names) > short_left
    assert left >= 6 * len("integrated_gradients"), "room for the longest name in a 10-11 px font"
    assert chart.bars.orientation == "horizontal" and chart.figure.axes[0].orientation == "vertical"
    assert list(chart.bars.x) == names


def test_class_charts_keep_upright_bars_with_names_underneath():
    chart = PixelChart("Pixel gradient, per class", "gradient")
    chart.show(["circle", "square"], [0.1, -0.2], highlight=1)
    assert chart.bars.orientation == "vertical" and chart.figure.axes[0].orientation == "horizontal"
    assert chart.bars.colors[1] != chart.bars.colors[0]


def test_prediction_chart_sorts_and_highlights_the_target():
    picked = []
    chart = PredictionChart(["circle", "square", "triangle"], picked.append, top_k=2)
    chart.show(torch.tensor([0.2, 0.7, 0.1]).numpy(), target=2)
    assert list(chart.bars.x) == ["square", "triangle"] and chart.bars.colors[1] != chart.bars.colors[0]
    chart._clicked(chart.bars, {"data": {"index": 1}})
    assert picked == [2]


@pytest.mark.parametrize("kind", sorted(xw.image_perturbations()))
def test_sweep_axis_labels_come_from_the_kernels_perturbation_registry(kind):
    chart = ImageSweepChart()
    chart.show_sweep([0.0, 1.0], [0.2, 0.4], kind, "p(circle)")
    assert chart.x_axis.label == xw.image_perturbations()[kind].amount_label == amount_label(kind)
    assert amount_label("ig_path") == IG_PATH_LABEL
    chart.close()
