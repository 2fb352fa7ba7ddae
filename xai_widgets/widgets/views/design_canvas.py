"""DesignCanvas: the browser half of the SequenceDesigner (the best sequences and their logo).

Traits (Python writes all but ``zoom``)
------
alphabet      str, the letters of the one-hot channels in order
sequences     Array uint8 (N, L): the best sequence of each start, letter codes
row_labels    list of str, one per start ("start 1  score 0.998")
highlights    list of [row, start, end, motif]: known motifs found in the sequences (either strand)
logo          Array float32 (A, L): letter heights in bits (frequency x information content) of
              the designed sequences; shown with two or more starts
caption       str: what the run is doing ("greedy: step 12 of 100 · 3,636 evaluations · running")
zoom          float, CSS px per base (JS writes: ctrl + wheel)
"""

from __future__ import annotations

import anywidget
import traitlets as t

from ..base.static_files import CSS, bundle
from ..base.wire import Array


class DesignCanvas(anywidget.AnyWidget):
    """The rendered part of :class:`~xai_widgets.widgets.views.sequence_designer.SequenceDesigner`."""

    _esm = bundle()
    _css = CSS

    view = t.Unicode("sequence_design").tag(sync=True)

    alphabet = t.Unicode("ACGT").tag(sync=True)
    sequences = Array().tag(sync=True)
    row_labels = t.List(t.Unicode()).tag(sync=True)
    highlights = t.List(t.List()).tag(sync=True)
    logo = Array().tag(sync=True)
    caption = t.Unicode("").tag(sync=True)
    zoom = t.Float(9.0, min=0.01, max=64.0).tag(sync=True)
