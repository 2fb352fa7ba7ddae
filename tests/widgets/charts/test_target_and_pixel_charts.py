"""The prediction chart's columns take clicks whatever a bar's height; the pixel chart's axis can be fixed."""

import numpy as np

from xai_widgets.widgets.charts.image_charts import PixelChart, PredictionChart


def test_every_column_of_the_prediction_chart_is_clickable_under_the_visible_bars():
    picked = []
    chart = PredictionChart(["circle", "square", "triangle", "cross"], picked.append)
    chart.show(np.array([0.97, 0.02, 0.0001, 0.0099]), target=0)
    assert chart.figure.marks == [chart.columns, chart.bars], "the columns lie under the visible bars"
    assert list(chart.columns.x) == list(chart.bars.x) == ["circle", "square", "cross", "triangle"]
    assert list(chart.columns.y) == [1.0] * 4 and list(chart.columns.opacities) == [0.0]
    scale = chart.bars.scales["y"]
    assert chart.columns.scales["y"] is scale and (scale.min, scale.max) == (0.0, 1.0), "full height, 0-1 axis"
    chart.columns._handle_custom_msg({"event": "element_click", "data": {"index": 3}}, [])
    chart.bars._handle_custom_msg({"event": "element_click", "data": {"index": 1}}, [])
    assert picked == [2, 1]


def test_a_pixel_chart_with_a_fixed_range_keeps_it_and_takes_a_title():
    chart = PixelChart("Pixel, per method", "value / max |map|", horizontal=True, value_range=(-1, 1))
    chart.show(["saliency", "occlusion"], [0.25, -1.0], title="Pixel (row 3, col 4), per method")
    scale = chart.bars.scales["y"]
    assert (scale.min, scale.max) == (-1.0, 1.0)
    assert chart.figure.title == "Pixel (row 3, col 4), per method"
    chart.show(["saliency"], [0.5])
    assert chart.figure.title == "Pixel (row 3, col 4), per method", "no title given keeps the last"
    free = PixelChart("Pixel gradient, per class", "gradient")
    assert free.bars.scales["y"].min is None and free.bars.scales["y"].max is None
