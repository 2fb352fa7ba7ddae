"""ExplorerCanvas: the browser half of the ImageExplorer (gallery, method panels, editing, display).

Python owns every trait below except the ones marked "JS writes", which carry user intent.
Arrays are wire dicts ``{"data": bytes, "dtype", "shape"}`` in one ``Array`` trait each.
Display-only traits (display_mode, colormap, sign, clip_percentile, opacity, reduction, show_mask) are
applied in JS and never trigger Python work.

Traits
------
samples                       Array uint8 (N, H, W, 3): gallery thumbnails of the original images
sample_labels                 list of {"true": str|None, "predicted": str, "correct": bool|None}
sample_index                  int, the selected sample (JS writes: gallery click, arrow keys); a value
                              outside 0..N-1 raises TraitError and never reaches the view
shown_samples                 list of int: the samples the gallery shows (a selection made in a linked
                              view, e.g. a ModelReport's confusion cell); empty: all of them
image                         Array uint8 (H, W, 3): the selected sample as the model sees it now
                              (after edits), shown under every panel
mask                          Array uint8 (H, W): ground-truth mask of the selected sample; empty
                              when the data has no masks
show_mask                     bool (JS writes): draw the mask outline in every panel
enabled_methods               list of method names, the panels in display order
panels                        {method: {"values": Array dict float16 [C, H, W] (C may be 1),
                              "signed": bool,
                              "status": "idle"|"computing"|"error", "error": str,
                              "elapsed_ms": float, "target": int, "delta": float|None}};
                              an errored panel has no "values".
                              A method in enabled_methods may be missing from panels until its
                              first result; then JS shows "computing".
target                        int, the class explained; -1 means the predicted class (Python writes it
                              when a class is picked in the target menu or a prediction bar's column
                              is clicked, and resets it to -1 when the sample changes; linkable)
target_label                  str, the class being explained (shown in the header)
clicked_pixel                 [row, col] in image coordinates, or [] (JS writes: click a panel)
edits                         list of edit operations, replayed on the original image in order
                              (JS writes; [] means unedited). Each is one of
                                {"tool": "paint", "points": [[r, c], ...], "radius": int, "color": [r, g, b] in 0..1}
                                {"tool": "erase", "points": [[r, c], ...], "radius": int, "fill": str}
                                {"tool": "rectangle", "rect": [r0, c0, r1, c1], "fill": str}   (inclusive corners)
                              paint sets the pixels within radius of the stroke to color; erase and
                              rectangle fill with their "fill" ("blur", "mean", "black"; none: the
                              baseline 0). While a stroke is dragged JS
                              replaces the last element with the growing stroke, throttled.
edit_tool                     "none" | "paint" | "erase" | "rectangle" (JS writes)
edit_fill                     "blur" | "mean" | "black": what erase and rectangle fill with, written
                              into each new edit (JS writes; the toolbar shows it)
brush_radius                  int (JS writes)
brush_color                   [r, g, b] in 0..1 (JS writes)
colormap                      "auto" (diverging for signed panels, sequential for unsigned) or a name
display_mode, sign, clip_percentile, opacity, reduction   as in HeatmapView (JS writes)
status                        "idle" | "computing" | "error": the explorer as a whole
error                         str: the last error message, shown; the view keeps working
display_size                  int: CSS px of a panel's longer side (0: automatic)
"""

from __future__ import annotations

import anywidget
import traitlets as t

from ..base.display_traits import DisplayTraits
from ..base.static_files import CSS, bundle
from ..base.wire import Array


class ExplorerCanvas(DisplayTraits, anywidget.AnyWidget):
    """The rendered part of :class:`~xai_widgets.widgets.views.image_explorer.ImageExplorer`."""

    _esm = bundle()
    _css = CSS

    view = t.Unicode("image_explorer").tag(sync=True)

    samples = Array().tag(sync=True)
    sample_labels = t.List(t.Dict()).tag(sync=True)
    sample_index = t.Int(0).tag(sync=True)
    shown_samples = t.List(t.Int()).tag(sync=True)
    # The gallery's length, which bounds sample_index; not synced (JS knows it from samples).
    n_samples = t.Int(0)

    image = Array().tag(sync=True)
    mask = Array().tag(sync=True)
    show_mask = t.Bool(True).tag(sync=True)

    enabled_methods = t.List(t.Unicode()).tag(sync=True)
    panels = t.Dict().tag(sync=True)
    target = t.Int(-1).tag(sync=True)
    target_label = t.Unicode("").tag(sync=True)
    clicked_pixel = t.List(t.Int(), maxlen=2).tag(sync=True)

    edits = t.List(t.Dict()).tag(sync=True)
    edit_tool = t.Enum(("none", "paint", "erase", "rectangle"), "none").tag(sync=True)
    edit_fill = t.Enum(("blur", "mean", "black"), "blur").tag(sync=True)
    brush_radius = t.Int(3, min=1, max=32).tag(sync=True)
    brush_color = t.List(t.Float(), default_value=[1.0, 1.0, 1.0], minlen=3, maxlen=3).tag(sync=True)

    colormap = t.Unicode("auto").tag(sync=True)

    status = t.Unicode("idle").tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    @t.validate("sample_index")
    def _sample_in_gallery(self, proposal: t.Bunch) -> int:
        index = int(proposal["value"])
        if index < 0 or (self.n_samples and index >= self.n_samples):
            bound = f"0..{self.n_samples - 1}, one per gallery image" if self.n_samples else "0 or more"
            raise t.TraitError(f"sample_index {index} is out of range {bound}")
        return index
