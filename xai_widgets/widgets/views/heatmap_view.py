"""HeatmapView: one attribution map drawn over its image, with display controls applied in JS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anywidget
import traitlets as t

from ...kernel import Attribution
from ..base.display_traits import DisplayTraits
from ..base.static_files import CSS, bundle
from ..base.wire import Array, to_wire
from .units import method_units


class HeatmapView(DisplayTraits, anywidget.AnyWidget):
    """An attribution over its image. The display mode (heat map, blended heat map, masked image,
    alpha scaling: Captum's ``visualize_image_attr`` layouts), colormap, sign, clipping, opacity
    and channel reduction only change the look and are applied in the browser; a click sets
    ``clicked_pixel``.

    Build one with :meth:`from_attribution`, or set the traits yourself (``image`` float16
    (C, H, W), ``attribution`` float16 (C, H, W) or (H, W), ``mask`` uint8 (H, W), each made
    with ``to_wire``).
    """

    _esm = bundle()
    _css = CSS

    view = t.Unicode("heatmap").tag(sync=True)
    image = Array().tag(sync=True)
    attribution = Array().tag(sync=True)
    mask = Array().tag(sync=True)

    colormap = t.Unicode("RdBu_r").tag(sync=True)
    show_mask = t.Bool(True).tag(sync=True)
    # False hides the display controls: for a picture whose look its owner sets (an image alone).
    show_controls = t.Bool(True).tag(sync=True)
    #: What the map shows ("integrated_gradients · target: cat") and what its numbers measure.
    title = t.Unicode("").tag(sync=True)
    units = t.Unicode("").tag(sync=True)

    clicked_pixel = t.List(t.Int(), maxlen=2).tag(sync=True)
    status = t.Unicode("idle").tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    elapsed_ms = t.Float(0.0).tag(sync=True)

    def set_image(self, image: Any) -> None:
        """Show ``image``, a (C, H, W) array in [0, 1]."""
        self.image = to_wire(image, "float16")

    def set_attribution(self, values: Any) -> None:
        """Show ``values``, a (C, H, W) or (H, W) attribution map."""
        self.attribution = to_wire(values, "float16")

    def set_mask(self, mask: Any) -> None:
        """Outline a boolean (H, W) mask, such as a ground-truth object."""
        self.mask = to_wire(mask, "uint8")

    @classmethod
    def from_attribution(
        cls,
        image: Any,
        result: Attribution,
        index: int = 0,
        class_names: Sequence[str] | None = None,
        **traits: Any,
    ) -> HeatmapView:
        """A view of sample ``index`` of an :class:`Attribution` over its input ``image`` (C, H, W),
        titled with the method and target class (named from ``class_names`` when given)."""
        if not result.signed and "colormap" not in traits:
            traits["colormap"] = "inferno"
        targets = result.target.reshape(-1)
        target = int(targets[index if index < targets.numel() else 0])
        name = class_names[target] if class_names is not None and 0 <= target < len(class_names) else f"class {target}"
        traits.setdefault("title", f"{result.method} · target: {name}")
        traits.setdefault("units", method_units(result.method, result.signed))
        view = cls(**traits)
        view.set_image(image)
        view.set_attribution(result.values[index])
        view.elapsed_ms = result.elapsed_ms
        return view
