"""SequenceCanvas: the browser half of the SequenceExplorer (rows, the open sequence, its maps).

Python owns every trait below except those marked "JS writes", which carry user intent. Arrays
are wire dicts ``{"data": bytes, "dtype", "shape"}`` in one ``Array`` trait each. Look-only
traits (display_mode, row_method, zoom, colormap) are applied in JS and never trigger Python work.

Traits
------
alphabet          str, the letters of the one-hot channels in order ("ACGT")
rows              Array uint8 (K, L): the top-k sequences by output, letter codes (index into the
                  alphabet; 255 for an unknown base)
row_info          list of {"index": int (sample), "label": str|None, "output": float,
                  "output_text": str, "sites": [[start, end, strand], ...] | None}, one per row
row_scores        {method: Array float16 (K, L)}: per-base scores of the rows (``xw.base_scores``)
row_method        str (JS writes): the method whose scores colour the rows ("" = the first)
enabled_methods   list of method names, in chip order
selected          int (JS writes: a click on a row): the open row, -1 for none
reference         Array uint8 (L,): the open row's sequence as given
sequence          Array uint8 (L,): the open sequence after the edits, as the model sees it
edits             list of {"position": int, "base": str} (JS writes: the base picker, A/C/G/T keys)
output_label      str: the open sequence's output ("site p=0.981 (was 0.990)")
target_label      str: the class explained
maps              {method: {"values": Array float16 (L,) per-base scores, "status", "error",
                  "elapsed_ms", "units"}} of the open sequence; an errored entry has no values
mutagenesis       {"values": Array float16 (A, L), "status", "error", "elapsed_ms", "units"}:
                  the in-silico mutagenesis of the open sequence (mutant minus original)
display_mode      "letters" | "logo" (JS writes): rows as coloured letters or as logos
zoom              float, CSS px per base (JS writes: buttons, ctrl + wheel)
colormap          str, a diverging colormap name (JS writes)
status, error     the explorer's status ("idle" / "computing" / "error") and last error
"""

from __future__ import annotations

import anywidget
import traitlets as t

from ..base.static_files import CSS, bundle
from ..base.wire import Array

DISPLAY_MODES = ("letters", "logo")


class SequenceCanvas(anywidget.AnyWidget):
    """The rendered part of :class:`~xai_widgets.widgets.views.sequence_explorer.SequenceExplorer`."""

    _esm = bundle()
    _css = CSS

    view = t.Unicode("sequence").tag(sync=True)

    alphabet = t.Unicode("ACGT").tag(sync=True)
    rows = Array().tag(sync=True)
    row_info = t.List(t.Dict()).tag(sync=True)
    row_scores = t.Dict().tag(sync=True)
    row_method = t.Unicode("").tag(sync=True)
    enabled_methods = t.List(t.Unicode()).tag(sync=True)

    selected = t.Int(-1).tag(sync=True)
    # How many rows there are, which bounds `selected`; not synced (JS knows it from rows).
    n_rows = t.Int(0)
    reference = Array().tag(sync=True)
    sequence = Array().tag(sync=True)
    edits = t.List(t.Dict()).tag(sync=True)
    output_label = t.Unicode("").tag(sync=True)
    target_label = t.Unicode("").tag(sync=True)
    maps = t.Dict().tag(sync=True)
    mutagenesis = t.Dict().tag(sync=True)

    display_mode = t.Enum(DISPLAY_MODES, "letters").tag(sync=True)
    zoom = t.Float(11.0, min=0.01, max=64.0).tag(sync=True)
    colormap = t.Unicode("RdBu_r").tag(sync=True)

    status = t.Unicode("idle").tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    @t.validate("selected")
    def _selected_row(self, proposal: t.Bunch) -> int:
        row = int(proposal["value"])
        if row < -1 or (self.n_rows and row >= self.n_rows):
            raise t.TraitError(f"selected {row} is out of range: -1 (none) or 0..{self.n_rows - 1}, one per row")
        return row
