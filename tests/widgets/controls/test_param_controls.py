"""Controls from ParamSpecs: one factory per kind in a registry, used for every registered method."""

import ipywidgets as w
import pytest

import xai_widgets as xw
from xai_widgets.kernel import ParamSpec
from xai_widgets.widgets.controls.param_controls import CONTROL_FACTORIES, MethodControls, control_factory, control_for

KINDS = ("int", "float", "bool", "choice", "baseline", "layer", "window")


def test_every_param_kind_has_one_factory():
    assert set(KINDS) <= set(CONTROL_FACTORIES)


@pytest.mark.parametrize(
    "param, control_type, value",
    [
        (ParamSpec("n", "int", 8, "steps", minimum=1, maximum=512), w.IntSlider, 8),
        (ParamSpec("n", "int", 8, "steps", minimum=1), w.BoundedIntText, 8),
        (ParamSpec("s", "float", 0.5, "sigma", minimum=0.0, maximum=1.0), w.FloatSlider, 0.5),
        (ParamSpec("s", "float", 0.5, "sigma"), w.FloatText, 0.5),
        (ParamSpec("b", "bool", True, "flag"), w.Checkbox, True),
        (ParamSpec("c", "choice", "b", "pick", choices=("a", "b")), w.Dropdown, "b"),
        (ParamSpec("x0", "baseline", 0.0, "fill", choices=("zeros", "blur")), w.Dropdown, 0.0),
        (ParamSpec("layer", "layer", None, "where"), w.Dropdown, None),
        (ParamSpec("window", "window", None, "size"), w.Dropdown, None),
    ],
)
def test_each_kind_gets_its_control(param, control_type, value):
    control = control_for(param, layers=["features.0", "features.3"], spatial=16)
    assert isinstance(control, control_type) and control.value == value and control.description == param.name
    if param.kind == "int" and param.maximum is not None:
        assert control.max == 256  # a slider beyond 256 steps is too fine to drag
    if param.kind == "layer":
        assert [label for label, _ in control.options] == ["auto", "features.0", "features.3"]
    if param.kind == "window":
        assert max(size for _, size in control.options if size is not None) == 16


def test_a_kind_is_one_registration(monkeypatch):
    monkeypatch.setitem(CONTROL_FACTORIES, "bool", CONTROL_FACTORIES["bool"])
    made = []

    @control_factory("bool")
    def toggle(param, _context, common):
        made.append(param.name)
        return w.ToggleButton(value=bool(param.default), description=common["description"])

    control = control_for(ParamSpec("abs", "bool", True, "absolute"), [], 8)
    assert isinstance(control, w.ToggleButton) and made == ["abs"]


def test_an_unregistered_kind_is_refused_with_the_known_ones(monkeypatch):
    monkeypatch.delitem(CONTROL_FACTORIES, "window")
    with pytest.raises(ValueError, match="no control for parameter kind 'window'"):
        control_for(ParamSpec("window", "window", None, "size"), [], 8)


@pytest.mark.parametrize("name", sorted(xw.methods()))
def test_every_registered_method_gets_its_controls_and_reports_changes(name):
    spec = xw.methods()[name]
    changes = []
    controls = MethodControls(spec, ["conv"], 32, lambda method, params: changes.append((method, params)))
    assert set(controls.controls) == {param.name for param in spec.params}
    assert controls.params == {param.name: controls.controls[param.name].value for param in spec.params}
    for param in spec.params:
        if param.kind == "bool":
            controls.controls[param.name].value = not controls.controls[param.name].value
            assert changes[-1] == (name, controls.params)
    controls.close()


@pytest.mark.parametrize(
    "minimum, maximum, default", [(0.0, 180.0, 10.0), (0.0, 16.0, 0.5), (0.0, 1.0, 0.3), (0.5, 3.0, 1.7)]
)
def test_a_float_slider_keeps_its_default_on_the_step_grid(minimum, maximum, default):
    # The browser snaps a slider's value to min + k * step: a default off the grid would change.
    param = ParamSpec("x", "float", default, "a number", minimum=minimum, maximum=maximum)
    slider = control_for(param, layers=[], spatial=0)
    steps = (default - minimum) / slider.step
    assert abs(steps - round(steps)) < 1e-6 and slider.step <= (maximum - minimum) / 200
