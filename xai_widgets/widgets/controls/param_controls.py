"""ipywidgets controls built from a method's ParamSpecs, so a new kernel method needs no widget code.

Each ParamSpec kind has one control factory in ``CONTROL_FACTORIES``; a new kind is one
``@control_factory("kind")`` registration.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
from traitlets import observe, validate

from ...kernel import MethodSpec, ParamSpec

_WIDE = w.Layout(width="280px")
_STYLE = {"description_width": "90px"}
_WINDOW_SIZES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
# Sliders beyond this many steps are too fine to drag: the range is cut there.
_MAX_INT_SLIDER = 256
# An object's option label is its repr, cut to what a dropdown shows.
_MAX_LABEL = 60


@dataclass(frozen=True)
class ControlContext:
    """What a factory may need beyond the spec: the model's layers and the input's spatial size."""

    layers: list[str]
    spatial: int


ControlFactory = Callable[[ParamSpec, ControlContext, dict[str, Any]], w.ValueWidget]
CONTROL_FACTORIES: dict[str, ControlFactory] = {}


def control_factory(kind: str) -> Callable[[ControlFactory], ControlFactory]:
    """Register the decorated function as the control factory of ParamSpec ``kind``."""

    def register(factory: ControlFactory) -> ControlFactory:
        CONTROL_FACTORIES[kind] = factory
        return factory

    return register


def control_for(param: ParamSpec, layers: list[str], spatial: int) -> w.ValueWidget:
    """One control for ``param``; ``layers`` feed layer pickers, ``spatial`` sizes window pickers."""
    factory = CONTROL_FACTORIES.get(param.kind)
    if factory is None:
        raise ValueError(f"no control for parameter kind {param.kind!r}; registered: {sorted(CONTROL_FACTORIES)}")
    common = dict(description=param.name, tooltip=param.help, style=_STYLE, layout=_WIDE)
    return factory(param, ControlContext(list(layers), spatial), common)


@control_factory("bool")
def _checkbox(param: ParamSpec, _context: ControlContext, common: dict[str, Any]) -> w.ValueWidget:
    return w.Checkbox(value=bool(param.default), indent=False, **common)


@control_factory("choice")
def _choice(param: ParamSpec, _context: ControlContext, common: dict[str, Any]) -> w.ValueWidget:
    if param.accepts is not None:
        return ObjectChoice(param.accepts, options=list(param.choices), value=param.default, **common)
    return w.Dropdown(options=list(param.choices), value=param.default, **common)


class ObjectChoice(w.Dropdown):
    """A dropdown of a choice's names that also takes an object of the ``accepts`` types as its value.

    Such an object (set from Python: ``control.value = obj``, as an explorer's ``set_params`` does)
    becomes one more option, labelled by its repr, and stays there to pick again; the names
    remain. Adding it keeps the selection (a plain Dropdown jumps to its first option when its
    options change, which would report a change the user never made).
    """

    def __init__(self, accepts: type | tuple[type, ...], **kwargs: Any) -> None:
        self._accepts = accepts
        self._appending = False
        super().__init__(**kwargs)

    @validate("value")
    def _validate_value(self, proposal: Any) -> Any:
        value = proposal.value
        if isinstance(value, self._accepts) and not any(option is value for option in self._options_values):
            self._append(value)
        return super()._validate_value(proposal)

    @observe("options")
    def _propagate_options(self, change: Any) -> None:
        if not self._appending:
            super()._propagate_options(change)
            return
        # Only an option was appended: the selected index still points at the same option.
        self.set_trait("_options_labels", tuple(label for label, _ in self._options_full))
        self._options_values = tuple(value for _, value in self._options_full)

    def _append(self, value: Any) -> None:
        labels = {label for label, _ in self._options_full}
        label = _object_label(value)
        count = 1
        while label in labels:  # labels pick the option in the browser: keep them unique
            count += 1
            label = f"{_object_label(value)} ({count})"
        self._appending = True
        try:
            self.options = (*self._options_full, (label, value))
        finally:
            self._appending = False


def _object_label(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


@control_factory("int")
def _integer(param: ParamSpec, _context: ControlContext, common: dict[str, Any]) -> w.ValueWidget:
    if param.maximum is not None and param.minimum is not None:
        maximum = min(int(param.maximum), _MAX_INT_SLIDER)
        return w.IntSlider(value=param.default, min=int(param.minimum), max=maximum, **common)
    return w.BoundedIntText(value=param.default, min=int(param.minimum or 0), max=10**9, **common)


@control_factory("float")
def _real(param: ParamSpec, _context: ControlContext, common: dict[str, Any]) -> w.ValueWidget:
    if param.maximum is not None and param.minimum is not None:
        step = _slider_step(param.minimum, param.maximum, param.default)
        return w.FloatSlider(value=param.default, min=param.minimum, max=param.maximum, step=step, **common)
    return w.FloatText(value=param.default, **common)


def _slider_step(minimum: float, maximum: float, default: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) of at most 1/200 of the range on whose grid
    the default lies: the browser snaps a slider's value to its steps, so a step of 0.9 on
    [0, 180] would turn a default of 10 into 9.9 as soon as the view is drawn."""
    raw = (maximum - minimum) / 200
    if raw <= 0:
        return 1.0
    exponent = math.floor(math.log10(raw))
    for power in range(exponent, exponent - 6, -1):
        for mantissa in (5, 2, 1):
            step = mantissa * 10.0**power
            if step > raw:
                continue
            units = (default - minimum) / step
            if abs(units - round(units)) < 1e-6:
                return step
    return raw


@control_factory("baseline")
def _baseline(param: ParamSpec, _context: ControlContext, common: dict[str, Any]) -> w.ValueWidget:
    options = [(_label(param.default), param.default)] if param.default not in param.choices else []
    options += [(choice, choice) for choice in param.choices]
    return w.Dropdown(options=options, value=param.default, **common)


@control_factory("layer")
def _layer(_param: ParamSpec, context: ControlContext, common: dict[str, Any]) -> w.ValueWidget:
    return w.Dropdown(options=[("auto", None)] + [(name, name) for name in context.layers], index=0, **common)


@control_factory("window")
def _window(_param: ParamSpec, context: ControlContext, common: dict[str, Any]) -> w.ValueWidget:
    sizes = [size for size in _WINDOW_SIZES if size <= max(context.spatial, 1)]
    return w.Dropdown(options=[("auto", None)] + [(str(size), size) for size in sizes], index=0, **common)


def _label(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class MethodControls(w.VBox):
    """The controls of one method; ``on_change(method, params)`` fires when the user moves one."""

    def __init__(
        self, spec: MethodSpec, layers: list[str], spatial: int, on_change: Callable[[str, dict], None]
    ) -> None:
        self.spec = spec
        self.controls = {param.name: control_for(param, layers, spatial) for param in spec.params}
        header = w.HTML(f"<b>{spec.name}</b> <span class='xw-muted'>{spec.family}</span>")
        children: list[w.Widget] = [header, *self.controls.values()]
        if not self.controls:
            children.append(w.HTML("<span class='xw-muted'>no parameters</span>"))
        super().__init__(children=children, layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px"))
        self._on_change = on_change
        for control in self.controls.values():
            control.observe(self._changed, names="value")

    @property
    def params(self) -> dict[str, Any]:
        """The controls' current values by parameter name."""
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, _change: dict) -> None:
        self._on_change(self.spec.name, self.params)
