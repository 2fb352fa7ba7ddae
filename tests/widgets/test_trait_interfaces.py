"""Each anywidget view's synced Python traits equal the fields of its TypeScript traits interface.

A view's front end lives in `js/src/views/<view>/` (named by the class's `view` trait) and declares
`export interface <Name>Traits { ... }` in `traits.ts`, one `name: type;` or `name?: type;` per line.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import anywidget
import pytest

import xai_widgets.widgets

VIEWS_DIR = Path(__file__).resolve().parents[2] / "js" / "src" / "views"

_INTERFACE_START = re.compile(r"^export interface (\w+Traits)\b[^{]*\{\s*$")
_INTERFACE_END = re.compile(r"^\}\s*;?\s*$")
_FIELD = re.compile(r"^\s*(?:readonly\s+)?(\w+)\??\s*:\s*\S.*;\s*(?://.*)?$")
_COMMENT = re.compile(r"^\s*(//|/\*|\*)")


def interface_fields(source: str) -> set[str]:
    """The field names of the one `export interface ...Traits` in a TypeScript source.

    Raises ValueError when there is not exactly one such interface, or a line in it is neither
    a one-line field, a comment nor blank (so a field the parser cannot read fails loudly).
    """
    lines = source.splitlines()
    starts = [i for i, line in enumerate(lines) if _INTERFACE_START.match(line)]
    if len(starts) != 1:
        raise ValueError(f"expected one `export interface ...Traits {{` line, found {len(starts)}")
    fields: set[str] = set()
    for line in lines[starts[0] + 1 :]:
        if _INTERFACE_END.match(line):
            return fields
        if not line.strip() or _COMMENT.match(line):
            continue
        field = _FIELD.match(line)
        if field is None:
            raise ValueError(f"cannot read this line of the traits interface as one field: {line!r}")
        if field.group(1) in fields:
            raise ValueError(f"field {field.group(1)!r} is declared twice")
        fields.add(field.group(1))
    raise ValueError("the traits interface is not closed by a `}` line")


def anywidget_views() -> list[type[anywidget.AnyWidget]]:
    """Every AnyWidget subclass exported by or defined in `xai_widgets.widgets` (all modules imported)."""
    package = xai_widgets.widgets
    modules = [package]
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        modules.append(importlib.import_module(info.name))
    found: dict[str, type[anywidget.AnyWidget]] = {}
    for module in modules:
        for _, value in inspect.getmembers(module, inspect.isclass):
            if not issubclass(value, anywidget.AnyWidget) or value is anywidget.AnyWidget:
                continue
            if module is package or value.__module__.startswith(package.__name__):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def own_synced_traits(cls: type[anywidget.AnyWidget]) -> set[str]:
    """The class's `sync=True` traits, less those every AnyWidget has."""
    return set(cls.class_trait_names(sync=True)) - set(anywidget.AnyWidget.class_trait_names(sync=True))


def test_parser_reads_fields_and_rejects_what_it_cannot_read() -> None:
    sample = """import type { WireArray } from "../../lib/decode";

export interface PanelEntry {
  values?: WireArray;
}

/** The traits. */
export interface SampleTraits {
  // Python sets this one.
  view: string;
  image: WireArray | null;
  panels?: Record<string, { status: string }>;
  /** Written by JS. */
  clicked_pixel: number[];
}
"""
    assert interface_fields(sample) == {"view", "image", "panels", "clicked_pixel"}
    with pytest.raises(ValueError, match="one field"):
        interface_fields(sample.replace("  view: string;", "  view:\n    string;"))
    with pytest.raises(ValueError, match="declared twice"):
        interface_fields(sample.replace("  image: WireArray | null;", "  image: WireArray;\n  image?: null;"))
    with pytest.raises(ValueError, match="found 0"):
        interface_fields(sample.replace("SampleTraits", "SampleState"))
    with pytest.raises(ValueError, match="not closed"):
        interface_fields(sample[: sample.rindex("}")])


def test_every_anywidget_view_is_found() -> None:
    names = {cls.__name__ for cls in anywidget_views()}
    assert {"HeatmapView", "ExplorerCanvas"} <= names


@pytest.mark.parametrize("cls", anywidget_views(), ids=lambda cls: cls.__name__)
def test_synced_traits_match_the_typescript_interface(cls: type[anywidget.AnyWidget]) -> None:
    traits = cls.class_traits()
    assert "view" in traits, f"{cls.__name__} has no `view` trait naming its front end in js/src/views/"
    view = traits["view"].default_value
    traits_file = VIEWS_DIR / view / "traits.ts"
    assert traits_file.is_file(), f"{cls.__name__} (view {view!r}) has no js/src/views/{view}/traits.ts"
    typescript = interface_fields(traits_file.read_text(encoding="utf-8"))
    python = own_synced_traits(cls)
    assert python == typescript, (
        f"{cls.__name__} and {traits_file.name}: only in Python {sorted(python - typescript)}, "
        f"only in TypeScript {sorted(typescript - python)}"
    )
