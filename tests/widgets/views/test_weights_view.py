"""WeightsView in Python: the bars hold the model's weights, sorted and signed; correlated
features are flagged; a layer's weights become a heatmap or kernel tiles."""

import numpy as np
import pytest
import torch
from torch import nn

from xai_widgets.kernel import ExplainerError
from xai_widgets.widgets.views.weights_view import NEGATIVE, POSITIVE, SPLIT_WARNING, WeightsView

NAMES = ["age", "bmi", "bp", "s1"]


def linear_with(weights):
    layer = nn.Linear(len(weights), 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([weights]))
    return layer


def test_bars_equal_the_weights_sorted_with_signed_colours():
    model = linear_with([0.5, -2.0, 1.5, 0.1])
    view = WeightsView(model, NAMES)
    assert list(view.bars.x) == ["bp", "age", "s1", "bmi"]
    np.testing.assert_allclose(view.bars.y, [1.5, 0.5, 0.1, -2.0])
    # Horizontal bars: bqplot draws the domain's first name at the bottom, so it is reversed (top: bp).
    assert list(view.bars.scales["x"].domain) == ["bp", "age", "s1", "bmi"][::-1]
    assert list(view.bars.colors) == [POSITIVE, POSITIVE, POSITIVE, NEGATIVE]
    assert view.flagged == [] and view.warning.value == ""


def test_top_k_table_is_by_absolute_value():
    view = WeightsView(linear_with([0.5, -2.0, 1.5, 0.1]), NAMES, top_k=2)
    table = view.table.value
    assert "Top 2" in table and "bmi" in table and "bp" in table and "age" not in table
    assert table.index("bmi") < table.index("bp")  # |-2.0| before |1.5|


def test_strongly_correlated_features_are_flagged_beside_their_bars():
    generator = np.random.default_rng(0)
    X = generator.normal(size=(200, 4))
    X[:, 3] = X[:, 1] + 0.01 * generator.normal(size=200)  # s1 copies bmi
    model = linear_with([0.5, -2.0, 1.5, 0.1])
    view = WeightsView(model, NAMES, X=torch.tensor(X, dtype=torch.float32))
    assert view.flagged == ["bmi", "s1"]
    # Horizontal bars: the names are on the flags' y (the bars' ordinal "x" scale drawn vertically).
    assert sorted(view.flags.y) == ["bmi", "s1"] and list(view.flags.text) == ["⚠", "⚠"]
    assert view.flags.scales["y"] is view.bars.scales["x"]  # drawn on the bars' own axis
    assert SPLIT_WARNING in view.warning.value and "bmi ~ s1" in view.warning.value
    assert "bmi ⚠" in view.table.value


def test_refresh_reads_the_new_weights():
    model = linear_with([0.5, -2.0, 1.5, 0.1])
    view = WeightsView(model, NAMES)
    with torch.no_grad():
        model.weight.mul_(-1)
    view.refresh()
    np.testing.assert_allclose(view.bars.y, [2.0, -0.1, -0.5, -1.5])
    assert list(view.bars.x) == ["bmi", "s1", "age", "bp"]
    view.refresh(linear_with([1.0, 2.0, 3.0, 4.0]))
    assert list(view.bars.x) == ["s1", "bp", "bmi", "age"]


def test_a_deep_model_needs_a_layer():
    with pytest.raises(ExplainerError, match="layer="):
        WeightsView(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))


def test_a_linear_layer_of_any_model_is_a_heatmap_of_its_matrix():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    view = WeightsView(model, layer="2")
    np.testing.assert_allclose(view.heatmap.color, model[2].weight.detach().numpy(), rtol=1e-6)
    limit = float(model[2].weight.detach().abs().max())
    assert view.color_scale.min == pytest.approx(-limit) and view.color_scale.max == pytest.approx(limit)
    with torch.no_grad():
        model[2].weight.zero_()
    view.refresh()
    assert not np.asarray(view.heatmap.color).any()


def test_conv_kernels_are_tiles_one_per_channel_pair():
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU())
    view = WeightsView(model, layer=model[0])
    grid = np.asarray(view.heatmap.color)
    assert grid.shape == (3 * 4 - 1, 2 * 4 - 1)  # 3x3 tiles separated by one neutral line
    kernels = model[0].weight.detach().numpy()
    for out in range(3):
        for inp in range(2):
            np.testing.assert_allclose(grid[out * 4 : out * 4 + 3, inp * 4 : inp * 4 + 3], kernels[out, inp], rtol=1e-6)
    assert (grid[3, :] == 0).all() and (grid[:, 3] == 0).all()


def test_a_batchnorm_scale_is_one_row_per_channel():
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3))
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([0.5, -1.0, 2.0]))
    view = WeightsView(model, layer="1")
    np.testing.assert_allclose(np.ravel(view.heatmap.color), [0.5, -1.0, 2.0])  # bqplot keeps one row 1-D
    assert "weight per channel" in view.figure.title
