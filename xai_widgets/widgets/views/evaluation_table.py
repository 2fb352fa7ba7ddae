"""EvaluationTable: methods against explanation metrics over a data set, as mean ± spread over the
images, computed batched with progress, time left and cancel, so a user can rank the methods."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch

from ...kernel import Explainer, ExplainerError, registered_methods, registered_metrics
from ..base.view import BaseView, Cancelled, Work
from ..controls.method_chips import check_methods
from .metric_calls import chosen_metrics, format_score, run_metric, scores
from .metric_grid import MetricGrid

DEFAULT_METHODS = ("gradient", "integrated_gradients", "grad_cam", "guided_backprop")


class EvaluationTable(BaseView):
    """Every method's maps of ``images`` scored by the explanation metrics: a table of the mean
    and standard deviation over the images, the best mean of each column marked.

    Args:
        explainer: the bound model.
        images: (N, C, H, W) inputs (or any batch the model takes).
        masks: (N, 1, H, W) or (N, H, W) ground-truth masks; without them the localisation
            metrics are left out (the view says so).
        methods: registered attribution methods, one row each.
        metrics: registered metric names (default: localisation with masks, complexity, deletion
            and insertion curves).
        targets: the class explained per image (an int, one per image, or None: predicted).
        method_params, metric_params: parameters by method and by metric.

    Each method attributes the whole batch in one call and each metric scores it in one batched
    call, in one long job with a progress bar, the time left and Cancel. ``scores()`` holds the
    per-image numbers, ``summary()`` the means and spreads the table shows.
    """

    worker_name = "evaluation-table"

    def __init__(
        self,
        explainer: Explainer,
        images: Any,
        masks: Any = None,
        methods: Sequence[str] = DEFAULT_METHODS,
        metrics: Sequence[str] | None = None,
        targets: Any = None,
        method_params: Mapping[str, Mapping[str, Any]] | None = None,
        metric_params: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.explainer = explainer
        self.images = _as_tensor(images, "images")
        if len(self.images) == 0:
            raise ExplainerError("images is empty: give at least one image")
        self.masks = None if masks is None else _masks(masks, self.images)
        self.methods = check_methods(list(methods), registered_methods())
        self.metrics, self.left_out = chosen_metrics(metrics, self.masks is not None)
        self.specs = registered_metrics()
        self.method_params = {m: dict((method_params or {}).get(m, {})) for m in self.methods}
        self.metric_params = {m: dict((metric_params or {}).get(m, {})) for m in self.metrics}
        for name, params in self.metric_params.items():
            self.specs[name].resolve(params)
        self.targets = targets
        super().__init__()
        self._scores: dict[str, dict[str, np.ndarray]] = {}
        self._errors: dict[tuple[str, str], str] = {}
        self.grid = MetricGrid(cell_width=124)
        self.grid.set_shape(self.methods, self.metrics)
        note = f"Mean ± standard deviation over {len(self.images)} images (↑: higher is better, ↓: lower); "
        note += "the best mean of each column is green."
        if self.left_out:
            note += f" <b>No masks given</b>: localisation ({html.escape(', '.join(self.left_out))}) needs masks=."
        self.compute_button = w.Button(
            description="compute", tooltip="compute the cells not yet computed (after a cancel)"
        )
        self.compute_button.add_class("xw-eval-compute")
        self.compute_button.on_click(lambda _button: self.refresh())
        self.set_parts(
            [
                w.HBox([self.compute_button, w.HTML(f"<div class='xw-eval-note' style='font-size:12px'>{note}</div>")]),
                self.grid,
            ]
        )
        self.add_class("xw-evaluation-table")
        self.refresh()

    # ---- for scripts and tests --------------------------------------------------------------------
    def scores(self) -> dict[str, dict[str, np.ndarray]]:
        """Per method and metric, the score of each image (N,)."""
        return {method: dict(row) for method, row in self._scores.items()}

    def summary(self) -> dict[str, dict[str, tuple[float, float]]]:
        """Per method and metric, (mean, standard deviation) over the images with a finite score."""
        return {
            method: {metric: _mean_std(values) for metric, values in row.items()}
            for method, row in self._scores.items()
        }

    # ---- the work (worker thread) ------------------------------------------------------------------
    def _update(self, work: Work) -> str:
        pending = [m for m in self.methods if set(self._scores.get(m, {})) | self._failed(m) != set(self.metrics)]
        if not pending:
            return ""
        for method in pending:
            for metric in self.metrics:
                if metric not in self._scores.get(method, {}):
                    self.grid.set_cell(method, metric, "…", "computing")
        try:
            work.call("evaluation", self._evaluate, work, pending)
        except Cancelled:
            for (method, metric), cell in self.grid.cells.items():
                if cell.description == "…":
                    self.grid.set_cell(method, metric, "cancelled", "press 'compute' to finish the table")
            raise
        return "; ".join(f"{method} · {metric}: {error}" for (method, metric), error in self._errors.items())

    def _failed(self, method: str) -> set[str]:
        return {metric for (row, metric) in self._errors if row == method}

    def _evaluate(self, work: Work, methods: list[str], progress: Any) -> None:
        """Every method's maps, then every metric on them; ``progress`` covers the whole job."""
        steps = len(methods) * (1 + len(self.metrics))
        done = 0

        def part(fraction: float) -> None:
            progress((done + fraction) / steps)

        for method in methods:
            try:
                maps = self.explainer.attribute(
                    self.images, method, self.targets, progress=part, **self.method_params[method]
                )
            except ExplainerError as error:
                for metric in self.metrics:
                    self._errors[(method, metric)] = f"{method}: {error}"
                    self.grid.set_cell(method, metric, "error", str(error), failed=True)
                done += 1 + len(self.metrics)
                continue
            done += 1
            for metric in self.metrics:
                work.check()
                if metric in self._scores.get(method, {}):
                    done += 1
                    continue
                self._score(method, metric, maps, part)
                done += 1
                progress(done / steps)
            self._mark_best()

    def _score(self, method: str, metric: str, maps: Any, progress: Any) -> None:
        spec = self.specs[metric]
        try:
            result = run_metric(
                spec,
                explainer=self.explainer,
                x=self.images,
                attributions=maps.values,
                masks=self.masks,
                method=method,
                target=maps.target,
                method_params=self.method_params[method],
                params=self.metric_params[metric],
                progress=progress,
            )
        except ExplainerError as error:
            self._errors[(method, metric)] = str(error)
            self.grid.set_cell(method, metric, "error", str(error), failed=True)
            return
        values = scores(spec, result)
        self._scores.setdefault(method, {})[metric] = values
        mean, spread = _mean_std(values)
        self.grid.set_cell(
            method,
            metric,
            f"{format_score(mean)} ± {format_score(spread, digits=2)}",
            f"{metric}: mean {mean:.6g}, std {spread:.6g} over {int(np.isfinite(values).sum())} images",
        )

    def _mark_best(self) -> None:
        for metric in self.metrics:
            means = {m: _mean_std(row[metric])[0] for m, row in self._scores.items() if metric in row}
            self.grid.mark_best(metric, means, self.specs[metric].higher_is_better)


def _mean_std(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan"), float("nan")
    return float(finite.mean()), float(finite.std())


def _as_tensor(values: Any, name: str) -> torch.Tensor:
    if isinstance(values, np.ndarray):
        values = torch.from_numpy(values)
    if not isinstance(values, torch.Tensor) or values.ndim < 2:
        raise ExplainerError(f"{name} must be a batch tensor (N, ...), got {type(values).__name__}")
    return values.detach().float().cpu()


def _masks(masks: Any, images: torch.Tensor) -> torch.Tensor:
    masks = torch.as_tensor(masks).detach().cpu().bool()
    if masks.ndim == images.ndim - 1:
        masks = masks.unsqueeze(1)
    if masks.shape[0] != images.shape[0] or masks.shape[2:] != images.shape[2:]:
        raise ExplainerError(f"masks of shape {tuple(masks.shape)} do not match images {tuple(images.shape)}")
    return masks
