"""ImageSweepChart: after the IG path, a perturbation sweep's key lists only its own curve, the
chart has no legend inside the plot, and a probability sits on a fixed 0..1 axis."""

import torch

from xai_widgets.kernel import IGPath
from xai_widgets.widgets.charts.image_sweep_chart import ImageSweepChart


def ig_path() -> IGPath:
    alphas = torch.linspace(0, 1, 5)
    zeros = torch.zeros(1, 2, 2)
    return IGPath(
        alphas=alphas,
        weights=torch.full((5,), 0.2),
        outputs=alphas * 3,
        integrand=torch.full((5,), 3.0),
        running_sum=alphas * 3,
        output_difference=3.0,
        start_output=0.0,
        end_output=3.0,
        target=0,
        baseline=zeros,
        difference=zeros,
        gradients=torch.zeros(5, 1, 2, 2),
    )


def test_a_sweep_after_the_ig_path_keys_only_its_curve_on_a_0_to_1_axis():
    chart = ImageSweepChart()
    chart.show_path(ig_path())
    assert chart.key_entries() == ["integrand ∇F·(x − x0)", "running sum", "F(x) − F(x0)", "slider amount"]
    # The axis fits the path's values, ending on round ticks (issue 10, defect 5; was None, None).
    assert (chart.y_scale.min, chart.y_scale.max) == (0.0, 3.0)
    chart.show_sweep([-1.0, 0.0, 1.0], [0.1, 0.9, 0.2], "brightness", "p(circle)", probability=True)
    assert chart.key_entries() == ["p(circle)", "slider amount"]
    assert "running sum" not in chart.key.value and "F(x)" not in chart.key.value
    assert not any(mark.display_legend for mark in chart.figure.marks)
    assert (chart.y_scale.min, chart.y_scale.max) == (0.0, 1.0)
    chart.move_cursor(0.5)
    assert list(chart.cursor.y) == [0.0, 1.0]  # the cursor spans the whole probability axis
    chart.show_sweep([0.0, 1.0], [2.0, 5.0], "noise", "output circle")
    assert (chart.y_scale.min, chart.y_scale.max) == (2.0, 5.0)  # raw outputs: the axis fits them (round ends)
    chart.close()
