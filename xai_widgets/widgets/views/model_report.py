"""ModelReport: the model's report card over a labelled data set (confusion matrix, per-class
report, ROC, precision-recall, KS and lift, calibration, and for tables a global tree surrogate),
linked to the explorers: a click on a confusion cell selects its samples, which a linked
ImageExplorer or TabularExplorer then shows."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets

from ...kernel import Explainer, ExplainerError, performance
from ..base.view import BaseView, Work
from ..base.wire import to_wire
from ..charts.report_charts import MICRO_COLOUR, CurveChart, KSChart, LiftChart, class_colour, report_table
from ..charts.uncertainty_charts import ReliabilityDiagram
from .confusion_canvas import ConfusionCanvas
from .selection_link import SelectionLink, link_selection
from .surrogate_view import SurrogateView

SECTIONS = ("ROC & precision-recall", "KS & lift", "Calibration", "Surrogate")


class ModelReport(BaseView):
    """How good is the classifier, and on which samples does it fail?

    Args:
        explainer: the bound classifier.
        data: the samples (N, ...): images (N, C, H, W) or a table (N, F).
        labels: the true class per sample (N,).
        class_names: one per class; default "0", "1", ...
        feature_names: one per column of a table (for the surrogate's splits).
        n_bins: groups of the lift chart; calibration_bins: bins of the reliability diagram.
        surrogate_depth: depth of the tree surrogate (tables only).

    Shows the confusion matrix (counts or row fractions, a toggle), the per-class report
    (precision, recall, F1, support), ROC and precision-recall curves per class with their areas
    in the key (and the micro average for more than two classes), the KS and lift charts of one
    class against the rest (the positive class of a binary model; a menu for more classes), the
    reliability diagram with its ECE, and for a table a global tree surrogate (``surrogate``, a
    :class:`SurrogateView`). A binary model gets a threshold slider: the matrix is recounted in
    the browser as it moves, and the report and the operating point on every curve follow.

    Synced traits: ``threshold`` (binary models: class 1 is predicted when its probability is
    at least this), ``normalize``, ``selected_cell`` ([true class, predicted class], set by a
    click on a cell), ``selected_samples`` (the samples of the selected cell, or of a surrogate
    leaf clicked), ``curve_class`` (the class of the KS and lift charts) and ``section`` (the
    charts shown below the matrix). ``report.link(explorer)`` makes an explorer built on the
    same samples show exactly the selected ones.
    """

    threshold = traitlets.Float(0.5).tag(sync=True)
    normalize = traitlets.Bool(False).tag(sync=True)
    selected_cell = traitlets.List(traitlets.Int(), maxlen=2).tag(sync=True)
    selected_samples = traitlets.List(traitlets.Int()).tag(sync=True)
    curve_class = traitlets.Int(1).tag(sync=True)
    section = traitlets.Unicode(SECTIONS[0]).tag(sync=True)

    worker_name = "model-report"

    def __init__(
        self,
        explainer: Explainer,
        data: Any,
        labels: Any,
        class_names: Sequence[str] | None = None,
        feature_names: Sequence[str] | None = None,
        n_bins: int = 10,
        calibration_bins: int = 10,
        surrogate_depth: int = 3,
    ) -> None:
        self.explainer = explainer
        self.X = torch.as_tensor(np.asarray(data) if not isinstance(data, torch.Tensor) else data).detach().cpu()
        if not self.X.is_floating_point():
            self.X = self.X.float()
        if self.X.ndim < 2 or len(self.X) < 2:
            raise ExplainerError(
                f"data must be a batch (N, ...) of at least two samples, got shape {tuple(self.X.shape)}"
            )
        raw_labels = torch.as_tensor(np.asarray(labels) if not isinstance(labels, torch.Tensor) else labels).detach()
        if raw_labels.is_floating_point() and not bool((raw_labels == raw_labels.round()).all()):
            raise ExplainerError("labels must be class indices (whole numbers), one per sample")
        self.labels = raw_labels.flatten().long().cpu()
        if len(self.labels) != len(self.X):
            raise ExplainerError(f"labels has {len(self.labels)} entries for {len(self.X)} samples")
        outputs = explainer.outputs(self.X[:1])
        if explainer.is_regression(outputs):
            raise ExplainerError("ModelReport is for classifiers; this model has one output (a regression)")
        self.probabilities = explainer.predict(self.X).float().cpu()
        self.n_classes = int(self.probabilities.shape[1])
        if int(self.labels.min()) < 0 or int(self.labels.max()) >= self.n_classes:
            raise ExplainerError(
                f"labels must be class indices from 0 to {self.n_classes - 1} "
                f"(the model has {self.n_classes} outputs), "
                f"got values from {int(self.labels.min())} to {int(self.labels.max())}"
            )
        self.class_names = (
            [str(i) for i in range(self.n_classes)] if class_names is None else [str(c) for c in class_names]
        )
        if len(self.class_names) != self.n_classes:
            raise ExplainerError(f"{len(self.class_names)} class names for a model with {self.n_classes} outputs")
        self.binary = self.n_classes == 2
        self.n_bins, self.calibration_bins = n_bins, calibration_bins
        self.tabular = self.X.ndim == 2

        super().__init__()
        self.matrix = np.zeros((self.n_classes, self.n_classes), np.int64)
        self.report: dict[str, Any] = {}
        self.operating_point: dict[str, float] = {}
        self.areas: dict[str, float] = {}
        self.ece = float("nan")
        self._curves_key: Any = None
        self._selecting_leaf = False
        self._clearing_leaf = False
        self.canvas = ConfusionCanvas(
            class_names=self.class_names,
            labels=to_wire(self.labels.numpy(), "float32"),
            predictions=to_wire(self.probabilities.argmax(1).numpy(), "float32"),
            scores=to_wire(self.probabilities[:, 1].numpy(), "float32")
            if self.binary
            else to_wire(np.zeros(0), "float32"),
            # As wide as the matrix, so the report fits beside it.
            layout=w.Layout(width="fit-content", flex="0 0 auto"),
        )
        for name in ("threshold", "normalize", "selected_cell"):
            traitlets.link((self, name), (self.canvas, name))
        self.surrogate = (
            SurrogateView(explainer, self.X, feature_names, self.class_names, max_depth=surrogate_depth)
            if self.tabular
            else None
        )
        self._build_layout()
        self.add_class("xw-model-report")

        self.observe(self._on_threshold, names="threshold")
        self.observe(self._cell_changed, names="selected_cell")
        self.observe(self._class_changed, names="curve_class")
        self.observe(self._on_section, names="section")
        self.observe(self._show_status, names=["status", "error"])
        if self.surrogate is not None:
            self.surrogate.observe(self._leaf_selected, names="selected_samples")
        if self.binary or not 0 <= self.curve_class < self.n_classes:
            self.curve_class = 1 if self.binary else 0
        self._describe_selection("")
        self._show_status()
        self.refresh()

    # ---- for users, scripts and tests ----------------------------------------------------------
    def _parts(self) -> list[w.Widget]:
        # The sections not shown right now are not among the children.
        return list(getattr(self, "pages", {}).values())

    def link(self, *explorers: Any) -> list[SelectionLink]:
        """Make ``explorers`` (ImageExplorer or TabularExplorer on the same samples, in the same
        order) show exactly the selected samples; returns the links (``.unlink()`` ends one)."""
        return link_selection(self, *explorers)

    def predicted(self) -> np.ndarray:
        """The predicted class per sample at the current threshold (binary) or the argmax."""
        if self.binary:
            # float64 on both sides, as the browser compares, so both count the same samples.
            return (self.probabilities[:, 1].double().numpy() >= self.threshold).astype(np.int64)
        return self.probabilities.argmax(1).numpy()

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until this view's work (and its surrogate's) is done; False on timeout."""
        surrogate_done = self.surrogate.wait(timeout) if self.surrogate is not None else True
        return super().wait(timeout) and surrogate_done

    @traitlets.validate("threshold")
    def _threshold_in_range(self, proposal: traitlets.Bunch) -> float:
        value = float(proposal["value"])
        if not 0.0 <= value <= 1.0:
            raise traitlets.TraitError(f"threshold {value} is outside [0, 1]: it is a probability of class 1")
        return value

    @traitlets.validate("curve_class")
    def _class_in_range(self, proposal: traitlets.Bunch) -> int:
        value = int(proposal["value"])
        # Before __init__ has counted the classes any value passes; it is checked again there.
        n = getattr(self, "n_classes", None)
        if n is not None and not 0 <= value < n:
            raise traitlets.TraitError(f"curve_class {value} is out of range 0..{n - 1} (one of the model's classes)")
        return value

    # ---- set-up ----------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.status_label = w.HTML()
        self.selection_label = w.HTML()
        self.report_html = w.HTML(layout=w.Layout(margin="0 0 0 16px"))
        self.roc = CurveChart("ROC", "false positive rate", "true positive rate", "xw-roc-chart")
        self.pr = CurveChart("Precision-recall", "recall", "precision", "xw-pr-chart")
        self.ks = KSChart()
        self.lift = LiftChart()
        self.reliability = ReliabilityDiagram()
        self.class_dropdown = w.Dropdown(
            options=[(name, i) for i, name in enumerate(self.class_names)],
            description="class against the rest",
            style={"description_width": "initial"},
            layout=w.Layout(width="320px", display="none" if self.binary else None),
        )
        self.class_dropdown.add_class("xw-curve-class")
        traitlets.link((self.class_dropdown, "value"), (self, "curve_class"))
        pages: list[w.Widget] = [
            w.HBox(
                [w.VBox([self.roc.figure, self.roc.key]), w.VBox([self.pr.figure, self.pr.key])],
                layout=w.Layout(flex_flow="row wrap"),
            ),
            w.VBox(
                [
                    self.class_dropdown,
                    w.HBox(
                        [w.VBox([self.ks.figure, self.ks.key]), w.VBox([self.lift.figure, self.lift.key])],
                        layout=w.Layout(flex_flow="row wrap"),
                    ),
                ]
            ),
            w.VBox([self.reliability.figure, self.reliability.key]),
        ]
        if self.surrogate is not None:
            pages.append(self.surrogate)
        # One section in the page at a time, chosen by buttons, rather than a Tab: a bqplot figure
        # drawn inside a hidden tab has no size and draws negative rectangles.
        self.pages = dict(zip(SECTIONS, pages, strict=False))
        self.section_buttons = w.ToggleButtons(options=list(self.pages), style={"button_width": "auto"})
        self.section_buttons.add_class("xw-report-sections")
        traitlets.link((self.section_buttons, "value"), (self, "section"))
        self.section_box = w.Box([pages[0]], layout=w.Layout(width="100%"))
        self.set_parts(
            [
                self.status_label,
                w.HBox(
                    [self.canvas, self.report_html], layout=w.Layout(flex_flow="row wrap", align_items="flex-start")
                ),
                self.selection_label,
                self.section_buttons,
                self.section_box,
            ]
        )

    # ---- events (comm thread) ----------------------------------------------------------------
    def _on_threshold(self, _change: dict) -> None:
        # A cell's samples depend on the threshold; a surrogate leaf's do not.
        if self.selected_cell:
            self._select_cell()
        self.refresh()

    def _cell_changed(self, change: dict) -> None:
        if self._selecting_leaf:
            return
        surrogate = self.surrogate
        if change["new"] and surrogate is not None and surrogate.selected_leaf != -1:
            # The cell's samples replace the leaf's: unmark the leaf without selecting anything.
            self._clearing_leaf = True
            try:
                surrogate.selected_leaf = -1
            finally:
                self._clearing_leaf = False
        self._select_cell()

    def _class_changed(self, _change: dict) -> None:
        self.refresh()

    def _on_section(self, change: dict) -> None:
        if change["new"] not in self.pages:
            self.error = f"section must be one of {list(self.pages)}, got {change['new']!r}"
            self.section = change["old"]
            return
        self.section_box.children = [self.pages[change["new"]]]

    def _leaf_selected(self, change: dict) -> None:
        if self._clearing_leaf:
            return
        # A surrogate leaf's samples replace a cell's: the cell is no longer what is selected.
        self._selecting_leaf = True
        try:
            self.selected_cell = []
        finally:
            self._selecting_leaf = False
        self.selected_samples = list(change["new"])
        leaf = self.surrogate.selected_leaf if self.surrogate is not None else -1
        self._describe_selection(f"surrogate leaf {leaf}" if leaf != -1 else "")

    def _select_cell(self) -> None:
        cell = self.selected_cell
        if len(cell) != 2:
            self.selected_samples = []
            self._describe_selection("")
            return
        truth, guess = cell
        chosen = (self.labels.numpy() == truth) & (self.predicted() == guess)
        self.selected_samples = np.flatnonzero(chosen).tolist()
        self._describe_selection(f"true {self.class_names[truth]}, predicted {self.class_names[guess]}")

    def _describe_selection(self, what: str) -> None:
        if not what:
            self.selection_label.value = (
                "<span class='xw-report-selection' data-count='0'>Click a cell of the matrix to select its samples"
                " (and show them in a linked explorer).</span>"
            )
            return
        n = len(self.selected_samples)
        self.selection_label.value = (
            f"<span class='xw-report-selection' data-count='{n}'><b>{n} samples selected</b> "
            f"({html.escape(what)})</span>"
        )

    def _show_status(self, _change: dict | None = None) -> None:
        error = (
            f" <span class='xw-report-error' style='color:#b00'>{html.escape(self.error)}</span>" if self.error else ""
        )
        self.status_label.value = (
            f"<span class='xw-report-status' data-status='{self.status}'>{self.status}</span>"
            f" <span class='xw-muted'>{self.elapsed_ms:.1f} ms</span>{error}"
        )

    # ---- work (worker thread) -----------------------------------------------------------------
    def _update(self, work: Work) -> str:
        errors: list[str] = []
        key = self.curve_class
        if key != self._curves_key:
            errors += self._guarded(self._show_curves)
            work.check()
            errors += self._guarded(self._show_ranking, key)
            work.check()
            errors += self._guarded(self._show_calibration)
            self._curves_key = key
        work.check()
        errors += self._guarded(self._show_threshold)
        return "; ".join(errors)

    @staticmethod
    def _guarded(function: Any, *args: Any) -> list[str]:
        """Run one part; its ExplainerError becomes a message and the other parts still show."""
        try:
            function(*args)
        except ExplainerError as failure:
            return [str(failure)]
        return []

    def _show_curves(self) -> None:
        labels, probabilities = self.labels, self.probabilities
        if self.binary:
            positive = self.class_names[1]
            fpr, tpr, _ = performance.roc_curve(labels, probabilities[:, 1])
            precision, recall, _ = performance.precision_recall_curve(labels, probabilities[:, 1])
            auc = float(performance.roc_auc(labels, probabilities[:, 1]))
            ap = float(performance.average_precision(labels, probabilities[:, 1]))
            self.roc.show([(fpr.numpy(), tpr.numpy(), f"{positive}: AUC {auc:.3f}", class_colour(1), False)])
            share = float((labels == 1).double().mean())
            self.pr.show(
                [(recall.numpy(), precision.numpy(), f"{positive}: AP {ap:.3f}", class_colour(1), False)], share
            )
            self.roc.figure.title = f"ROC of {positive} (AUC {auc:.3f})"
            self.pr.figure.title = f"Precision-recall of {positive} (AP {ap:.3f})"
            self.areas = {"roc_auc": auc, "average_precision": ap}
            return
        roc = performance.roc_curves(labels, probabilities)
        pr = performance.precision_recall_curves(labels, probabilities)
        roc_lines, pr_lines = [], []
        for c, name in enumerate(self.class_names):
            fpr, tpr, _ = roc.curves[c]
            precision, recall, _ = pr.curves[c]
            if np.isfinite(float(roc.areas[c])):
                roc_lines.append(
                    (fpr.numpy(), tpr.numpy(), f"{name}: AUC {float(roc.areas[c]):.3f}", class_colour(c), False)
                )
            if np.isfinite(float(pr.areas[c])):
                pr_lines.append(
                    (recall.numpy(), precision.numpy(), f"{name}: AP {float(pr.areas[c]):.3f}", class_colour(c), False)
                )
        fpr, tpr, _ = roc.micro_curve
        precision, recall, _ = pr.micro_curve
        roc_lines.append((fpr.numpy(), tpr.numpy(), f"micro average: AUC {float(roc.micro):.3f}", MICRO_COLOUR, True))
        pr_lines.append(
            (recall.numpy(), precision.numpy(), f"micro average: AP {float(pr.micro):.3f}", MICRO_COLOUR, True)
        )
        self.roc.show(roc_lines)
        self.pr.show(pr_lines, 1.0 / self.n_classes)
        self.roc.figure.title = f"ROC, each class against the rest (macro AUC {float(roc.macro):.3f})"
        self.pr.figure.title = f"Precision-recall per class (macro AP {float(pr.macro):.3f})"
        self.areas = {"roc_auc": float(roc.macro), "average_precision": float(pr.macro)}

    def _show_ranking(self, c: int) -> None:
        name = self.class_names[c]
        positive = (self.labels == c).long()
        scores = self.probabilities[:, c]
        ks = performance.ks_curve(positive, scores)
        self.ks.show(
            ks.thresholds.numpy(),
            ks.positive_rate.numpy(),
            ks.negative_rate.numpy(),
            float(ks.statistic),
            float(ks.threshold),
            f"KS of {name} against the rest: {float(ks.statistic):.3f} at P = {float(ks.threshold):.2f}",
            name,
        )
        lift = performance.lift_curve(positive, scores, n_bins=min(self.n_bins, len(scores)))
        self.lift.show(
            lift.fraction.numpy(),
            lift.lift.numpy(),
            lift.cumulative_lift.numpy(),
            f"Lift of {name}: {float(lift.lift[0]):.2f}× in the top {float(lift.fraction[0]):.0%}",
        )

    def _show_calibration(self) -> None:
        curve = performance.reliability_curve(self.probabilities, self.labels, n_bins=self.calibration_bins)
        ece = float(
            performance.expected_calibration_error(self.probabilities, self.labels, n_bins=self.calibration_bins)
        )
        self.ece = ece
        self.reliability.show(
            curve.bin_edges.numpy(),
            curve.confidence.numpy(),
            curve.accuracy.numpy(),
            f"Reliability (ECE {ece:.3f}, {self.calibration_bins} bins)",
        )

    def _show_threshold(self) -> None:
        predicted = self.predicted()
        labels = self.labels.numpy()
        classes = list(range(self.n_classes))
        self.matrix = performance.confusion_matrix(labels, predicted, labels=classes).numpy()
        self.report = performance.classification_report(
            labels, predicted, labels=classes, target_names=self.class_names
        )
        caption = f"Per-class report at threshold {self.threshold:.2f}" if self.binary else "Per-class report"
        self.report_html.value = report_table(self.report, self.class_names, caption)
        if not self.binary:
            for chart in (self.roc, self.pr):
                chart.mark(None, None)
            self.ks.mark(None)
            self.lift.mark(None)
            return
        # The operating point: what predicting class 1 at score >= threshold gives.
        positive = labels == 1
        chosen = predicted == 1
        true_positives, false_positives = int((chosen & positive).sum()), int((chosen & ~positive).sum())
        tpr = true_positives / max(int(positive.sum()), 1)
        fpr = false_positives / max(int((~positive).sum()), 1)
        precision = true_positives / (true_positives + false_positives) if chosen.any() else float("nan")
        self.operating_point = {
            "fpr": fpr,
            "tpr": tpr,
            "precision": precision,
            "recall": tpr,
            "share": float(chosen.mean()),
        }
        self.roc.mark(fpr, tpr)
        self.pr.mark(tpr, precision)
        self.ks.mark(self.threshold if self.curve_class == 1 else None)
        self.lift.mark(float(chosen.mean()) if self.curve_class == 1 else None)
