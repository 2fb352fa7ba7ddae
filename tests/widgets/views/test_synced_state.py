"""Every piece of state a user changes is a synced trait: it is in the saved state and it links."""

import pytest
import torch
import traitlets as t
from torch import nn

import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, load_tabular, make_shapes, train_tabular_mlp


@pytest.fixture(scope="module")
def tabular():
    data = load_tabular("diabetes")
    return data, xw.Explainer(train_tabular_mlp(data, epochs=5))


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(3, seed=2), xw.Explainer(load_shapes_model())


def pair(make):
    first, second = make(), make()
    assert first.wait(120) and second.wait(120)
    return first, second


def linked(first, second, changes):
    """Link every trait of ``changes``, set each on ``first`` and check ``second`` followed."""
    links = [t.link((first, name), (second, name)) for name in changes]
    for name, value in changes.items():
        setattr(first, name, value)
        assert getattr(second, name) == value, name
    assert first.wait(120) and second.wait(120)
    for link in links:
        link.unlink()


def in_state(view, names):
    state = view.get_state()
    missing = [name for name in names if name not in state]
    assert not missing, f"not synced: {missing}"


def test_tabular_explorer_state_is_synced_and_links(tabular):
    data, explainer = tabular
    first, second = pair(lambda: xw.TabularExplorer(explainer, data.X, data.y, data.feature_names))
    try:
        changes = {
            "sample_index": 5,
            "enabled_methods": ["gradient"],
            "global_method": "gradient",
            "x_column": data.feature_names[2],
            "y_column": data.feature_names[3],
            "target": 0,
        }
        in_state(first, changes)
        linked(first, second, changes)
        assert second.sweep.sample_index == 5 and set(second.results()) == {"gradient"}
    finally:
        first.close()
        second.close()


def test_sweep_panel_state_is_synced_and_links(tabular):
    data, explainer = tabular
    first, second = pair(lambda: xw.SweepPanel(explainer, data.X, data.feature_names))
    try:
        changes = {"target": 0, "sample_index": 3, "feature_index": 2, "value": float(data.X[:, 2].mean())}
        in_state(first, changes)
        linked(first, second, changes)
        assert second.slider.value == pytest.approx(changes["value"])
    finally:
        first.close()
        second.close()


def test_image_sweep_state_is_synced_and_links(shapes):
    data, explainer = shapes
    first, second = pair(lambda: xw.ImageSweepExplorer(explainer, data.images, data.class_names))
    try:
        changes = {"sample_index": 1, "kind": "blur", "amount": 2.0, "target": 1, "method": "gradient"}
        in_state(first, changes)
        linked(first, second, changes)
        assert second.kind_picker.value == "blur" and second.slider.value == pytest.approx(2.0)
        assert second.status == "idle", second.error
    finally:
        first.close()
        second.close()


def test_training_monitor_and_weights_view_settings_are_synced_and_link():
    model = nn.Linear(3, 1)
    monitors = first, second = xw.TrainingMonitor(model, ["a", "b", "c"]), xw.TrainingMonitor(model)
    try:
        in_state(first, ["min_interval", "top_k"])
        second.update(epoch=0, train_loss=1.0, final=True)
        linked(first, second, {"min_interval": 0.5, "top_k": 2})
        assert second.weights_view.top_k == 2 and second.top_weights.value.startswith("<b>2 largest")
    finally:
        for monitor in monitors:
            monitor.close()
    deep = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    first_view, second_view = xw.WeightsView(deep, layer="0"), xw.WeightsView(deep, layer=deep[0])
    try:
        in_state(first_view, ["top_k", "layer"])
        assert second_view.layer == "0"
        linked(first_view, second_view, {"layer": "2", "top_k": 3})
        assert second_view.heatmap.color.shape == (2, 4)
    finally:
        first_view.close()
        second_view.close()


def test_weights_view_top_k_redraws_its_table():
    view = xw.WeightsView(nn.Linear(4, 1), ["a", "b", "c", "d"], top_k=2)
    try:
        assert "Top 2" in view.table.value
        view.top_k = 3
        assert "Top 3" in view.table.value
        with torch.no_grad():
            view.model.weight.zero_()
        view.refresh()
        assert view.table.value.count("+0.0000") == 3
    finally:
        view.close()
