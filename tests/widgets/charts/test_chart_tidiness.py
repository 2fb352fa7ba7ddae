"""Tidy image-side charts (issue 10, defect 5): round ticks whose labels never repeat, probability
axes fixed to 0..1 with fixed ticks, titles with room above the top tick, and no bqplot toolbar
(it covers the title on hover). The browser test (tests/browser/test_chart_tidiness.py) checks the
drawn result."""

import math

import pytest
import torch
from torch import nn

from xai_widgets.widgets.charts.axes import PROBABILITY_TICKS, TICK_FORMAT, VALUE_TICKS, nice_ticks
from xai_widgets.widgets.charts.image_charts import PixelChart, PredictionChart
from xai_widgets.widgets.charts.image_sweep_chart import ImageSweepChart
from xai_widgets.widgets.views.training_monitor import TrainingMonitor

from .test_image_sweep_chart import ig_path

RANGES = [
    (0.0, 1.0),
    (0.5, 0.65),  # bqplot's ticks 0.05 apart printed ".1f" as 0.5, 0.6, 0.6
    (1.05, 1.2),  # and ".2~g" as 1.1, 1.1, 1.2
    (-5.4e-5, 1.2e-4),  # and "~g" float noise: -0.0000543548
    (1.0503, 1.0516),
    (0.0, 2.0),  # epochs: "d" printed 0, 1, 1, 2
    (-10.2, 10.2),
    (0.0, 0.0),
    (3.0, 3.0),
    (1000.0, 1000.001),
    (-3e6, 2e6),
]


def d3_general(value: float) -> str:
    """What d3's "~g" (6 significant digits, trailing zeros trimmed) prints, near enough to compare labels."""
    return format(value, ".6g")


@pytest.mark.parametrize("low, high", RANGES)
def test_nice_ticks_cover_the_range_in_a_few_round_steps_whose_labels_differ(low, high):
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    assert 2 <= len(ticks) <= VALUE_TICKS + 3  # a flat range is widened around its value
    steps = {round(b - a, 12) for a, b in zip(ticks, ticks[1:], strict=False)}
    step = ticks[1] - ticks[0]
    assert all(math.isclose(s, step, rel_tol=1e-6) for s in steps), ticks
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5)), (step, ticks)
    labels = [d3_general(t) for t in ticks]
    assert len(set(labels)) == len(labels), labels
    assert max(map(len, labels)) <= 8, labels  # no float noise


def test_the_prediction_chart_has_fixed_0_to_1_ticks_and_no_toolbar():
    chart = PredictionChart(["a", "b", "c"], on_pick=lambda _i: None)
    scale, axis = chart.bars.scales["y"], chart.figure.axes[1]
    assert (scale.min, scale.max) == (0.0, 1.0)
    assert list(axis.tick_values) == PROBABILITY_TICKS and axis.tick_format == ".1f"
    assert len({format(t, ".1f") for t in axis.tick_values}) == len(PROBABILITY_TICKS)
    assert chart.figure.display_toolbar is False
    # bqplot writes the title's first line 1em under -top/2: the top margin leaves it above the top tick.
    font_px = float(chart.figure.title_style["font-size"].removesuffix("px"))
    assert chart.figure.fig_margin["top"] / 2 - font_px >= 12


def test_a_pixel_chart_follows_its_values_with_round_ticks_from_zero():
    chart = PixelChart("Pixel gradient, per class", "gradient")
    chart.show(["a", "b", "c"], [9.4e-5, -4.9e-5, 5.1e-5], highlight=0)
    scale, axis = chart.bars.scales["y"], chart.figure.axes[1]
    ticks = list(axis.tick_values)
    assert (scale.min, scale.max) == (ticks[0], ticks[-1])
    assert ticks[0] <= -4.9e-5 and ticks[-1] >= 9.4e-5 and 0.0 in ticks
    assert axis.tick_format == TICK_FORMAT  # never changed after the figure is drawn
    assert len({d3_general(t) for t in ticks}) == len(ticks)
    chart.show(["a", "b"], [0.2, 0.7])  # all positive: the axis still starts at the bars' base, 0
    assert chart.bars.scales["y"].min == 0.0
    assert chart.figure.display_toolbar is False


def test_a_pixel_chart_with_a_value_range_keeps_it():
    chart = PixelChart("Pixel, per method", "value / max |map|", horizontal=True, value_range=(-1.0, 1.0))
    chart.show(["saliency", "occlusion"], [0.1, -0.9])
    assert list(chart.figure.axes[1].tick_values) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert (chart.bars.scales["y"].min, chart.bars.scales["y"].max) == (-1.0, 1.0)


def test_the_image_sweep_has_round_ticks_a_fixed_probability_axis_and_no_toolbar():
    chart = ImageSweepChart()
    assert chart.figure.display_toolbar is False
    chart.show_path(ig_path())
    ticks = list(chart.y_axis.tick_values)
    assert ticks[0] <= 0.0 and ticks[-1] >= 3.0 and len({d3_general(t) for t in ticks}) == len(ticks)
    assert list(chart.x_axis.tick_values) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    chart.show_sweep([-1.0, 0.0, 1.0], [0.1, 0.9, 0.4], "brightness", "p(cross)", probability=True)
    assert list(chart.y_axis.tick_values) == PROBABILITY_TICKS
    assert (chart.y_scale.min, chart.y_scale.max) == (0.0, 1.0)
    chart.show_sweep([0.0, 0.5], [1.05, 1.2], "brightness", "logit")
    labels = [d3_general(t) for t in chart.y_axis.tick_values]
    assert len(set(labels)) == len(labels), labels
    assert chart.x_axis.tick_format == chart.y_axis.tick_format == TICK_FORMAT
    chart.close()


def test_the_training_monitor_draws_whole_epochs_and_distinct_loss_ticks():
    monitor = TrainingMonitor(nn.Linear(3, 1), ["a", "b", "c"])
    assert monitor.figure.display_toolbar is False
    for epoch, loss in enumerate([1.0512, 1.0508, 1.0503]):
        monitor.update(epoch=epoch, train_loss=torch.tensor(loss), val_loss=loss + 0.0004)
    monitor.flush()
    x_axis, y_axis = monitor.figure.axes
    epochs = list(x_axis.tick_values)
    assert all(float(e).is_integer() for e in epochs) and epochs[0] == 0.0, epochs
    losses = list(y_axis.tick_values)
    assert losses[0] <= 1.0503 and losses[-1] >= 1.0516
    assert len({d3_general(t) for t in losses}) == len(losses), losses
    monitor.close()
