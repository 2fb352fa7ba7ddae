"""Where the built front end lives; every view loads the same bundle and picks itself by `view`."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
ESM = STATIC / "widget.js"
CSS = STATIC / "widget.css"


def bundle() -> Path:
    """The bundle's path, or a clear error saying how to build it."""
    if not ESM.exists():
        raise FileNotFoundError(
            f"the xai_widgets front end is not built ({ESM} is missing): run `npm ci && npm run build` "
            "in the source tree, or reinstall with `pip install .`"
        )
    return ESM
