"""ipywidgets controls built from a method's ParamSpecs, so a new kernel method needs no widget code."""

from __future__ import annotations

from typing import Any, Callable

import ipywidgets as w

from ..kernel import MethodSpec, ParamSpec

_WIDE = w.Layout(width="280px")
_STYLE = {"description_width": "90px"}


def control_for(param: ParamSpec, layers: list[str], spatial: int) -> w.ValueWidget:
    """One control for ``param``; ``layers`` feed layer pickers, ``spatial`` sizes window pickers."""
    common = dict(description=param.name, tooltip=param.help, style=_STYLE, layout=_WIDE)
    if param.kind == "bool":
        return w.Checkbox(value=bool(param.default), indent=False, **common)
    if param.kind == "choice":
        return w.Dropdown(options=list(param.choices), value=param.default, **common)
    if param.kind == "int":
        if param.maximum is not None and param.minimum is not None:
            maximum = min(int(param.maximum), 256)
            return w.IntSlider(value=param.default, min=int(param.minimum), max=maximum, **common)
        return w.BoundedIntText(value=param.default, min=int(param.minimum or 0), max=10**9, **common)
    if param.kind == "float":
        if param.maximum is not None and param.minimum is not None:
            step = (param.maximum - param.minimum) / 200
            return w.FloatSlider(value=param.default, min=param.minimum, max=param.maximum, step=step, **common)
        return w.FloatText(value=param.default, **common)
    if param.kind == "baseline":
        options = [(_label(param.default), param.default)] if param.default not in param.choices else []
        options += [(choice, choice) for choice in param.choices]
        return w.Dropdown(options=options, value=param.default, **common)
    if param.kind == "layer":
        return w.Dropdown(options=[("auto", None)] + [(name, name) for name in layers], index=0, **common)
    if param.kind == "window":
        sizes = [size for size in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64) if size <= max(spatial, 1)]
        return w.Dropdown(options=[("auto", None)] + [(str(s), s) for s in sizes], index=0, **common)
    raise ValueError(f"no control for parameter kind {param.kind!r}")


def _label(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class MethodControls(w.VBox):
    """The controls of one method; ``on_change(method, params)`` fires when the user moves one."""

    def __init__(self, spec: MethodSpec, layers: list[str], spatial: int, on_change: Callable[[str, dict], None]) -> None:
        self.spec = spec
        self.controls = {param.name: control_for(param, layers, spatial) for param in spec.params}
        header = w.HTML(f"<b>{spec.name}</b> <span class='xw-muted'>{spec.family}</span>")
        children = [header] + list(self.controls.values())
        if not self.controls:
            children.append(w.HTML("<span class='xw-muted'>no parameters</span>"))
        super().__init__(children=children, layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px"))
        self._on_change = on_change
        for control in self.controls.values():
            control.observe(self._changed, names="value")

    @property
    def params(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, _change: dict) -> None:
        self._on_change(self.spec.name, self.params)
