"""ConfusionCanvas: the browser half of the ModelReport's confusion matrix (and threshold slider).

The matrix is counted in the browser from the labels and the scores (binary) or predicted
classes (multi-class) sent once as bytes, so moving the threshold repaints it with no round trip;
Python hears the new threshold and moves the operating point on the curves.

Traits
------
class_names     list of str, one per class (rows and columns, in order)
labels          Array float32 (N,): each sample's true class
predictions     Array float32 (N,): each sample's predicted class (the argmax; multi-class models)
scores          Array float32 (N,): each sample's score for class 1, binary models only (empty
                otherwise); a sample is predicted as class 1 when its score >= threshold
threshold       float in [0, 1] (JS writes: the slider)
normalize       bool (JS writes: the toggle): cells show row fractions instead of counts
selected_cell   [true class, predicted class], or [] (JS writes: a click on a cell)
title           str, above the matrix
"""

from __future__ import annotations

import anywidget
import traitlets as t

from ..base.static_files import CSS, bundle
from ..base.wire import Array


class ConfusionCanvas(anywidget.AnyWidget):
    """The rendered confusion matrix of :class:`~xai_widgets.widgets.views.model_report.ModelReport`."""

    _esm = bundle()
    _css = CSS

    view = t.Unicode("confusion").tag(sync=True)

    class_names = t.List(t.Unicode()).tag(sync=True)
    labels = Array().tag(sync=True)
    predictions = Array().tag(sync=True)
    scores = Array().tag(sync=True)
    threshold = t.Float(0.5).tag(sync=True)
    normalize = t.Bool(False).tag(sync=True)
    selected_cell = t.List(t.Int(), maxlen=2).tag(sync=True)
    title = t.Unicode("Confusion matrix (click a cell to select its samples)").tag(sync=True)

    @t.validate("threshold")
    def _threshold_in_range(self, proposal: t.Bunch) -> float:
        value = float(proposal["value"])
        if not 0.0 <= value <= 1.0:
            raise t.TraitError(f"threshold {value} is outside [0, 1]: it is a probability of the positive class")
        return value

    @t.validate("selected_cell")
    def _cell_in_matrix(self, proposal: t.Bunch) -> list[int]:
        cell = list(proposal["value"])
        n = len(self.class_names)
        if cell and (len(cell) != 2 or not all(0 <= i < n for i in cell)):
            raise t.TraitError(f"selected_cell must be [true class, predicted class] with each in 0..{n - 1}, or []")
        return cell
