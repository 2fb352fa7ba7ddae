"""Method chips: a toggle button per registered method, shared by the explorers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import ipywidgets as w

from ...kernel import ExplainerError, MethodSpec


def check_methods(names: Iterable[str], specs: Mapping[str, MethodSpec]) -> list[str]:
    """``names`` as a list, or an ExplainerError naming the unknown ones and what is available."""
    listed = list(names)
    unknown = [name for name in listed if name not in specs]
    if unknown:
        raise ExplainerError(f"unknown method(s) {unknown}; available: {list(specs)}")
    return listed


def methods_for(data: str, specs: Mapping[str, MethodSpec], enabled: Iterable[str] = ()) -> dict[str, MethodSpec]:
    """The methods that can explain ``data`` ("image", "table" or "sequence"), in registration
    order, plus any the caller enabled by name (so an explicit choice still gets its chip)."""
    asked = set(enabled)
    return {name: spec for name, spec in specs.items() if spec.applies_to(data) or name in asked}


def method_chips(
    specs: Mapping[str, MethodSpec], enabled: Iterable[str], on_toggle: Callable[[str, bool], None]
) -> dict[str, w.ToggleButton]:
    """One chip per method, pressed where enabled, its tooltip the first line of the method's doc."""
    pressed = set(enabled)
    chips = {}
    for name, spec in specs.items():
        tooltip = spec.doc.splitlines()[0] if spec.doc else name
        chip = w.ToggleButton(value=name in pressed, description=name, tooltip=tooltip, layout=w.Layout(width="auto"))
        chip.add_class("xw-method-chip")
        chip.observe(lambda change, name=name: on_toggle(name, change["new"]), names="value")
        chips[name] = chip
    return chips


def toggled(enabled: Iterable[str], order: Iterable[str], name: str, on: bool) -> list[str]:
    """The enabled methods after ``name`` was turned on or off, in ``order`` (the chips' order)."""
    current = set(enabled)
    current = current | {name} if on else current - {name}
    return [method for method in order if method in current]
