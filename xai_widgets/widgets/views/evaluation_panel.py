"""EvaluationPanel: the ImageExplorer's table of every enabled method against the explanation
metrics for the current sample, computed on the explorer's worker after its maps are shown; a
click on a cell opens its detail."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np

from ...kernel import ExplainerError, registered_metrics
from ..base.view import Cancelled, Work
from .evaluation_detail import CURVE_METRICS, CellContext, EvaluationDetail
from .metric_calls import chosen_metrics, format_score, run_metric, scores
from .metric_grid import MetricGrid


class EvaluationPanel(w.VBox):
    """Methods against metrics for one sample, live while the panel is open.

    Args:
        has_masks: whether the host has ground-truth masks (localisation needs them).
        on_open: called when the panel is opened (the host refreshes, computing the table).
        metrics: registered metric names (default :data:`~.metric_calls.DEFAULT_METRICS`).
        metric_params: parameters per metric, e.g. ``{"deletion_curve": {"steps": 20}}``.
        open: whether the panel starts open (``toggle``'s value, synced: the user opens it).

    The numbers are ``xw.metrics`` called on the host's sample, the map it shows and its target;
    they are cached per (sample and edits, target, method and its parameters), so only what
    changed is recomputed. ``selected`` is the (method, metric) whose detail is open.
    """

    def __init__(
        self,
        has_masks: bool,
        on_open: Callable[[], None],
        metrics: Sequence[str] | None = None,
        metric_params: Mapping[str, Mapping[str, Any]] | None = None,
        open: bool = False,
    ) -> None:
        self.metrics, self.left_out = chosen_metrics(metrics, has_masks)
        self.specs = registered_metrics()
        self.metric_params = {name: dict(params) for name, params in (metric_params or {}).items()}
        odd = sorted(set(self.metric_params) - set(self.metrics))
        if odd:
            raise ExplainerError(f"metric_params names {odd}, which are not among the metrics shown {self.metrics}")
        for name, params in self.metric_params.items():
            self.specs[name].resolve(params)  # a wrong parameter fails now, not in every cell
        self.toggle = w.ToggleButton(value=open, description="evaluate the maps", icon="table")
        self.toggle.add_class("xw-eval-toggle")
        self.note = w.HTML(self._note())
        self.grid = MetricGrid(self._clicked)
        self.detail = EvaluationDetail()
        self.body = w.VBox([self.note, self.grid, self.detail])
        super().__init__([self.toggle, self.body])
        self.add_class("xw-eval-panel")
        self.selected: tuple[str, str] | None = None
        self._results: dict[tuple[str, str], tuple[tuple, Any]] = {}
        self._contexts: dict[str, dict[str, Any]] = {}
        self._keys: dict[tuple[str, str], tuple] = {}
        self._on_open = on_open
        self._show_body()
        self.toggle.observe(self._toggled, names="value")

    @property
    def is_open(self) -> bool:
        return bool(self.toggle.value)

    def scores(self) -> dict[str, dict[str, float]]:
        """The numbers the table shows now: {method: {metric: score}} (NaN where a metric failed)."""
        table: dict[str, dict[str, float]] = {}
        for method in self.grid.methods:
            for metric in self.grid.metrics:
                entry = self._results.get((method, metric))
                if entry is None or entry[0] != self._keys.get((method, metric)):
                    continue
                value = entry[1]
                number = (
                    float("nan") if isinstance(value, ExplainerError) else float(scores(self.specs[metric], value)[0])
                )
                table.setdefault(method, {})[metric] = number
        return table

    def result(self, method: str, metric: str) -> Any:
        """The metric's own result (a tensor or result dataclass) for the sample shown, or None."""
        entry = self._results.get((method, metric))
        return entry[1] if entry is not None and entry[0] == self._keys.get((method, metric)) else None

    def open_cell(self, method: str, metric: str) -> None:
        """Open the detail of a cell (as a click on it does)."""
        self._clicked(method, metric)

    # ---- the work (the host's worker thread) -------------------------------------------------------
    def update(
        self,
        work: Work,
        explainer: Any,
        image: Any,
        target: int,
        maps: Mapping[str, Any],
        method_params: Mapping[str, dict[str, Any]],
        mask: Any,
        sample_key: tuple,
    ) -> str:
        """Bring the table up to date with the host's sample ``image`` (C, H, W), its ``target``,
        the methods' ``maps`` (C, H, W) and ``mask`` (H, W) or None; return an error text."""
        if not self.is_open:
            return ""
        methods = list(maps)
        self.grid.set_shape(methods, self.metrics)
        masks = None if mask is None else np.asarray(mask).astype(bool)[None, None]
        for method in methods:
            params = json.dumps(method_params.get(method, {}), sort_keys=True, default=str)
            self._contexts[method] = {"image": image, "map": maps[method], "mask": mask, "params": method_params}
            for metric in self.metrics:
                key = (sample_key, target, method, params, metric)
                self._keys[(method, metric)] = key
                if self._results.get((method, metric), (None,))[0] != key:
                    self.grid.set_cell(method, metric, "…", "computing")
        if self.selected is not None and self.selected[0] in methods:
            self._show_detail()
        try:
            return self._fill(work, explainer, image, target, maps, method_params, masks)
        except Cancelled:
            for (method, metric), cell in self.grid.cells.items():
                if cell.description == "…":
                    self.grid.set_cell(method, metric, "cancelled", "cancelled: change something or reopen to compute")
            raise

    def _fill(
        self,
        work: Work,
        explainer: Any,
        image: Any,
        target: int,
        maps: Mapping[str, Any],
        method_params: Mapping[str, dict[str, Any]],
        masks: Any,
    ) -> str:
        errors = []
        for method in maps:
            for metric in self.metrics:
                work.check()
                key = self._keys[(method, metric)]
                if self._results.get((method, metric), (None,))[0] == key:
                    continue
                result, error = self._compute(
                    work, explainer, image, target, maps[method], method, method_params, masks, metric
                )
                self._results[(method, metric)] = (key, result if error is None else error)
                self._show_cell(method, metric)
                if error is not None:
                    errors.append(f"{method} · {metric}: {error}")
                if self.selected == (method, metric) or (
                    self.selected is not None and self.selected[0] == method and metric in CURVE_METRICS
                ):
                    self._show_detail()
            self._mark_best()
        return "; ".join(errors)

    def _compute(
        self,
        work: Work,
        explainer: Any,
        image: Any,
        target: int,
        attribution: Any,
        method: str,
        method_params: Mapping[str, dict[str, Any]],
        masks: Any,
        metric: str,
    ) -> tuple[Any, ExplainerError | None]:
        spec = self.specs[metric]
        inputs = dict(
            explainer=explainer,
            x=image[None],
            attributions=attribution[None],
            masks=masks,
            method=method,
            target=target,
            method_params=dict(method_params.get(method, {})),
            params=self.metric_params.get(metric, {}),
        )
        try:
            if spec.long:
                return work.call(f"metric:{metric}", run_metric, spec, **inputs), None
            return run_metric(spec, **inputs), None
        except ExplainerError as error:
            return None, error

    # ---- showing (either thread) --------------------------------------------------------------------
    def _show_cell(self, method: str, metric: str) -> None:
        value = self.result(method, metric)
        spec = self.specs[metric]
        if isinstance(value, ExplainerError):
            self.grid.set_cell(method, metric, "error", str(value), failed=True)
        elif value is not None:
            score = float(scores(spec, value)[0])
            self.grid.set_cell(method, metric, format_score(score), f"{spec.name}: {score:.6g} · click for its detail")

    def _mark_best(self) -> None:
        table = self.scores()
        for metric in self.metrics:
            values = {m: table[m][metric] for m in table if metric in table[m]}
            self.grid.mark_best(metric, values, self.specs[metric].higher_is_better)

    def _clicked(self, method: str, metric: str) -> None:
        self.selected = (method, metric)
        self.grid.select(method, metric)
        self._show_detail()

    def _show_detail(self) -> None:
        if self.selected is None:
            return
        method, metric = self.selected
        value = self.result(method, metric)
        context = self._contexts.get(method)
        if context is None or method not in self.grid.methods:
            self.detail.clear()
        elif value is None:
            self.detail.clear(f"<i>{html.escape(method)} · {html.escape(metric)}: computing…</i>")
        elif isinstance(value, ExplainerError):
            what = f"{method} · {metric}: {value}"
            self.detail.clear(f"<span style='color:#b00'>{html.escape(what)}</span>")
        else:
            spec = self.specs[metric]
            curves = {name: self.result(method, name) for name in CURVE_METRICS if name != metric}
            self.detail.show(
                method,
                spec,
                value,
                CellContext(
                    image=context["image"],
                    attribution=context["map"],
                    mask=context["mask"],
                    params=spec.resolve(self.metric_params.get(metric, {})),
                    curves={
                        name: curve
                        for name, curve in curves.items()
                        if curve is not None and not isinstance(curve, ExplainerError)
                    },
                ),
            )

    def _toggled(self, _change: dict) -> None:
        self._show_body()
        if self.is_open:
            self._on_open()

    def _show_body(self) -> None:
        self.body.layout.display = "" if self.is_open else "none"

    def _note(self) -> str:
        text = (
            "Each method's map for this sample, scored by the explanation metrics (↑: higher is better, "
            "↓: lower); the best of each column is green. Click a cell for its detail."
        )
        if self.left_out:
            names = ", ".join(name.replace("_", " ") for name in self.left_out)
            text += (
                f" <b>No masks given</b>: the localisation metrics ({html.escape(names)}) need the explorer's masks=."
            )
        return f"<div class='xw-eval-note' style='font-size:12px;max-width:900px'>{text}</div>"
