"""TabularExplorer: the live, linked attribution view of a tabular model: the data set as a
scatter, attributions of the selected sample per method, a sweep of one feature, and a global
summary of the attributions over the whole data set."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets

from ...kernel import DatasetAttribution, Explainer, ExplainerError, dataset_attribution, registered_methods
from ..base.view import BaseView, Work
from ..charts.image_charts import PredictionChart
from ..charts.tabular_charts import DataScatter, FeatureBars, SummaryPlot, Waterfall, format_value
from ..controls.method_chips import check_methods, method_chips, methods_for, toggled
from ..controls.param_controls import MethodControls
from .feature_sweep_panel import SweepPanel, as_table
from .prediction_spread import PredictionSpread, predict_spread, resolve_uncertainty

DEFAULT_METHODS = ("gradient", "grad_x_input", "integrated_gradients")
# Grad-CAM needs convolution layers, which a tabular model rarely has: no chip unless asked for.
_SUMMARY_ROWS = 10
# Classes the prediction chart shows at most (the top ones, and the explained one).
_PREDICTION_CLASSES = 10
_JITTER = 0.3


class TabularExplorer(BaseView):
    """Explore attributions of a model on tabular data.

    Args:
        explainer: the bound model, taking (N, F) inputs.
        X: the data set (N, F), tensor or array.
        y: true value (regression) or class (classification) per row, optional.
        feature_names: one per column; default "x0", "x1", ...
        class_names: one per output of a classifier; default "0", "1", ...
        methods: methods enabled at start (default gradient, grad_x_input, integrated_gradients);
            every registered method that applies to tabular data gets a chip.
        n_values: grid size of the sweep curves.
        feature_means, feature_scales: (F,) what was subtracted from and divided into each column
            of ``X`` (``load_tabular``'s ``data.feature_means`` / ``data.feature_scales``): bar
            labels ("bmi = 31.2") and the sweep's axis then read in original units; the model
            still gets the standardised ``X``. ``to_original``, instead: a function from a
            standardised (F,) row to original units. Without either, values are shown as in ``X``.
        uncertainty: error bars on the prediction chart. "auto" (default): on when the model
            supports them, an ``xw.Ensemble`` (its members) or a model with dropout (30 MC
            dropout samples from a fixed seed, so a repaint is stable); the bars are then the
            mean over the samples and the error bars ±1 std. "mc_dropout" or "ensemble": that
            estimate (an ExplainerError if the model has none); None or False: plain bars.

    The prediction chart shows the selected row's prediction (at the sweep's slider value while
    it moves): class probabilities (a click on a class's column explains that class) or the
    regression output.

    Each method's bars are sorted by |attribution|, largest on top, each labelled with the
    feature's value. The waterfall (method chosen in its dropdown) runs from the base value
    E[f(x)], the mean model output over ``X`` for the explained output, to f(x): for a method
    with completeness (integrated gradients, KernelSHAP, DeepLIFT...) the attributions sum to
    f(x) - f(reference), so a grey row first goes from E[f(x)] to f(reference) and a grey
    residual row shows what the sum misses (its delta); for other methods one grey row shows
    what the attributions leave out of f(x) - E[f(x)].

    Synced traits: ``sample_index`` (the selected row; clicking a point sets it), ``target``
    (-1: the class predicted for the sample), ``enabled_methods``, ``global_method`` (the
    method of the data-set summary), ``x_column``/``y_column`` (the scatter's axes), and the
    base's ``status``, ``error``, ``elapsed_ms``... ``explorer.sweep`` is the embedded
    :class:`SweepPanel`, linked to the same sample and target: while its slider moves, the bars
    show the attributions at the slider value. Kernel calls run on the view's worker, latest-wins.
    """

    sample_index = traitlets.Int(0).tag(sync=True)
    # The samples a linked view selected (a ModelReport cell, a surrogate leaf), ringed in the
    # data scatter; empty: none.
    shown_samples = traitlets.List(traitlets.Int()).tag(sync=True)
    target = traitlets.Int(-1).tag(sync=True)
    enabled_methods = traitlets.List(traitlets.Unicode()).tag(sync=True)
    global_method = traitlets.Unicode("").tag(sync=True)
    x_column = traitlets.Unicode("").tag(sync=True)
    y_column = traitlets.Unicode("").tag(sync=True)
    waterfall_method = traitlets.Unicode("")

    worker_name = "tabular-explorer"

    def __init__(
        self,
        explainer: Explainer,
        X: Any,
        y: Any = None,
        feature_names: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        methods: Sequence[str] | None = None,
        n_values: int = 50,
        feature_means: Any = None,
        feature_scales: Any = None,
        to_original: Callable[[np.ndarray], np.ndarray] | None = None,
        uncertainty: str | bool | None = "auto",
    ) -> None:
        self.explainer = explainer
        self.uncertainty = resolve_uncertainty(explainer, uncertainty)
        self.X = as_table(X)
        self.y = None if y is None else torch.as_tensor(np.asarray(y)).flatten().cpu()
        if self.y is not None and len(self.y) != len(self.X):
            raise ExplainerError(f"y has {len(self.y)} entries for {len(self.X)} rows of X")
        enabled = list(DEFAULT_METHODS if methods is None else methods)
        self.specs = methods_for("table", registered_methods(), enabled)
        check_methods(enabled, self.specs)

        self.sweep = SweepPanel(
            explainer,
            self.X,
            feature_names,
            n_values=n_values,
            method=None,
            feature_means=feature_means,
            feature_scales=feature_scales,
            to_original=to_original,
        )
        self.feature_names = self.sweep.feature_names
        outputs = explainer.outputs(self.X)
        # The waterfall's base value: the mean model output over the data set, per output.
        self.mean_outputs = outputs.double().mean(0).numpy()
        self.regression = explainer.is_regression(outputs)
        n_outputs = outputs.shape[1]
        self.class_names = [str(i) for i in range(n_outputs)] if class_names is None else [str(c) for c in class_names]
        if not self.regression and len(self.class_names) != n_outputs:
            raise ExplainerError(f"{len(self.class_names)} class names for a model with {n_outputs} outputs")
        self.columns = self._columns(explainer.predict(self.X))

        super().__init__()
        self._params: dict[str, dict] = {}
        self._bar_keys: dict[str, tuple] = {}
        self._results: dict[str, np.ndarray] = {}
        self._deltas: dict[str, float | None] = {}
        self._global_cache: dict[tuple, DatasetAttribution] = {}
        self._global_key: tuple | None = None

        self.chips = method_chips(self.specs, enabled, self._chip_toggled)
        self.method_controls = {
            name: MethodControls(spec, explainer.layers(), self.X.shape[1], self._params_changed)
            for name, spec in self.specs.items()
        }
        self.bars = {name: FeatureBars(name, self.feature_names, f"xw-bars-{name}") for name in self.specs}
        colour = "truth" if self.y is not None else "prediction"
        self.data_scatter = DataScatter(self.columns[colour], colour, self._pick_sample)
        self.status_label = w.HTML()
        self._bars_box = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self._controls_box = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.global_bars = FeatureBars(
            "Mean |attribution| over the data set",
            self.feature_names,
            "xw-global-bars",
            y_label="mean |attribution|",
            width=300,
            height=330,
            with_values=False,
        )
        self.summary = SummaryPlot()
        self.waterfall = Waterfall(self.feature_names)
        self.waterfall_caption = w.HTML()
        self.waterfall_state: dict[str, Any] = {}
        self._waterfall_key: tuple | None = None
        self._output_at: tuple[Any, float] = (None, 0.0)
        self.prediction_chart = PredictionChart(
            ["prediction"] if self.regression else self.class_names,
            self._pick_target,
            top_k=1 if self.regression else _PREDICTION_CLASSES,
            value_label="prediction" if self.regression else "probability",
            value_range=None if self.regression else (0.0, 1.0),
            pickable=not self.regression,
            spread=self.uncertainty is not None,
        )
        self.prediction_chart.figure.add_class("xw-tabular-prediction")
        self.spread: PredictionSpread | None = None
        self._prediction_key: tuple | None = None
        self._build_layout()
        self.add_class("xw-tabular-explorer")

        traitlets.link((self, "sample_index"), (self.sweep, "sample_index"))
        traitlets.link((self, "target"), (self.sweep, "target"))
        self.observe(self._sample_changed, names="sample_index")
        self.observe(self._shown_changed, names="shown_samples")
        self.observe(self._methods_changed, names="enabled_methods")
        self.observe(self._axes_changed, names=["x_column", "y_column"])
        self.observe(self._on_target, names="target")
        self.observe(self._global_changed, names="global_method")
        self.observe(self._waterfall_changed, names="waterfall_method")
        self.observe(self._show_status, names=["status", "error"])
        self.sweep.observe(self._on_sweep_value, names="value")

        default_x = "truth" if self.regression and self.y is not None else self.feature_names[0]
        default_y = "prediction" if default_x == "truth" else self.feature_names[min(1, len(self.feature_names) - 1)]
        self.x_column, self.y_column = default_x, default_y
        self.enabled_methods = [name for name in self.specs if name in enabled]
        self.data_scatter.select(self.sample_index)
        self._show_status()

    # ---- what the user can do from Python (the browser does the same through the widgets) ----
    def set_params(self, method: str, **params: Any) -> None:
        """Change ``method``'s parameters (the controls follow)."""
        controls = self.method_controls[method].controls
        for name, value in params.items():
            controls[name].value = value

    def results(self) -> dict[str, np.ndarray]:
        """The attributions the bars show, per enabled method, (F,) arrays."""
        return dict(self._results)

    def global_result(self) -> DatasetAttribution | None:
        """The data-set attributions the global view shows."""
        return self._global_cache.get(self._global_key) if self._global_key else None

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until this view's and the sweep's work is done (for scripts and tests); False on timeout."""
        return self.sweep.wait(timeout) and super().wait(timeout) and not self.sweep.worker.busy

    def _parts(self) -> list[w.Widget]:
        # Bars and controls of methods not enabled right now are not among the children.
        bars = [chart.figure for chart in getattr(self, "bars", {}).values()]
        return [*bars, *getattr(self, "method_controls", {}).values()]

    # ---- set-up ----------------------------------------------------------------------------
    def _columns(self, predictions: torch.Tensor) -> dict[str, np.ndarray]:
        columns = {name: self.X[:, i].numpy() for i, name in enumerate(self.feature_names)}
        if self.y is not None:
            columns["truth"] = self.y.float().numpy()
        # The scatter's "prediction": the output for regression, the top class's probability otherwise.
        columns["prediction"] = (predictions[:, 0] if self.regression else predictions.max(1).values).numpy()
        return columns

    def _build_layout(self) -> None:
        """Make the controls and open the VBox with every part in place."""
        column_options = list(self.columns)
        self.x_dropdown = w.Dropdown(
            options=column_options, description="x", layout=w.Layout(width="190px"), style={"description_width": "30px"}
        )
        self.y_dropdown = w.Dropdown(
            options=column_options, description="y", layout=w.Layout(width="190px"), style={"description_width": "30px"}
        )
        traitlets.link((self.x_dropdown, "value"), (self, "x_column"))
        traitlets.link((self.y_dropdown, "value"), (self, "y_column"))
        self.target_dropdown = w.Dropdown(
            options=[("predicted class", -1)] + [(name, i) for i, name in enumerate(self.class_names)],
            description="explain",
            layout=w.Layout(width="240px", display="none" if self.regression else None),
            style={"description_width": "55px"},
        )
        traitlets.link((self.target_dropdown, "value"), (self, "target"))
        self.global_dropdown = w.Dropdown(
            description="method", layout=w.Layout(width="260px"), style={"description_width": "55px"}
        )
        self.global_dropdown.observe(self._global_picked, names="value")
        self.waterfall_dropdown = w.Dropdown(
            description="waterfall", layout=w.Layout(width="280px"), style={"description_width": "65px"}
        )
        self.waterfall_dropdown.observe(self._waterfall_picked, names="value")
        waterfall_view = w.VBox(
            [self.waterfall_dropdown, self.waterfall.figure, self.waterfall_caption],
            layout=w.Layout(max_width="560px"),
        )
        data_view = w.VBox([w.HBox([self.x_dropdown, self.y_dropdown]), self.data_scatter.figure])
        prediction_view = w.VBox([self.prediction_chart.widget])
        global_view = w.VBox(
            [
                w.HTML("<b>Over the whole data set</b>"),
                self.global_dropdown,
                w.HBox([self.global_bars.figure, self.summary.figure], layout=w.Layout(flex_flow="row wrap")),
            ]
        )
        self.set_parts(
            [
                w.HBox([*self.chips.values(), self.target_dropdown], layout=w.Layout(flex_flow="row wrap")),
                self.status_label,
                w.HBox([data_view, prediction_view, self._bars_box], layout=w.Layout(flex_flow="row wrap")),
                waterfall_view,
                self.sweep,
                self._controls_box,
                global_view,
            ]
        )

    # ---- events (comm thread): record intent, hand the work to a worker ----------------------
    def _chip_toggled(self, name: str, on: bool) -> None:
        self.enabled_methods = toggled(self.enabled_methods, self.specs, name, on)

    def _methods_changed(self, _change: dict) -> None:
        enabled = self.enabled_methods
        for name, chip in self.chips.items():
            chip.value = name in enabled
        self._bars_box.children = [self.bars[name].figure for name in enabled]
        self._controls_box.children = [self.method_controls[name] for name in enabled]
        self.global_dropdown.options = enabled
        if enabled and self.global_method not in enabled:
            self.global_method = enabled[0]
        self.global_dropdown.value = self.global_method if enabled else None
        self.waterfall_dropdown.options = enabled
        if enabled and self.waterfall_method not in enabled:
            complete = [name for name in enabled if self.specs[name].has_delta]
            self.waterfall_method = (complete or enabled)[0]
        self.waterfall_dropdown.value = self.waterfall_method if enabled else None
        self.refresh()

    def _sample_changed(self, change: dict) -> None:
        if not 0 <= change["new"] < len(self.X):
            self.error = f"sample_index {change['new']} is out of range 0..{len(self.X) - 1}"
            self.sample_index = change["old"]
            return
        self.data_scatter.select(change["new"])
        self.refresh()

    def _shown_changed(self, change: dict) -> None:
        if any(not 0 <= i < len(self.X) for i in change["new"]):
            self.error = f"shown_samples must be rows of X, 0..{len(self.X) - 1}"
            self.shown_samples = change["old"]
            return
        self.data_scatter.highlight(change["new"])

    def _on_target(self, _change: dict) -> None:
        self.refresh()

    def _on_sweep_value(self, _change: dict) -> None:
        self.refresh()

    def _axes_changed(self, _change: dict) -> None:
        if self.x_column in self.columns and self.y_column in self.columns:
            x, y = self.columns[self.x_column], self.columns[self.y_column]
            self.data_scatter.show(x, y, self.x_column, self.y_column)

    def _params_changed(self, method: str, params: dict) -> None:
        self._params[method] = params
        self.refresh()

    def _pick_sample(self, index: int) -> None:
        self.sample_index = index

    def _pick_target(self, class_index: int) -> None:
        if not self.regression:
            self.target = class_index

    def _global_picked(self, change: dict) -> None:
        if change["new"]:
            self.global_method = change["new"]

    def _global_changed(self, _change: dict) -> None:
        if self.global_dropdown.value != self.global_method and self.global_method in self.enabled_methods:
            self.global_dropdown.value = self.global_method
        self.refresh()

    def _waterfall_picked(self, change: dict) -> None:
        if change["new"]:
            self.waterfall_method = change["new"]

    def _waterfall_changed(self, _change: dict) -> None:
        if self.waterfall_dropdown.value != self.waterfall_method and self.waterfall_method in self.enabled_methods:
            self.waterfall_dropdown.value = self.waterfall_method
        self.refresh()

    def _show_status(self, _change: dict | None = None) -> None:
        error = (
            f" <span class='xw-tabular-error' style='color:#b00'>{html.escape(self.error)}</span>" if self.error else ""
        )
        self.status_label.value = (
            f"<span class='xw-tabular-status' data-status='{self.status}'>{self.status}</span>"
            f" <span class='xw-muted'>{self.elapsed_ms:.1f} ms</span>{error}"
        )

    # ---- work (worker threads) -------------------------------------------------------------
    def _method_params(self, method: str) -> dict:
        return {**self.specs[method].defaults(), **self._params.get(method, {})}

    def _update(self, work: Work) -> str:
        errors = self._update_bars(work)
        work.check()
        errors += self._update_global(work)
        return "; ".join(errors)

    def _update_bars(self, work: Work) -> list[str]:
        point = self.sweep.point()
        target = self.sweep.resolved_target()
        where = (point.numpy().tobytes(), target)
        errors: list[str] = []
        original = self.sweep.original_row(point)
        shown = original if original is not None else point[0].numpy()
        for method in list(self.enabled_methods):
            work.check()
            params = self._method_params(method)
            key = (where, method, json.dumps(params, sort_keys=True, default=str))
            if self._bar_keys.get(method) == key:
                continue
            title = f"{method} ({self._target_name(target)})"
            try:
                result = work.call(method, self.explainer.attribute, point, method, target=target, **params)
            except ExplainerError as error:
                self._bar_keys[method] = key
                self._results.pop(method, None)
                self.bars[method].clear(f"{method}: error")
                errors.append(f"{method}: {error}")
                continue
            work.check()
            values = result.values[0].numpy()
            self._results[method], self._bar_keys[method] = values, key
            self._deltas[method] = None if result.delta is None else float(result.delta.reshape(-1)[0])
            units = "" if original is not None else ", values as in X"
            self.bars[method].show(values, f"{title}{units}", feature_values=shown)
        for method in set(self._bar_keys) - set(self.enabled_methods):
            del self._bar_keys[method]
            self._results.pop(method, None)
        work.check()
        # After the bars: while the sweep slider is dragged the bars are what the eye follows, and
        # the prediction chart's messages sent first would delay their repaint (77 -> 108 ms p50).
        self._update_prediction(work, point, target)
        work.check()
        self._update_waterfall(work, point, target, shown)
        return errors

    def _update_prediction(self, work: Work, point: torch.Tensor, target: int) -> None:
        """The prediction chart at ``point``: plain, or with the spread over MC samples or members
        (in the same job as the attributions, once per point: a model without support pays one
        forward pass)."""
        key = (point.numpy().tobytes(), target)
        if key == self._prediction_key:
            return
        if self.uncertainty is None:
            self.spread = None
            self.prediction_chart.show(self.explainer.predict(point)[0].numpy(), target)
        else:
            self.spread = predict_spread(work, self.explainer, point, self.uncertainty)
            self.prediction_chart.show(self.spread.mean, target, self.spread.std, self.spread.describe())
        self._prediction_key = key

    def _update_waterfall(self, work: Work, point: torch.Tensor, target: int, shown: np.ndarray) -> None:
        method = self.waterfall_method
        key = (self._bar_keys.get(method), method)
        if method not in self._results or key == self._waterfall_key:
            if method not in self._results:
                self._waterfall_key, self.waterfall_state = None, {}
            return
        values = self._results[method].astype(np.float64)
        where = (point.numpy().tobytes(), target)
        if self._output_at[0] != where:
            # One forward pass, not logged in kernel_calls (the logged calls are the attributions).
            self._output_at = (where, float(self.explainer.outputs(point)[0, target]))
        output = self._output_at[1]
        work.check()
        base = float(self.mean_outputs[target])
        total = float(values.sum())
        delta = self._deltas.get(method)
        grey = "#9a9a9a"
        rows: list[tuple[str, float, float, str]] = []
        running = base
        rows.append((f"E[f(x)] = {format_value(base)}", base, base, "#333333"))
        if delta is not None:
            # Completeness: sum = f(x) - f(reference) + delta, so f(reference) = f(x) - sum + delta.
            reference = output - total + delta
            rows.append((f"f(reference) - E[f(x)]: {reference - base:+.3g}", running, reference, grey))
            running = reference
        else:
            reference = None
        order = np.argsort(-np.abs(values), kind="stable")
        for i in order:
            step = float(values[i])
            colour = "#d6604d" if step >= 0 else "#4393c3"
            label = f"{self.feature_names[i]} = {format_value(shown[i])}: {step:+.3g}"
            rows.append((label, running, running + step, colour))
            running += step
        residual = output - running
        name = "residual (-delta)" if delta is not None else "not in the attributions"
        rows.append((f"{name}: {residual:+.3g}", running, output, grey))
        rows.append((f"f(x) = {format_value(output)}", output, output, "#333333"))
        who = self._target_name(target)
        self.waterfall.show(rows, f"Waterfall of {method} ({who}): E[f(x)] to f(x)")
        if delta is not None:
            caption = (
                f"<span class='xw-waterfall-caption' style='font-size:11px'>Base value E[f(x)]: the mean model "
                f"output over the {len(self.X)} rows. {html.escape(method)}'s attributions sum to "
                f"f(x) - f(reference) (its baseline's output, here {format_value(reference or 0.0)}), not to "
                f"f(x) - E[f(x)]: the first grey row is that gap, the last what the sum misses (delta).</span>"
            )
        else:
            caption = (
                f"<span class='xw-waterfall-caption' style='font-size:11px'>Base value E[f(x)]: the mean model "
                f"output over the {len(self.X)} rows. {html.escape(method)}'s attributions are not meant to sum "
                f"to f(x) - E[f(x)]: the grey row is what they leave out.</span>"
            )
        self.waterfall_caption.value = caption
        self.waterfall_state = {
            "method": method,
            "target": target,
            "base_value": base,
            "output": output,
            "reference_output": reference,
            "attribution_sum": total,
            "residual": residual,
            "rows": [(label, start, end) for label, start, end, _ in rows],
        }
        self._waterfall_key = key

    def _update_global(self, work: Work) -> list[str]:
        method = self.global_method
        if method not in self.specs:
            return []
        params = self._method_params(method)
        # Each row explains its own predicted class unless a class is chosen.
        target = 0 if self.regression else (self.target if self.target >= 0 else None)
        key = (method, json.dumps(params, sort_keys=True, default=str), target)
        if key == self._global_key:
            return []
        result = self._global_cache.get(key)
        if result is None:
            try:
                result = work.call(
                    f"global:{method}", dataset_attribution, self.explainer, self.X, method, target, **params
                )
            except ExplainerError as error:
                # Not retried until the method, its parameters or the target change.
                self._global_key = key
                self.global_bars.clear(f"{method}: error")
                return [f"{method} (data set): {error}"]
            self._global_cache[key] = result
        work.check()
        self._global_key = key
        self._show_global(method, target, result)
        return []

    def _show_global(self, method: str, target: int | None, result: DatasetAttribution) -> None:
        who = "each row's predicted class" if target is None else self._target_name(target)
        order = result.order.tolist()
        self.global_bars.show(result.mean_abs.numpy(), f"Mean |{method}| ({who})")
        rows = order[:_SUMMARY_ROWS]
        values = result.values[:, rows].numpy()
        n = values.shape[0]
        # Display-only layout: a fixed jitter spreads each row's points, a per-feature 5-95
        # percentile stretch gives the colour (as SHAP's summary plot does).
        jitter = np.random.default_rng(0).uniform(-_JITTER, _JITTER, size=values.shape)
        row_of = np.broadcast_to(np.arange(len(rows)), values.shape) + jitter
        raw = self.X[:, rows].numpy()
        low, high = np.percentile(raw, 5, axis=0), np.percentile(raw, 95, axis=0)
        colour = np.clip((raw - low) / np.where(high > low, high - low, 1.0), 0.0, 1.0)
        self.summary.show(
            values.reshape(-1),
            row_of.reshape(-1),
            colour.reshape(-1),
            [self.feature_names[i] for i in rows],
            f"{method}: {n} samples, top {len(rows)} features",
        )

    def _target_name(self, target: int) -> str:
        return "output" if self.regression else f"class {self.class_names[target]!r}"
