"""ContinuityView: is an explanation continuous? Each method's explanation as a field over a plane
of two features, a point dragged across the diagonal with the relevances at it as bars, and the
relevances along a path across the diagonal (Montavon et al., 2018: max(x1, x2))."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets

from ...kernel import Explainer, ExplainerError, registered_methods
from ...zoo import max_network
from ..base.view import BaseView, Work
from ..charts.continuity_charts import FieldPanel, PathChart, RelevanceBars, colour_key
from ..charts.tabular_charts import format_value
from ..controls.method_chips import check_methods
from .feature_sweep_panel import as_table

DEFAULT_METHODS = ("gradient", "grad_x_input", "lrp")
# z⁺ on every Linear layer (deep Taylor decomposition): the LRP of Montavon et al.'s continuity
# example, continuous across the diagonal of the max network (its relevances: x1 - x2/2, x2/2).
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {"lrp": {"composite": "excitation_backprop"}}
_TITLES = {
    "gradient": "sensitivity (gradient)",
    "grad_x_input": "simple Taylor (gradient × input)",
    "lrp": "LRP",
}
_MAX_GRID = 201
_MAX_PLANE = ((0.0, 1.0), (0.0, 1.0))
_MAX_START = [0.75, 0.25]
# The path's ends stop short of the plane's corners: on its edges the max network's ReLU(x1) or
# ReLU(x2) sits at its kink, and the gradient there is not the one just inside.
_PATH_REACH = 0.9
_T_STEP = 0.005


class ContinuityView(BaseView):
    """How each explanation changes as the input moves across a plane of two features.

    Args:
        explainer: the bound model; ``None`` (with ``X`` None too) explains the zoo's exact ReLU
            network for max(x1, x2) on [0, 1]², the example of Montavon et al. (2018), where
            sensitivity and gradient x input jump across the diagonal x1 = x2 and LRP (z⁺) does not.
        X: the data set (N, F) of a tabular ``explainer``: the two features span their range in it.
        features: the two columns (indices) of the plane: the first on the x axis.
        feature_names: one per column of ``X`` (default "x0", "x1"...; "x1", "x2" for the max network).
        methods: registered attribution methods, one panel each.
        row: the values of the other features: ``None`` for the mean row of ``X``, a row index of
            ``X``, or an (F,) row.
        grid: cells per side of each field (one batched kernel call of grid² points per method).
        method_params: parameters per method (default: ``{"lrp": {"composite": "excitation_backprop"}}``,
            z⁺ on every Linear layer); given entries replace the default's for their method.
        target: the output explained; -1: the class predicted at ``row`` (0 for one output).
        n_path: points along the path across the diagonal (even: t = 0 itself is not one).
        feature_means, feature_scales: (F,) what was subtracted from and divided into each column
            of ``X`` (``load_tabular``'s): the plane's axes then read in original units.

    The field's colour is the share of |relevance| on each feature, (|R1| - |R2|) / (|R1| + |R2|):
    +1 all on the first feature, -1 all on the second. The plane's diagonal runs from (low, low)
    to (high, high) of the two features' ranges (x1 = x2 for the max network, where the cells
    on it show the gradient there, (0.5, 0.5): an even split). The path runs along the other
    diagonal, from near (low, high) at t = -1 to near (high, low) at t = 1 (90% of the way from
    the centre to those corners), and crosses the plane's diagonal at t = 0 (for the max
    network: from (0.05, 0.95) to (0.95, 0.05) through (0.5, 0.5)).

    Synced traits: ``point`` ([first, second], in the model's units; dragging the point in any
    panel sets it; kept inside the plane), ``path_t`` (the slider, in steps of 0.005: moving it
    by half a step or more puts the point on the path at t; when a drag of the point ends, it
    goes to where the point projects onto the path, which the path charts' cursors show during
    the drag), ``target``,
    and the base's ``status``, ``error``... Fields and path curves are computed once per target;
    a move of the point recomputes only the bars, latest-wins.
    """

    point = traitlets.List(traitlets.Float(), default_value=[0.0, 0.0], minlen=2, maxlen=2).tag(sync=True)
    path_t = traitlets.Float(0.0).tag(sync=True)
    target = traitlets.Int(-1).tag(sync=True)

    worker_name = "continuity-view"

    def __init__(
        self,
        explainer: Explainer | None = None,
        X: Any = None,
        features: Sequence[int] = (0, 1),
        feature_names: Sequence[str] | None = None,
        methods: Sequence[str] = DEFAULT_METHODS,
        row: Any = None,
        grid: int = 41,
        method_params: Mapping[str, Mapping[str, Any]] | None = None,
        target: int = -1,
        n_path: int = 200,
        feature_means: Any = None,
        feature_scales: Any = None,
    ) -> None:
        self.is_max_network = explainer is None
        if explainer is None:
            if X is not None:
                raise ExplainerError(
                    "X was given without an explainer: pass the tabular model's Explainer with its data, "
                    "or neither for the max(x1, x2) network"
                )
            explainer = Explainer(max_network())
        elif X is None:
            raise ExplainerError("give X, the data set (N, F) whose range the two chosen features span")
        self.explainer = explainer
        self.methods = check_methods(methods, registered_methods())
        if not self.methods:
            raise ExplainerError("give at least one method, e.g. methods=('gradient', 'lrp')")
        self.params = {name: dict(DEFAULT_PARAMS.get(name, {})) for name in self.methods}
        for name, params in (method_params or {}).items():
            if name not in self.params:
                raise ExplainerError(f"method_params names {name!r}, which is not among the methods {self.methods}")
            self.params[name] = dict(params)
        self.grid = _checked_int(grid, "grid", 2, _MAX_GRID)
        self.n_path = _checked_int(n_path, "n_path", 2, 10_000)
        self._set_up_data(X, features, feature_names, row, feature_means, feature_scales)
        n_outputs = self._check_model()
        if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not -1 <= target < n_outputs:
            raise ExplainerError(f"target must be -1 (the predicted class) or 0..{n_outputs - 1}, got {target!r}")

        super().__init__()
        self.n_outputs = n_outputs
        self.fields: dict[str, np.ndarray] = {}
        self.path_values: dict[str, np.ndarray] = {}
        self._results: dict[str, np.ndarray] = {}
        self._bar_keys: dict[str, tuple] = {}
        self._field_key: int | None = None
        self._following = False
        self._build_charts()
        self.add_class("xw-continuity-view")

        self.observe(self._on_point, names="point")
        self.observe(self._on_path_t, names="path_t")
        self.observe(self._on_target, names="target")
        self.observe(self._show_status, names=["status", "error"])
        start = self.base[list(self.features)].tolist() if not self.is_max_network else _MAX_START
        self.target = target
        point = [float(v) for v in start]
        if point == self.point:
            self._on_point(None)
        else:
            self.point = point  # _on_point draws it and starts the work
        self._follow_point()  # the slider starts where the point projects; the point stays

    # ---- for scripts and tests -------------------------------------------------------------------
    def results(self) -> dict[str, np.ndarray]:
        """The relevances the bars show, per method: (2,) arrays (first feature, second feature)."""
        return dict(self._results)

    def resolved_target(self) -> int:
        """The output explained: ``target``, or the class predicted at the fixed row."""
        if 0 <= self.target < self.n_outputs:
            return self.target
        return self.predicted

    def path_point(self, t: float) -> list[float]:
        """The point at ``t`` on the path (model units), along the plane's anti-diagonal: t = -1
        and 1 are 90% of the way from the centre to the corners (low, high) and (high, low)."""
        centre, half = self._centre_half()
        return [float(centre[0] + t * half[0]), float(centre[1] - t * half[1])]

    def path_position(self, point: Sequence[float]) -> float:
        """Where ``point`` projects onto the path, as its t (clipped to -1..1)."""
        centre, half = self._centre_half()
        along = (point[0] - centre[0]) / half[0] - (point[1] - centre[1]) / half[1]
        return float(np.clip(along / 2.0, -1.0, 1.0))

    def inputs_at(self, points: Any) -> torch.Tensor:
        """The model inputs (N, F) for ``points`` (N, 2) of the plane: the fixed row with the two
        features replaced."""
        points = torch.as_tensor(np.asarray(points, dtype=np.float32)).reshape(-1, 2)
        inputs = torch.from_numpy(self.base).float().repeat(points.shape[0], 1)
        inputs[:, self.features[0]] = points[:, 0]
        inputs[:, self.features[1]] = points[:, 1]
        return inputs

    # ---- set-up ------------------------------------------------------------------------------
    def _set_up_data(
        self,
        X: Any,
        features: Sequence[int],
        feature_names: Sequence[str] | None,
        row: Any,
        feature_means: Any,
        feature_scales: Any,
    ) -> None:
        if self.is_max_network:
            n_features = 2
            self.plane = _MAX_PLANE
            default_names = ["x1", "x2"]
        else:
            try:
                table = as_table(X)
            except ExplainerError as error:
                raise ExplainerError(f"ContinuityView explains tabular models: {error}") from None
            n_features = table.shape[1]
            default_names = [f"x{i}" for i in range(n_features)]
        self.features = _checked_features(features, n_features)
        self.feature_names = default_names if feature_names is None else [str(name) for name in feature_names]
        if len(self.feature_names) != n_features:
            raise ExplainerError(f"{len(self.feature_names)} feature names for {n_features} features")
        if self.is_max_network:
            self.base = np.zeros(2, np.float32)
        else:
            self.base = _base_row(table, row)
            ranges = []
            for feature in self.features:
                low, high = float(table[:, feature].min()), float(table[:, feature].max())
                if not high > low:
                    raise ExplainerError(
                        f"feature {self.feature_names[feature]!r} has one value ({low:g}) in X: "
                        "choose a feature that varies"
                    )
                ranges.append((low, high))
            self.plane = (ranges[0], ranges[1])
        self.first_name, self.second_name = (self.feature_names[f] for f in self.features)
        self._units = _units(n_features, self.features, feature_means, feature_scales)

    def _check_model(self) -> int:
        """Run the model on the fixed row: a model that does not take (N, F) rows is not tabular."""
        row = torch.from_numpy(self.base).float()[None]
        try:
            outputs = self.explainer.outputs(row)
        except ExplainerError as error:
            raise ExplainerError(
                f"ContinuityView needs a tabular model taking (N, {row.shape[1]}) rows: {error}"
            ) from None
        except Exception as error:  # the model's own failure on a row it cannot take
            raise ExplainerError(
                f"the model fails on a (1, {row.shape[1]}) row of X ({type(error).__name__}: {error}): "
                "ContinuityView needs a tabular model taking (N, F) rows"
            ) from None
        if outputs.ndim != 2:
            raise ExplainerError(f"the model returns {tuple(outputs.shape)} for one row; expected (1, outputs)")
        self.predicted = int(outputs[0].argmax()) if outputs.shape[1] > 1 else 0
        return int(outputs.shape[1])

    def _centre_half(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (low_a, high_a), (low_b, high_b) = self.plane
        centre = ((low_a + high_a) / 2, (low_b + high_b) / 2)
        return centre, (_PATH_REACH * (high_a - low_a) / 2, _PATH_REACH * (high_b - low_b) / 2)

    def _shown(self, points: np.ndarray) -> np.ndarray:
        """Points (..., 2) of the plane in the units the axes show."""
        scale, offset, _ = self._units
        return np.asarray(points, np.float64) * scale + offset

    def _build_charts(self) -> None:
        first, second = self.first_name, self.second_name
        units = "" if self.is_max_network else (" (standardised)" if self._units[2] else " (original units)")
        (low_a, high_a), (low_b, high_b) = self.plane
        corners = self._shown(np.array([[low_a, low_b], [high_a, high_b]]))
        diagonal = corners  # the path crosses it at t = 0; x1 = x2 for the max network
        path = self._shown(np.array([self.path_point(-1.0), self.path_point(1.0)]))
        self.panels: dict[str, FieldPanel] = {}
        self.bars: dict[str, RelevanceBars] = {}
        self.paths: dict[str, PathChart] = {}
        columns = []
        for method in self.methods:
            title = self._title(method)
            panel = FieldPanel(
                title,
                f"{first}{units}",
                f"{second}{units}",
                f"xw-continuity-field-{method}",
                self._dragged,
                self._dropped,
            )
            panel.set_plane((corners[0, 0], corners[1, 0]), (corners[0, 1], corners[1, 1]))
            panel.show_guides(diagonal, path)
            value_label = _value_label(method)
            self.panels[method] = panel
            self.bars[method] = RelevanceBars(
                "at the point", [first, second], value_label, f"xw-continuity-bars-{method}"
            )
            self.paths[method] = PathChart("along the path", value_label, f"xw-continuity-path-{method}")
            columns.append(
                w.VBox(
                    [panel.figure, self.bars[method].figure, self.paths[method].figure], layout=w.Layout(margin="0 4px")
                )
            )
        self.slider = w.FloatSlider(
            min=-1.0,
            max=1.0,
            step=_T_STEP,
            description="move across the diagonal: t",
            continuous_update=True,
            readout_format=".3f",
            layout=w.Layout(width="520px"),
            style={"description_width": "190px"},
        )
        self.slider.add_class("xw-continuity-slider")
        traitlets.link((self.slider, "value"), (self, "path_t"))
        self.status_label = w.HTML()
        diagonal_name = (
            f"diagonal {first} = {second}"
            if self.is_max_network
            else "the plane's diagonal (both features at the same fraction of their range)"
        )
        key = PathChart.KEY.format(first=html.escape(first), second=html.escape(second), diagonal=diagonal_name)
        self.set_parts(
            [
                w.HTML(f"<b>{html.escape(self._heading())}</b>"),
                self.slider,
                self.status_label,
                w.HTML(colour_key(first, second)),
                w.HBox(columns, layout=w.Layout(flex_flow="row wrap")),
                w.HTML(key),
            ]
        )

    def _heading(self) -> str:
        if self.is_max_network:
            return "Continuity of explanations: f(x) = max(x1, x2), an exact ReLU network, on [0, 1]²"
        return (
            f"Continuity of explanations: {self.first_name} and {self.second_name} vary, "
            "the other features stay at the fixed row"
        )

    def _title(self, method: str) -> str:
        title = _TITLES.get(method, method)
        composite = self.params[method].get("composite")
        if method == "lrp" and isinstance(composite, str):
            title += f" ({composite}{': z⁺' if composite == 'excitation_backprop' else ''})"
        return title

    # ---- events (comm thread): record intent, hand the work to the worker --------------------------
    @traitlets.validate("point")
    def _inside_plane(self, proposal: dict) -> list[float]:
        values = [float(v) for v in proposal["value"]]
        if not all(np.isfinite(values)):
            raise traitlets.TraitError(f"point must be finite, got {values}")
        return [float(np.clip(v, low, high)) for v, (low, high) in zip(values, self.plane, strict=True)]

    @traitlets.validate("path_t")
    def _on_path(self, proposal: dict) -> float:
        return float(np.clip(proposal["value"], -1.0, 1.0))

    def _dragged(self, x_shown: float, y_shown: float) -> None:
        scale, offset = self._units[:2]
        point = ((np.array([x_shown, y_shown]) - offset) / scale).tolist()
        if not np.allclose(point, self.point, rtol=0.0, atol=1e-9):
            self.point = point

    def _dropped(self, x_shown: float, y_shown: float) -> None:
        """A drag ended at (x, y): the point is there (the drop message can overtake the browser's
        last position update, which ipywidgets holds back while one is in flight) and the slider
        goes to where it projects onto the path. Not during the drag: the slider would send each
        value back, and a late one would pull the point onto the path while it is dragged on."""
        self._dragged(x_shown, y_shown)
        self._follow_point()

    def _follow_point(self) -> None:
        """Put the slider where the point projects onto the path, without moving the point."""
        self._following = True
        try:
            self.path_t = self.path_position(self.point)
        finally:
            self._following = False

    def _on_point(self, _change: dict | None) -> None:
        shown = self._shown(np.array(self.point))
        for panel in self.panels.values():
            panel.move_point(float(shown[0]), float(shown[1]))
        # The path charts' cursors show where the point projects; the slider follows at the drop.
        t = self.path_position(self.point)
        for chart in self.paths.values():
            chart.move_cursor(t)
        self._show_status()
        self.refresh()

    def _on_path_t(self, change: dict) -> None:
        # Less than half a slider step is the browser's slider rounding a value set here and
        # sending it back: not a move (it would pull a dropped point onto the path).
        if not self._following and abs(change["new"] - change["old"]) >= _T_STEP / 2:
            self.point = self.path_point(change["new"])

    @traitlets.validate("target")
    def _an_output(self, proposal: dict) -> int:
        if not -1 <= proposal["value"] < self.n_outputs:
            raise traitlets.TraitError(
                f"target must be -1 (the predicted class) or 0..{self.n_outputs - 1}, got {proposal['value']}"
            )
        return int(proposal["value"])

    def _on_target(self, _change: dict) -> None:
        self.refresh()

    def _show_status(self, _change: dict | None = None) -> None:
        shown = self._shown(np.array(self.point))
        error = f" <span class='xw-continuity-error' style='color:#b00'>{html.escape(self.error)}</span>"
        self.status_label.value = (
            f"<span class='xw-continuity-status' data-status='{self.status}'>{self.status}</span> · "
            f"<span class='xw-continuity-where'>point: {html.escape(self.first_name)} = {format_value(shown[0])}, "
            f"{html.escape(self.second_name)} = {format_value(shown[1])} "
            f"(projects onto the path at t = {self.path_position(self.point):.3f})</span>"
            f" <span class='xw-muted'>{self.elapsed_ms:.1f} ms</span>{error if self.error else ''}"
        )

    # ---- work (worker thread) -------------------------------------------------------------------
    def _update(self, work: Work) -> str:
        target = self.resolved_target()
        errors = self._update_bars(work, target)
        work.check()
        errors += self._update_fields(work, target)
        return "; ".join(dict.fromkeys(errors))

    def _update_bars(self, work: Work, target: int) -> list[str]:
        point = list(self.point)
        shown = self._shown(np.array(point))
        where = f"({format_value(shown[0])}, {format_value(shown[1])})"
        inputs = self.inputs_at([point])
        errors = []
        for method in self.methods:
            work.check()
            key = (tuple(point), target)
            if self._bar_keys.get(method) == key:
                continue
            try:
                result = work.call(
                    method, self.explainer.attribute, inputs, method, target=target, **self.params[method]
                )
            except ExplainerError as error:
                self._bar_keys[method] = key
                self._results.pop(method, None)
                self.bars[method].clear(f"{method}: error")
                errors.append(f"{method}: {error}")
                continue
            work.check()
            values = result.values[0, list(self.features)].numpy()
            self._results[method], self._bar_keys[method] = values, key
            self.bars[method].show(values, f"at {where}")
        return errors

    def _update_fields(self, work: Work, target: int) -> list[str]:
        if self._field_key == target:
            return []
        (low_a, high_a), (low_b, high_b) = self.plane
        self.x_centres = _cell_centres(low_a, high_a, self.grid)
        self.y_centres = _cell_centres(low_b, high_b, self.grid)
        # Row-major over (second feature, first feature): the field's rows are the plane's rows.
        second, first = np.meshgrid(self.y_centres, self.x_centres, indexing="ij")
        plane_inputs = self.inputs_at(np.stack([first.ravel(), second.ravel()], 1))
        self.t = np.linspace(-1.0, 1.0, self.n_path)
        path_inputs = self.inputs_at(np.array([self.path_point(t) for t in self.t]))
        shown_x = self._shown(np.stack([self.x_centres, self.x_centres], 1))[:, 0]
        shown_y = self._shown(np.stack([self.y_centres, self.y_centres], 1))[:, 1]
        errors = []
        columns = list(self.features)
        for method in self.methods:
            work.check()
            params = self.params[method]
            try:
                field = work.call(
                    f"field:{method}", self.explainer.attribute, plane_inputs, method, target=target, **params
                )
                work.check()
                path = work.call(
                    f"path:{method}", self.explainer.attribute, path_inputs, method, target=target, **params
                )
            except ExplainerError as error:
                self.panels[method].clear(f"{method}: error")
                self.paths[method].clear(f"{method}: error")
                errors.append(f"{method}: {error}")
                continue
            work.check()
            relevance = field.values[:, columns].numpy().reshape(self.grid, self.grid, 2)
            along = path.values[:, columns].numpy()
            self.fields[method], self.path_values[method] = relevance, along
            self.panels[method].show_field(shown_x, shown_y, _balance(relevance), self._title(method))
            seen = [relevance.ravel(), along.ravel()]
            if method in self._results:
                seen.append(self._results[method])
            low, high = float(min(v.min() for v in seen)), float(max(v.max() for v in seen))
            self.bars[method].set_range(low, high)
            self.paths[method].show(self.t, along, "along the path across the diagonal", low, high)
        self._field_key = target
        return errors


# ---- helpers ---------------------------------------------------------------------------------------
def _checked_int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ExplainerError(f"{name} must be an int from {low} to {high}, got {value!r}")
    return int(value)


def _checked_features(features: Sequence[int], n_features: int) -> tuple[int, int]:
    values = list(features) if isinstance(features, (list, tuple)) else None
    if values is None or len(values) != 2 or not all(isinstance(f, (int, np.integer)) for f in values):
        raise ExplainerError(f"features must be two column indices, e.g. (0, 1), got {features!r}")
    first, second = int(values[0]), int(values[1])
    for feature in (first, second):
        if not 0 <= feature < n_features:
            raise ExplainerError(
                f"feature index {feature} is out of range: the data has {n_features} features (0..{n_features - 1})"
            )
    if first == second:
        raise ExplainerError(f"features names column {first} twice: choose two different features")
    return first, second


def _base_row(table: torch.Tensor, row: Any) -> np.ndarray:
    """The values of the features that stay fixed: the mean row, row ``row`` of X, or a given row."""
    if row is None:
        return table.mean(0).numpy().astype(np.float32)
    if isinstance(row, (int, np.integer)) and not isinstance(row, bool):
        if not 0 <= row < len(table):
            raise ExplainerError(f"row {row} is out of range: X has {len(table)} rows (0..{len(table) - 1})")
        return table[int(row)].numpy().astype(np.float32)
    values = np.asarray(row.detach().cpu() if isinstance(row, torch.Tensor) else row, dtype=np.float32).reshape(-1)
    if values.shape != (table.shape[1],) or not np.all(np.isfinite(values)):
        raise ExplainerError(
            f"row must be None (the mean row), a row index or {table.shape[1]} finite values, got shape {values.shape}"
        )
    return values


def _units(
    n_features: int, features: tuple[int, int], feature_means: Any, feature_scales: Any
) -> tuple[np.ndarray, np.ndarray, bool]:
    """(scale, offset, standardised) of the two features: shown = value * scale + offset."""
    if feature_means is None and feature_scales is None:
        return np.ones(2), np.zeros(2), True
    means = np.zeros(n_features) if feature_means is None else _per_feature(feature_means, n_features, "feature_means")
    scales = (
        np.ones(n_features) if feature_scales is None else _per_feature(feature_scales, n_features, "feature_scales")
    )
    chosen = list(features)
    if not np.all(scales[chosen] > 0):
        raise ExplainerError("feature_scales must be positive for the two chosen features")
    return scales[chosen], means[chosen], False


def _per_feature(values: Any, n_features: int, name: str) -> np.ndarray:
    array = np.asarray(values.detach().cpu() if isinstance(values, torch.Tensor) else values, np.float64).reshape(-1)
    if array.shape != (n_features,):
        raise ExplainerError(f"{name} needs one entry per feature ({n_features}), got {array.shape[0]}")
    return array


def _cell_centres(low: float, high: float, n: int) -> np.ndarray:
    """Centres of ``n`` equal cells that tile ``low``..``high`` (bqplot's HeatMap draws each cell
    around its centre, so the field covers the plane exactly)."""
    step = (high - low) / n
    return (low + (np.arange(n) + 0.5) * step).astype(np.float64)


def _balance(relevance: np.ndarray) -> np.ndarray:
    """(|R1| - |R2|) / (|R1| + |R2|) per cell: +1 all on the first feature, -1 all on the second, 0
    an even split (and where both are 0)."""
    magnitude = np.abs(relevance.astype(np.float64))
    total = magnitude.sum(-1)
    share = np.divide(magnitude[..., 0] - magnitude[..., 1], total, out=np.zeros_like(total), where=total > 0)
    return share.astype(np.float32)


def _value_label(method: str) -> str:
    if method in ("gradient", "saliency"):
        return "∂f/∂x (output per input unit)"
    return "relevance (output units)"
