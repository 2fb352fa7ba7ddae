"""A "choice" parameter that also accepts objects (``ParamSpec(accepts=...)``): its dropdown takes one."""

import numpy as np
import pytest
import torch

import xai_widgets as xw
from xai_widgets.kernel import ParamSpec
from xai_widgets.widgets.base.wire import from_wire
from xai_widgets.widgets.controls.param_controls import ObjectChoice, control_for
from xai_widgets.zoo import load_shapes_model, make_shapes


class Recipe:
    """A stand-in for any object a choice accepts (a composite, say)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Recipe({self.name!r})"


SPEC = ParamSpec("recipe", "choice", "b", "pick", choices=("a", "b"), accepts=Recipe)


def test_an_object_becomes_one_more_option_labelled_by_its_repr_and_is_reported_once():
    control = control_for(SPEC, [], 8)
    assert isinstance(control, ObjectChoice) and control.value == "b"
    changes = []
    control.observe(lambda change: changes.append((change["old"], change["new"])), names="value")
    recipe = Recipe("mine")
    control.value = recipe
    assert control.value is recipe and control.label == "Recipe('mine')"
    assert control.options == (("a", "a"), ("b", "b"), ("Recipe('mine')", recipe))
    # One change, from the name to the object: no detour through the first option.
    assert changes == [("b", recipe)]
    control.value = "a"
    control.value = recipe  # picked again: no second option for the same object
    assert len(control.options) == 3 and control.value is recipe
    assert changes == [("b", recipe), (recipe, "a"), ("a", recipe)]


def test_objects_of_the_same_repr_get_distinct_labels_and_long_ones_are_cut():
    control = control_for(SPEC, [], 8)
    first, second = Recipe("x"), Recipe("x")
    control.value = first
    control.value = second
    assert [label for label, _ in control.options[2:]] == ["Recipe('x')", "Recipe('x') (2)"]
    assert control.value is second
    control.label = "Recipe('x')"  # what the browser sends when the user picks the first one
    assert control.value is first
    control.value = Recipe("y" * 100)
    assert len(control.label) == 60 and control.label.endswith("…")


def test_other_values_are_still_refused():
    control = control_for(SPEC, [], 8)
    with pytest.raises(Exception, match="Invalid selection"):
        control.value = "c"
    with pytest.raises(Exception, match="Invalid selection"):
        control.value = 3
    assert control.value == "b" and len(control.options) == 2


def test_a_choice_without_accepts_stays_a_plain_dropdown():
    plain = ParamSpec("c", "choice", "a", "pick", choices=("a", "b"))
    assert type(control_for(plain, [], 8)).__name__ == "Dropdown"


def test_the_explorer_runs_lrp_with_a_composite_object_given_to_set_params():
    data = make_shapes(2, seed=3)
    explainer = xw.Explainer(load_shapes_model())
    view = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names)
    try:
        assert view.wait(120)
        view.canvas.enabled_methods = [*view.canvas.enabled_methods, "lrp"]
        assert view.wait(120)
        composite = xw.lrp.Composite([(xw.lrp.LINEAR_LAYERS, xw.lrp.Epsilon(10.0))])
        view.set_params("lrp", composite=composite)
        assert view.wait(120)
        assert view.method_controls["lrp"].params["composite"] is composite
        assert view.canvas.panels["lrp"]["status"] == "idle"
        shown = from_wire(view.canvas.panels["lrp"]["values"]).astype(np.float32)
        expected = explainer.attribute(data.images[:1], "lrp", composite=composite).values[0]
        default = explainer.attribute(data.images[:1], "lrp").values[0]
        assert not torch.allclose(expected, default)
        scale = expected.abs().max().item()
        np.testing.assert_allclose(shown, expected.numpy(), rtol=2e-3, atol=2e-3 * scale)
    finally:
        view.worker.close()
