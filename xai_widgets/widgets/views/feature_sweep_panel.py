"""SweepPanel: choose a feature, drag a slider over its range, and see the model's output for the
selected sample (ICE), the data-set average (partial dependence) and the slope (sensitivity),
with a cursor at the slider and, optionally, the attributions at the cursor."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets

from ...kernel import Explainer, ExplainerError, feature_grid, ice, partial_dependence, sensitivity, with_feature
from ..base.view import BaseView, Work
from ..charts.tabular_charts import FeatureBars, FeatureSweepChart, format_value

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
        feature_means, feature_scales: (F,) what was subtracted from and divided into each column
            of ``X`` (``load_tabular``'s ``data.feature_means`` / ``data.feature_scales``): the
            sweep's axis and labels then read in original units. ``to_original``, instead: a
            function from a standardised (F,) array to original units.

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
        feature_means: Any = None,
        feature_scales: Any = None,
        to_original: Callable[[np.ndarray], np.ndarray] | None = None,
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
        self.to_original = original_units(n_features, feature_means, feature_scales, to_original)
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
        # Redrawn at every slider move: features in their own order, names only (the swept value is
        # in the status line), so a drag moves bars, not rows and labels.
        self.bars = (
            FeatureBars(
                f"{method} at the cursor",
                self.feature_names,
                "xw-sweep-bars",
                with_values=False,
                sort_by_magnitude=False,
            )
            if method
            else None
        )
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
        self.chart.move_cursor(self._axis_value(feature, own))
        self._show_status()
        self.refresh()

    def _slider_moved(self, change: dict) -> None:
        self.value = change["new"]

    def _on_value(self, change: dict) -> None:
        self.chart.move_cursor(self._axis_value(self.feature_index, change["new"]))
        self._show_status()
        if self.slider.value != change["new"]:
            self.slider.value = change["new"]
        if self.method is not None:
            self.refresh()

    def _show_status(self, _change: dict | None = None) -> None:
        text = f"<span style='color:#b00'>{self.error}</span>" if self.error else ""
        where = ""
        if self.to_original is not None:
            name = html.escape(self.feature_names[self.feature_index])
            shown = format_value(self._axis_value(self.feature_index, self.value))
            where = (
                f" <span class='xw-sweep-original'>{name} = {shown} "
                f"<span class='xw-muted'>(the slider reads standardised units: {self.value:.3g})</span></span>"
            )
        self.label.value = (
            f"<span class='xw-sweep-status' data-status='{self.status}'>{self.status}</span>{where} {text}"
        )

    # ---- units ---------------------------------------------------------------------------------
    def _axis_value(self, feature: int, value: float) -> float:
        """A standardised value of ``feature`` in the units the sweep's axis shows."""
        if self.to_original is None:
            return float(value)
        row = self.X[self.sample_index].numpy().astype(np.float64).copy()
        row[feature] = value
        return float(np.asarray(self.to_original(row), dtype=np.float64)[feature])

    def axis_values(self, feature: int, values: np.ndarray) -> np.ndarray:
        """Standardised ``values`` of ``feature`` in the units the sweep's axis shows."""
        return np.array([self._axis_value(feature, float(v)) for v in np.asarray(values)], np.float32)

    def original_row(self, point: torch.Tensor) -> np.ndarray | None:
        """A (1, F) or (F,) point in original units, or None when the units are not known."""
        if self.to_original is None:
            return None
        return np.asarray(self.to_original(point.reshape(-1).numpy().astype(np.float64)), dtype=np.float64)

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
        name = self.feature_names[feature]
        x_label = f"{name} (standardised)" if self.to_original is None else f"{name} (original units)"
        # The slope stays d output / d standardised feature: the model's own input.
        self.chart.show(self.axis_values(feature, grid.numpy()), ice_curve, pd, slope, title, x_label)
        self.chart.move_cursor(self._axis_value(feature, self.value))

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


def original_units(
    n_features: int,
    feature_means: Any = None,
    feature_scales: Any = None,
    to_original: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Callable[[np.ndarray], np.ndarray] | None:
    """A function from a standardised (F,) row to original units, or None when none was given."""
    if to_original is not None:
        if feature_means is not None or feature_scales is not None:
            raise ExplainerError("give either to_original or feature_means/feature_scales, not both")
        return to_original
    if feature_means is None and feature_scales is None:
        return None
    means = np.zeros(n_features) if feature_means is None else np.asarray(feature_means, np.float64).reshape(-1)
    scales = np.ones(n_features) if feature_scales is None else np.asarray(feature_scales, np.float64).reshape(-1)
    if means.shape != (n_features,) or scales.shape != (n_features,):
        raise ExplainerError(
            f"feature_means and feature_scales need one entry per feature ({n_features}), "
            f"got {means.shape[0]} and {scales.shape[0]}"
        )
    return lambda row: np.asarray(row, np.float64) * scales + means


def as_table(X: Any) -> torch.Tensor:
    """``X`` as an (N, F) float32 CPU tensor, or an ExplainerError saying what is wrong."""
    if isinstance(X, np.ndarray):
        X = torch.from_numpy(X)
    if not isinstance(X, torch.Tensor) or X.ndim != 2 or X.shape[0] == 0:
        shape = tuple(X.shape) if hasattr(X, "shape") else type(X).__name__
        raise ExplainerError(f"X must be a non-empty (N, F) table (tensor or array), got {shape}")
    return X.detach().float().cpu()
