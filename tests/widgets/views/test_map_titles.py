"""Every map says what it shows: units per method, the HeatmapView's title, the explorer's panel captions."""

import pytest
import torch

import xai_widgets as xw
from xai_widgets.widgets.views.units import method_units
from xai_widgets.zoo import load_shapes_model, make_shapes


@pytest.fixture(scope="module")
def data():
    return make_shapes(3, seed=5)


@pytest.fixture(scope="module")
def explainer():
    return xw.Explainer(load_shapes_model())


def test_units_follow_the_method_family_and_sign():
    assert method_units("saliency") == "|gradient|"
    assert method_units("gradient") == "gradient"
    assert method_units("gradient", signed=False) == "|gradient|"
    assert method_units("grad_x_input") == "gradient × input"
    assert method_units("integrated_gradients") == "attribution"
    assert method_units("lrp") == "relevance"
    assert method_units("occlusion") == "output drop"
    assert method_units("grad_cam") == "class activation"
    assert method_units("not_a_method") == "attribution"
    # Every registered method has units.
    assert all(method_units(name) for name in xw.registered_methods())


def test_from_attribution_titles_the_view_with_method_target_and_units(explainer, data):
    result = explainer.attribute(data.images[:2], "saliency", target=[2, 1])
    view = xw.HeatmapView.from_attribution(data.images[1], result, 1, class_names=data.class_names)
    assert view.title == f"saliency · target: {data.class_names[1]}"
    assert view.units == "|gradient|"
    assert view.colormap == "inferno"
    unnamed = xw.HeatmapView.from_attribution(data.images[0], result)
    assert unnamed.title == "saliency · target: class 2"
    given = xw.HeatmapView.from_attribution(data.images[0], result, title="mine", units="u")
    assert (given.title, given.units) == ("mine", "u")


def test_explorer_panels_carry_target_name_and_units(explainer, data):
    view = xw.ImageExplorer(
        explainer, data.images, data.labels, data.class_names, methods=["saliency", "integrated_gradients"]
    )
    try:
        assert view.wait(120)
        for method, units in (("saliency", "|gradient|"), ("integrated_gradients", "attribution")):
            entry = view.canvas.panels[method]
            assert entry["units"] == units
            assert entry["target_name"] == data.class_names[entry["target"]]
        view.target = 3
        assert view.wait(120)
        assert {p["target_name"] for p in view.canvas.panels.values()} == {data.class_names[3]}
    finally:
        view.worker.close()


def test_a_failed_panel_still_names_its_target_and_units(data):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 64 * 64, 4))
    view = xw.ImageExplorer(xw.Explainer(model), data.images[:2], methods=["saliency", "grad_cam"])
    try:
        assert view.wait(60)
        entry = view.canvas.panels["grad_cam"]
        assert entry["status"] == "error" and entry["units"] == "class activation" and entry["target_name"]
    finally:
        view.worker.close()
