"""UncertaintyView: how sure is the model, sample by sample? Error against predicted σ (regression)
or the reliability diagram (classifiers) over a data set; a click on a sample shows its prediction
distribution, what drives its prediction and what makes it uncertain."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets

from ...kernel import Explainer, ExplainerError, Uncertainty, UncertaintyOf, performance
from ..base.view import BaseView, Work
from ..charts.figures import key_html
from ..charts.tabular_charts import FeatureBars
from ..charts.uncertainty_charts import (
    BAND_COLOUR,
    GUIDE_COLOUR,
    POINT_COLOUR,
    WRONG_COLOUR,
    AttributionMap,
    DistributionChart,
    PickScatter,
    ReliabilityDiagram,
    SettlingChart,
)

METHODS = ("mc_dropout", "ensemble")
COVERAGE_K = 2.0
N_BINS = 10
MAX_SAMPLES = 200


class UncertaintyView(BaseView):
    """Predictive uncertainty of a model over a data set, linked to one sample's explanation.

    Args:
        explainer: the bound model (``task="gaussian"`` for a variance head: σ is then the total,
            epistemic and aleatoric).
        X: the data set (N, ...), tabular (N, F) or images (N, C, H, W).
        y: true value (regression) or class index (classification) per sample.
        method: "mc_dropout" (the model needs dropout) or "ensemble" (an ``xw.Ensemble``).
        n_samples: MC dropout samples (the slider changes it; ignored for an ensemble).
        feature_names: one per column of tabular ``X``; default "x0", "x1", ...
        class_names: one per output of a classifier; default "0", "1", ...
        attribution_method: what explains the prediction and its uncertainty.
        seed: the dropout masks' seed, so the same settings give the same numbers.

    Regression: |error| against predicted σ for every sample with the line |error| = 2σ (the
    fraction under it in the title, from ``xw.performance.coverage``), and predicted against true
    with ±2σ error bars. Classification: top-class confidence against the entropy of the mean
    prediction per sample (wrong predictions in red) and the reliability diagram with its ECE.
    A click on a point selects the sample: the histogram of its MC samples' (or members')
    predictions, the estimate settling as samples are added, its attributions and the
    attributions of its uncertainty (``of="std"``, or ``"entropy"`` for a classifier).

    Synced traits: ``sample_index``, ``n_samples``, ``method``; and the base's ``status``,
    ``error``, ``elapsed_ms``... Kernel calls run on the view's worker, latest-wins.

    Linked to an explorer on the same data (same samples, same order), a click in either selects
    the sample in both: ``xw.link_samples(view, explorer)`` (an ImageExplorer's selected sample is
    its canvas's ``sample_index``, which the helper finds), or for two views with a
    ``sample_index`` trait each, ``traitlets.link((view, "sample_index"), (explorer, "sample_index"))``.
    """

    sample_index = traitlets.Int(0).tag(sync=True)
    n_samples = traitlets.Int(30).tag(sync=True)
    method = traitlets.Unicode("mc_dropout").tag(sync=True)

    worker_name = "uncertainty-view"

    def __init__(
        self,
        explainer: Explainer,
        X: Any,
        y: Any,
        method: str = "mc_dropout",
        n_samples: int = 30,
        feature_names: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        attribution_method: str = "integrated_gradients",
        seed: int = 0,
    ) -> None:
        if method not in METHODS:
            raise ExplainerError(f"method must be one of {METHODS}, got {method!r}")
        if isinstance(n_samples, bool) or not isinstance(n_samples, int) or not 2 <= n_samples <= MAX_SAMPLES:
            raise ExplainerError(f"n_samples must be an int in 2..{MAX_SAMPLES}, got {n_samples!r}")
        self.explainer = explainer
        self.X = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X).detach().float().cpu()
        if self.X.ndim < 2 or len(self.X) < 1:
            raise ExplainerError(f"X must be a batch (N, ...) of at least one sample, got shape {tuple(self.X.shape)}")
        self.y = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y).detach().flatten().cpu()
        if len(self.y) != len(self.X):
            raise ExplainerError(f"y has {len(self.y)} entries for {len(self.X)} samples of X")
        self.tabular = self.X.ndim == 2
        n_features = self.X.shape[1]
        self.feature_names = (
            [f"x{i}" for i in range(n_features)] if feature_names is None else [str(n) for n in feature_names]
        )
        if self.tabular and len(self.feature_names) != n_features:
            raise ExplainerError(f"{len(self.feature_names)} feature names for {n_features} columns of X")
        self.regression = explainer.is_regression(explainer.outputs(self.X[:1]))
        n_outputs = explainer.outputs(self.X[:1]).shape[1]
        self.class_names = [str(i) for i in range(n_outputs)] if class_names is None else [str(c) for c in class_names]
        if not self.regression and len(self.class_names) != n_outputs:
            raise ExplainerError(f"{len(self.class_names)} class names for a model with {n_outputs} outputs")
        self.attribution_method = attribution_method
        self.seed = seed

        super().__init__()
        self.uncertainty: Uncertainty | None = None
        self.sigma = np.zeros(0)
        self.errors = np.zeros(0)
        self.coverage: float | None = None
        self.ece: float | None = None
        self.attributions: dict[str, np.ndarray] = {}
        self._overview_key: tuple | None = None
        self._detail_key: tuple | None = None
        self._build_layout()
        self.add_class("xw-uncertainty-view")

        self.observe(self._sample_changed, names="sample_index")
        self.observe(self._settings_changed, names=["n_samples", "method"])
        self.observe(self._show_status, names=["status", "error"])
        self.n_samples, self.method = n_samples, method
        self._method_shown()
        self.refresh()

    # ---- set-up ----------------------------------------------------------------------------
    def _build_layout(self) -> None:
        if self.regression:
            self.overview = PickScatter(
                "Actual |error| against predicted σ",
                "predicted σ (units of y)",
                "|error| (units of y)",
                "xw-uncertainty-error-sigma",
                self._pick,
            )
            self.overview.key.value = key_html(
                [("sample", POINT_COLOUR, "dot"), ("|error| = 2σ", GUIDE_COLOUR, "line")], "xw-error-sigma-key"
            )
            self.second = PickScatter(
                "Predicted against true (±2σ)",
                "true value (units of y)",
                "predicted mean (units of y)",
                "xw-uncertainty-predicted-true",
                self._pick,
            )
            self.second.key.value = key_html(
                [
                    ("sample", POINT_COLOUR, "dot"),
                    ("±2σ", BAND_COLOUR, "line"),
                    ("predicted = true", GUIDE_COLOUR, "line"),
                ],
                "xw-predicted-true-key",
            )
            second_box = w.VBox([self.second.figure, self.second.key])
        else:
            self.overview = PickScatter(
                "Confidence against entropy",
                "entropy of the mean prediction (nats)",
                "confidence (top-class probability)",
                "xw-uncertainty-confidence",
                self._pick,
            )
            self.overview.key.value = key_html(
                [("right", POINT_COLOUR, "dot"), ("wrong", WRONG_COLOUR, "dot")], "xw-confidence-key"
            )
            self.reliability = ReliabilityDiagram()
            second_box = w.VBox([self.reliability.figure, self.reliability.key])
        self.distribution = DistributionChart()
        self.settling = SettlingChart()
        if self.tabular:
            self.output_bars: FeatureBars | AttributionMap = FeatureBars(
                "Attribution of the prediction", self.feature_names, "xw-uncertainty-output-bars", width=260
            )
            self.uncertainty_bars: FeatureBars | AttributionMap = FeatureBars(
                "Attribution of the uncertainty", self.feature_names, "xw-uncertainty-std-bars", width=260
            )
        else:
            self.output_bars = AttributionMap("Attribution of the prediction", "xw-uncertainty-output-map")
            self.uncertainty_bars = AttributionMap("Attribution of the uncertainty", "xw-uncertainty-std-map")
        self.slider = w.IntSlider(
            min=2,
            max=MAX_SAMPLES,
            description="MC samples",
            continuous_update=False,
            style={"description_width": "80px"},
            layout=w.Layout(width="360px"),
        )
        self.slider.add_class("xw-uncertainty-slider")
        traitlets.link((self.slider, "value"), (self, "n_samples"))
        self.method_dropdown = w.Dropdown(
            options=list(METHODS),
            description="method",
            style={"description_width": "55px"},
            layout=w.Layout(width="220px"),
        )
        traitlets.link((self.method_dropdown, "value"), (self, "method"))
        self.status_label = w.HTML()
        self.summary_label = w.HTML()
        self.set_parts(
            [
                w.HBox([self.method_dropdown, self.slider], layout=w.Layout(flex_flow="row wrap")),
                self.status_label,
                self.summary_label,
                w.HBox(
                    [w.VBox([self.overview.figure, self.overview.key]), second_box],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                w.HBox(
                    [
                        w.VBox([self.distribution.figure, self.distribution.key]),
                        w.VBox([self.settling.figure, self.settling.key]),
                    ],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                w.HBox([self.output_bars.figure, self.uncertainty_bars.figure], layout=w.Layout(flex_flow="row wrap")),
            ]
        )

    # ---- events (comm thread) ----------------------------------------------------------------
    def _pick(self, index: int) -> None:
        self.sample_index = index

    def _sample_changed(self, change: dict) -> None:
        if not 0 <= change["new"] < len(self.X):
            self.error = f"sample_index {change['new']} is out of range 0..{len(self.X) - 1}"
            self.sample_index = change["old"]
            return
        self.overview.select(change["new"])
        if self.regression:
            self.second.select(change["new"])
        self.refresh()

    def _settings_changed(self, change: dict) -> None:
        if change["name"] == "n_samples" and not 2 <= change["new"] <= MAX_SAMPLES:
            self.error = f"n_samples must be 2..{MAX_SAMPLES}, got {change['new']}"
            self.n_samples = change["old"]
            return
        if change["name"] == "method" and change["new"] not in METHODS:
            self.error = f"method must be one of {METHODS}, got {change['new']!r}"
            self.method = change["old"]
            return
        self._method_shown()
        self.refresh()

    def _method_shown(self) -> None:
        # An ensemble's members are its samples: the slider has nothing to change.
        self.slider.disabled = self.method == "ensemble"

    def _show_status(self, _change: dict | None = None) -> None:
        error = (
            f" <span class='xw-uncertainty-error' style='color:#b00'>{html.escape(self.error)}</span>"
            if self.error
            else ""
        )
        self.status_label.value = (
            f"<span class='xw-uncertainty-status' data-status='{self.status}'>{self.status}</span>"
            f" <span class='xw-muted'>{self.elapsed_ms:.1f} ms</span>{error}"
        )

    # ---- work (worker thread) -----------------------------------------------------------------
    def _update(self, work: Work) -> str:
        key = (self.method, self.n_samples if self.method == "mc_dropout" else None)
        if key != self._overview_key:
            self._overview_key = self._detail_key = None
            result = work.call(
                "predict_uncertainty",
                self.explainer.predict_uncertainty,
                self.X,
                self.method,
                n_samples=self.n_samples,
                seed=self.seed,
            )
            work.check()
            self.uncertainty = result
            self._show_overview(result)
            self._overview_key = key
        work.check()
        index = self.sample_index
        if (key, index) != self._detail_key:
            self._show_detail(work, index)
            self._detail_key = (key, index)
        return ""

    def _show_overview(self, result: Uncertainty) -> None:
        n = len(self.X)
        label = "MC dropout" if result.method == "mc_dropout" else "ensemble"
        if self.regression:
            mean = result.mean[:, 0]
            sigma = (result.total if result.total is not None else result.std)[:, 0]
            errors = mean - self.y.float()
            self.coverage = float(performance.coverage(errors, sigma, k=COVERAGE_K))
            self.sigma, self.errors = sigma.numpy(), errors.numpy()
            absolute = np.abs(self.errors)
            top_sigma = float(self.sigma.max())
            # The coverage goes in the key (HTML), not the figure title: bqplot can miss a title
            # set while it first draws the figure (seen in a loaded browser run).
            self.overview.key.value = key_html(
                [
                    ("sample", POINT_COLOUR, "dot"),
                    (f"|error| = 2σ: {self.coverage:.0%} of {n} under it", GUIDE_COLOUR, "line"),
                ],
                "xw-error-sigma-key",
            )
            self.overview.show(
                self.sigma,
                absolute,
                "Actual |error| against predicted σ",
                (np.array([0.0, top_sigma]), np.array([0.0, COVERAGE_K * top_sigma])),
                (0.0, top_sigma),
                (0.0, float(max(absolute.max(), COVERAGE_K * top_sigma))),
            )
            truth, predicted = self.y.float().numpy(), mean.numpy()
            low, high = predicted - COVERAGE_K * self.sigma, predicted + COVERAGE_K * self.sigma
            span = (float(min(truth.min(), low.min())), float(max(truth.max(), high.max())))
            self.second.show(
                truth,
                predicted,
                f"Predicted against true, ±2σ ({label})",
                (np.array(span), np.array(span)),
                span,
                span,
                error_bars=(np.stack([truth, truth], 1), np.stack([low, high], 1)),
            )
            summary = f"coverage at 2σ: {self.coverage:.1%} (about 95% if σ is calibrated)"
        else:
            probabilities, labels = result.mean, self.y.long()
            confidence, top_class = probabilities.max(1)
            entropy = result.entropy if result.entropy is not None else torch.zeros(n)
            self.ece = float(performance.expected_calibration_error(probabilities, labels, n_bins=N_BINS))
            curve = performance.reliability_curve(probabilities, labels, n_bins=N_BINS)
            self.sigma, self.errors = entropy.numpy(), (top_class != labels).numpy()
            colours = [WRONG_COLOUR if wrong else POINT_COLOUR for wrong in self.errors.tolist()]
            top_entropy = float(np.log(probabilities.shape[1]))
            self.overview.show(
                entropy.numpy(),
                confidence.numpy(),
                f"Confidence against entropy ({label}, {int(self.errors.sum())} of {n} wrong)",
                (np.zeros(0), np.zeros(0)),
                (0.0, top_entropy),
                (0.0, 1.0),
                colours=colours,
            )
            self.reliability.show(
                curve.bin_edges.numpy(),
                curve.confidence.numpy(),
                curve.accuracy.numpy(),
                f"Reliability ({label}): ECE = {self.ece:.3f}",
            )
            summary = f"ECE ({N_BINS} bins): {self.ece:.3f}; accuracy {1 - self.errors.mean():.1%}"
        samples = f"{result.n_samples} members" if result.method == "ensemble" else f"{result.n_samples} MC samples"
        self.summary_label.value = (
            f"<span class='xw-uncertainty-summary'>{label}, {samples}, {n} samples: {html.escape(summary)}</span>"
        )
        self.overview.select(self.sample_index)
        if self.regression:
            self.second.select(self.sample_index)

    def _show_detail(self, work: Work, index: int) -> None:
        result = self.uncertainty
        assert result is not None
        if self.regression:
            output, name, quantity = 0, "prediction (units of y)", "std"
            truth: float | None = float(self.y[index])
            target = None
        else:
            output = int(result.mean[index].argmax())
            name, quantity = f"P({self.class_names[output]})", "entropy"
            truth, target = None, output
        values = result.samples[:, index, output].numpy().astype(np.float64)
        bins = int(np.clip(2 * np.sqrt(len(values)), 5, 30))
        counts, edges = np.histogram(values, bins=bins)
        mean = float(values.mean())
        spread = float(values.std(ddof=1))
        self.distribution.show(
            counts.astype(np.float64),
            edges,
            mean,
            truth,
            f"Sample {index}: {len(values)} predictions, mean {mean:.3g}, their σ {spread:.2g}",
            name,
        )
        used = np.arange(2, len(values) + 1)
        running_mean = np.cumsum(values)[1:] / used
        running_std = np.array([values[:k].std(ddof=1) for k in used])
        self.settling.show(used, running_mean, running_std, f"Sample {index}: estimate against samples used", name)
        point = self.X[index : index + 1]
        work.check()
        attributed = work.call("attribute", self.explainer.attribute, point, self.attribution_method, target=target)
        work.check()
        of = UncertaintyOf(quantity, n_samples=max(self.n_samples, 2), seed=self.seed)
        of_uncertainty = work.call(
            "attribute_uncertainty", self.explainer.attribute, point, self.attribution_method, of=of
        )
        work.check()
        self.attributions = {"output": attributed.values[0].numpy(), quantity: of_uncertainty.values[0].numpy()}
        who = "the prediction" if self.regression else f"P({self.class_names[output]})"
        what = "σ" if quantity == "std" else "entropy"
        self._draw(self.output_bars, self.attributions["output"], f"{self.attribution_method} of {who}", point)
        self._draw(self.uncertainty_bars, self.attributions[quantity], f"{self.attribution_method} of {what}", point)

    def _draw(self, chart: FeatureBars | AttributionMap, values: np.ndarray, title: str, point: torch.Tensor) -> None:
        if isinstance(chart, FeatureBars):
            chart.show(values, title, feature_values=point[0].numpy())
        else:
            chart.show(values, title)
