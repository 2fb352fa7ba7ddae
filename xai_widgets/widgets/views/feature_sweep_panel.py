"""SweepPanel: choose a feature, drag a slider over its range, and see the model's output for the
selected sample (ICE), the data-set average (partial dependence) and the slope (sensitivity),
with a cursor at the slider and, optionally, the attributions at the cursor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets

from ...kernel import Explainer, ExplainerError, feature_grid, ice, partial_dependence, sensitivity, with_feature
from ..base.view import BaseView, Work
from ..charts.tabular_charts import FeatureBars, FeatureSweepChart

_SLIDER_STEPS = 200


class SweepPanel(BaseView):
    """A sweep of one feature of one sample of a tabular data set.

    Args:
        explainer: the bound model, taking (N, F) inputs.
        X: the data set (N, F); the slider spans each feature's range in it.
        feature_names: one per column; default "x0", "x1", ...
        sample_index: the sample swept at start.
        target: output explained; -1 means the class predicted for the sample (0 for regression).
        n_values: grid size of the curves.
        method: attribution method shown as bars at the cursor; ``None`` shows no bars (the
            TabularExplorer draws its own bars from :meth:`point`).

    Synced traits (link them to other views): ``sample_index``, ``feature_index``, ``value``
    (the slider), ``target``, and the base's ``status``, ``error``... The curves are computed
    once per (sample, feature, target) on the view's worker; moving the slider only moves the
    cursor and, with ``method``, recomputes the bars latest-wins.
    """

    sample_index = traitlets.Int(0).tag(sync=True)
    feature_index = traitlets.Int(0).tag(sync=True)
    value = traitlets.Float(0.0).tag(sync=True)
    target = traitlets.Int(-1).tag(sync=True)

    worker_name = "feature-sweep"

    def __init__(
        self,
        explainer: Explainer,
        X: Any,
        feature_names: Sequence[str] | None = None,
        sample_index: int = 0,
        target: int = -1,
        n_values: int = 50,
        method: str | None = "gradient",
    ) -> None:
        self.explainer = explainer
        self.X = as_table(X)
        n_features = self.X.shape[1]
        self.feature_names = (
            [f"x{i}" for i in range(n_features)] if feature_names is None else [str(n) for n in feature_names]
        )
        if len(self.feature_names) != n_features:
            raise ExplainerError(f"{len(self.feature_names)} feature names for {n_features} features")
        outputs = explainer.outputs(self.X)
        self.predicted = outputs.argmax(1)
        self.n_outputs = outputs.shape[1]
        self.grids = [feature_grid(self.X, f, n_values) for f in range(n_features)]
        self.method = method
        super().__init__()
        self.curves: dict[str, np.ndarray] = {}
        self.attribution_at_cursor: np.ndarray | None = None
        self._curve_key: tuple | None = None
        self._pd_cache: dict[tuple, np.ndarray] = {}

        self.dropdown = w.Dropdown(
            options=[(name, i) for i, name in enumerate(self.feature_names)],
            value=0,
            description="feature",
            layout=w.Layout(width="260px"),
            style={"description_width": "60px"},
        )
        self.slider = w.FloatSlider(
            description="value",
            continuous_update=True,
            readout_format=".3g",
            layout=w.Layout(width="420px"),
            style={"description_width": "50px"},
        )
        self.slider.add_class("xw-sweep-slider")
        self.chart = FeatureSweepChart()
        self.label = w.HTML()
        self.bars = FeatureBars(f"{method} at the cursor", self.feature_names, "xw-sweep-bars") if method else None
        charts = [self.chart.figure] + ([self.bars.figure] if self.bars else [])
        self.set_parts(
            [
                w.HBox([self.dropdown, self.slider]),
                w.HBox(charts, layout=w.Layout(flex_flow="row wrap")),
                w.HTML(FeatureSweepChart.KEY),
                self.label,
            ]
        )
        self.add_class("xw-sweep-panel")

        traitlets.link((self.dropdown, "value"), (self, "feature_index"))
        self.slider.observe(self._slider_moved, names="value")
        self.observe(self._selection_changed, names=["sample_index", "feature_index", "target"])
        self.observe(self._on_value, names="value")
        self.observe(self._show_status, names=["status", "error"])
        with self.hold_trait_notifications():
            self.sample_index, self.target = sample_index, target
        self._selection_changed(None)

    # ---- for scripts, tests and the explorer ------------------------------------------------
    def point(self) -> torch.Tensor:
        """The selected sample with the swept feature set to the slider value, (1, F)."""
        return with_feature(self.X[self.sample_index], self.feature_index, self.value)

    def resolved_target(self) -> int:
        """The output explained: ``target``, or the class predicted for the unmodified sample."""
        if 0 <= self.target < self.n_outputs:
            return self.target
        return int(self.predicted[self.sample_index]) if self.n_outputs > 1 else 0

    # ---- events (comm thread) ----------------------------------------------------------------
    def _selection_changed(self, change: dict | None) -> None:
        if change is not None and change["name"] == "sample_index" and not 0 <= change["new"] < len(self.X):
            self.error = f"sample_index {change['new']} is out of range 0..{len(self.X) - 1}"
            self.sample_index = change["old"]
            return
        feature = self.feature_index
        grid = self.grids[feature]
        low, high = float(grid[0]), float(grid[-1])
        own = float(self.X[self.sample_index, feature])
        # Held together, so the slider's min <= value <= max checks see the final numbers.
        with self.slider.hold_trait_notifications():
            self.slider.max = max(high, low + 1e-6)
            self.slider.min = low
            self.slider.step = max((high - low) / _SLIDER_STEPS, 1e-6)
            self.slider.value = own
        self.value = own
        self.chart.move_cursor(own)
        self.refresh()

    def _slider_moved(self, change: dict) -> None:
        self.value = change["new"]

    def _on_value(self, change: dict) -> None:
        self.chart.move_cursor(change["new"])
        if self.slider.value != change["new"]:
            self.slider.value = change["new"]
        if self.method is not None:
            self.refresh()

    def _show_status(self, _change: dict | None = None) -> None:
        text = f"<span style='color:#b00'>{self.error}</span>" if self.error else ""
        self.label.value = f"<span class='xw-sweep-status' data-status='{self.status}'>{self.status}</span> {text}"

    # ---- work (worker thread) ----------------------------------------------------------------
    def _update(self, work: Work) -> str:
        self._update_curves(work)
        return self._update_bars(work) if self.method is not None else ""

    def _update_curves(self, work: Work) -> None:
        index, feature, target = self.sample_index, self.feature_index, self.resolved_target()
        key = (index, feature, target)
        if key == self._curve_key:
            return
        sample, grid = self.X[index], self.grids[feature]
        ice_curve = work.call("ice", ice, self.explainer, sample, feature, grid, target).numpy()
        work.check()
        slope = work.call("sensitivity", sensitivity, self.explainer, sample, feature, grid, target).numpy()
        pd = self._pd_cache.get((feature, target))
        if pd is None:
            work.check()
            average = work.call("partial_dependence", partial_dependence, self.explainer, self.X, feature, grid, target)
            pd = average.numpy()
            self._pd_cache[(feature, target)] = pd
        work.check()
        self.curves = {"values": grid.numpy(), "ice": ice_curve, "partial_dependence": pd, "sensitivity": slope}
        self._curve_key = key
        title = f"Sweep of {self.feature_names[feature]} (sample {index}, output {target})"
        self.chart.show(grid.numpy(), ice_curve, pd, slope, title)
        self.chart.move_cursor(self.value)

    def _update_bars(self, work: Work) -> str:
        assert self.method is not None and self.bars is not None
        try:
            result = work.call(
                self.method, self.explainer.attribute, self.point(), self.method, target=self.resolved_target()
            )
        except ExplainerError as error:
            self.bars.clear(f"{self.method}: error")
            return str(error)
        work.check()
        self.attribution_at_cursor = result.values[0].numpy()
        self.bars.show(self.attribution_at_cursor)
        return ""


def as_table(X: Any) -> torch.Tensor:
    """``X`` as an (N, F) float32 CPU tensor, or an ExplainerError saying what is wrong."""
    if isinstance(X, np.ndarray):
        X = torch.from_numpy(X)
    if not isinstance(X, torch.Tensor) or X.ndim != 2 or X.shape[0] == 0:
        shape = tuple(X.shape) if hasattr(X, "shape") else type(X).__name__
        raise ExplainerError(f"X must be a non-empty (N, F) table (tensor or array), got {shape}")
    return X.detach().float().cpu()
