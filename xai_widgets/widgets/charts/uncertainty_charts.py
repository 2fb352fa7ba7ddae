"""bqplot charts of the uncertainty view: error against predicted σ, predicted against true with
error bars, the reliability diagram, one sample's prediction distribution, the estimate settling
as samples are added, and an attribution map for image inputs. They only draw what they are given."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from .axes import PROBABILITY_TICKS, set_value_axis
from .figures import chart_figure, f32, key_html, labelled_axes

POINT_COLOUR = "#4c78a8"
WRONG_COLOUR = "#e45756"
GUIDE_COLOUR = "#333333"
BAND_COLOUR = "#9ecae1"
TRUTH_COLOUR = "#2ca02c"
_SELECTED = {"opacity": 1.0, "stroke": "black", "stroke-width": 3}


class PickScatter:
    """A scatter of one point per sample; a click on a point calls ``on_pick(index)``."""

    def __init__(
        self,
        title: str,
        x_label: str,
        y_label: str,
        css_class: str,
        on_pick: Callable[[int], None],
        width: int = 400,
        height: int = 330,
    ) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale()
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.guide = bq.Lines(
            x=np.zeros(2, np.float32), y=np.zeros(2, np.float32), scales=scales, colors=[GUIDE_COLOUR], stroke_width=1.5
        )
        self.error_bars = bq.Lines(
            x=np.zeros((1, 2), np.float32),
            y=np.zeros((1, 2), np.float32),
            scales=scales,
            colors=[BAND_COLOUR],
            stroke_width=1.2,
            visible=False,
        )
        self.scatter = bq.Scatter(
            x=np.zeros(0, np.float32),
            y=np.zeros(0, np.float32),
            scales=scales,
            colors=[POINT_COLOUR],
            default_size=26,
            stroke="white",
            stroke_width=0.5,
            selected_style=_SELECTED,
            unselected_style={"opacity": 0.6},
        )
        self.x_axis, self.y_axis = labelled_axes(self.x_scale, self.y_scale, x_label, y_label)
        self.figure = chart_figure(
            [self.error_bars, self.guide, self.scatter], [self.x_axis, self.y_axis], title, width, height, css_class
        )
        self.key = w.HTML()
        self._on_pick = on_pick
        self.scatter.on_element_click(self._clicked)

    def show(
        self,
        x: np.ndarray,
        y: np.ndarray,
        title: str,
        guide: tuple[np.ndarray, np.ndarray],
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        colours: Sequence[str] | None = None,
        error_bars: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Draw the points, the guide line and, when given, vertical error bars ((N, 2) x and y ends)."""
        with self.figure.hold_sync():
            set_value_axis(self.x_axis, self.x_scale, *x_range)
            set_value_axis(self.y_axis, self.y_scale, *y_range)
            with self.guide.hold_sync():
                self.guide.x, self.guide.y = f32(guide[0]), f32(guide[1])
            if error_bars is not None:
                with self.error_bars.hold_sync():
                    self.error_bars.x, self.error_bars.y = f32(error_bars[0]), f32(error_bars[1])
            self.error_bars.visible = error_bars is not None
            with self.scatter.hold_sync():
                self.scatter.x, self.scatter.y = f32(x), f32(y)
                self.scatter.colors = list(colours) if colours is not None else [POINT_COLOUR]
            self.figure.title = title

    def select(self, index: int) -> None:
        self.scatter.selected = [int(index)]

    def _clicked(self, _mark: bq.Scatter, event: dict) -> None:
        index = event.get("data", {}).get("index")
        if index is not None:
            self._on_pick(int(index))


class ReliabilityDiagram:
    """Accuracy against mean confidence per confidence bin, with the diagonal of perfect calibration."""

    def __init__(self, width: int = 400, height: int = 330) -> None:
        self.x_scale = bq.LinearScale(min=0.0, max=1.0)
        self.y_scale = bq.LinearScale(min=0.0, max=1.0)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.bars = bq.Bars(
            x=np.zeros(1, np.float32),
            y=np.zeros(1, np.float32),
            scales=scales,
            colors=[POINT_COLOUR],
            padding=0.05,
            opacity=[0.8],
        )
        self.diagonal = bq.Lines(
            x=np.array([0.0, 1.0], np.float32),
            y=np.array([0.0, 1.0], np.float32),
            scales=scales,
            colors=[GUIDE_COLOUR],
            line_style="dashed",
            stroke_width=1.5,
        )
        self.points = bq.Scatter(
            x=np.zeros(0, np.float32), y=np.zeros(0, np.float32), scales=scales, colors=[WRONG_COLOUR], default_size=30
        )
        x_axis, y_axis = labelled_axes(self.x_scale, self.y_scale, "confidence (top-class probability)", "accuracy")
        x_axis.tick_values = y_axis.tick_values = PROBABILITY_TICKS
        self.figure = chart_figure(
            [self.bars, self.diagonal, self.points], [x_axis, y_axis], "Reliability", width, height, "xw-reliability"
        )
        self.key = w.HTML(
            key_html(
                [
                    ("accuracy per bin", POINT_COLOUR, "line"),
                    ("mean confidence per bin", WRONG_COLOUR, "dot"),
                    ("perfect calibration", GUIDE_COLOUR, "dashed"),
                ],
                "xw-reliability-key",
            )
        )

    def show(self, edges: np.ndarray, confidence: np.ndarray, accuracy: np.ndarray, title: str) -> None:
        """Bars over bins with predictions (empty bins, NaN, are left out)."""
        filled = np.isfinite(accuracy)
        centres = (edges[:-1] + edges[1:]) / 2
        with self.figure.hold_sync():
            with self.bars.hold_sync():
                self.bars.x, self.bars.y = f32(centres[filled]), f32(accuracy[filled])
            with self.points.hold_sync():
                self.points.x, self.points.y = f32(confidence[filled]), f32(accuracy[filled])
            self.figure.title = title


class DistributionChart:
    """A histogram of one sample's predictions (one per MC sample or member), drawn as a filled
    step outline over the bin edges, with the mean and, when known, the true value marked."""

    def __init__(self, width: int = 400, height: int = 300) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale()
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.outline = bq.Lines(
            x=np.zeros(2, np.float32),
            y=np.zeros(2, np.float32),
            scales=scales,
            colors=[POINT_COLOUR],
            fill="bottom",
            fill_colors=[POINT_COLOUR],
            fill_opacities=[0.6],
            stroke_width=1.5,
        )
        self.markers = bq.Lines(
            x=np.zeros((2, 2), np.float32),
            y=np.zeros((2, 2), np.float32),
            scales=scales,
            colors=[GUIDE_COLOUR, TRUTH_COLOUR],
            stroke_width=2,
        )
        self.x_axis, self.y_axis = labelled_axes(self.x_scale, self.y_scale, "prediction", "samples (count)")
        self.figure = chart_figure(
            [self.outline, self.markers],
            [self.x_axis, self.y_axis],
            "Prediction distribution (click a point)",
            width,
            height,
            "xw-uncertainty-histogram",
        )
        self.key = w.HTML()
        self.counts = np.zeros(0)
        self.edges = np.zeros(0)

    def show(
        self, counts: np.ndarray, edges: np.ndarray, mean: float, truth: float | None, title: str, x_label: str
    ) -> None:
        self.counts, self.edges = counts, edges
        top = float(counts.max()) if counts.size else 1.0
        marks_x = [mean] + ([truth] if truth is not None else [])
        low, high = min(float(edges[0]), *marks_x), max(float(edges[-1]), *marks_x)
        # The step outline: up and across each bin, from 0 at the first edge to 0 at the last.
        step_x = np.concatenate([[edges[0]], np.repeat(edges[1:-1], 2), [edges[-1]]])
        step_y = np.repeat(counts, 2)
        with self.figure.hold_sync():
            set_value_axis(self.x_axis, self.x_scale, low, high)
            set_value_axis(self.y_axis, self.y_scale, 0.0, max(top, 1.0))
            with self.outline.hold_sync():
                self.outline.x = f32(np.concatenate([[edges[0]], step_x, [edges[-1]]]))
                self.outline.y = f32(np.concatenate([[0.0], step_y, [0.0]]))
            with self.markers.hold_sync():
                self.markers.x = f32([[x, x] for x in marks_x])
                self.markers.y = f32([[0.0, top]] * len(marks_x))
            self.x_axis.label = x_label
            self.figure.title = title
        entries = [("samples per bin", POINT_COLOUR, "line"), ("mean", GUIDE_COLOUR, "line")]
        if truth is not None:
            entries.append(("true value", TRUTH_COLOUR, "line"))
        self.key.value = key_html(entries, "xw-uncertainty-histogram-key")


class SettlingChart:
    """The mean and standard deviation estimated from the first k samples, for k = 2..S: how the
    estimate settles as samples are added."""

    def __init__(self, width: int = 400, height: int = 260) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale()
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.lines = bq.Lines(
            x=np.zeros((2, 2), np.float32),
            y=np.zeros((2, 2), np.float32),
            scales=scales,
            colors=[GUIDE_COLOUR, WRONG_COLOUR],
            stroke_width=2,
        )
        self.x_axis, self.y_axis = labelled_axes(self.x_scale, self.y_scale, "samples used", "estimate")
        self.figure = chart_figure(
            [self.lines], [self.x_axis, self.y_axis], "Estimate settling", width, height, "xw-uncertainty-settling"
        )
        self.key = w.HTML(
            key_html([("mean", GUIDE_COLOUR, "line"), ("σ", WRONG_COLOUR, "line")], "xw-uncertainty-settling-key")
        )

    def show(self, counts: np.ndarray, means: np.ndarray, stds: np.ndarray, title: str, y_label: str) -> None:
        values = np.concatenate([means, stds])
        with self.figure.hold_sync():
            set_value_axis(self.x_axis, self.x_scale, float(counts[0]), float(counts[-1]))
            set_value_axis(self.y_axis, self.y_scale, min(float(values.min()), 0.0), float(values.max()))
            with self.lines.hold_sync():
                self.lines.x = f32([counts, counts])
                self.lines.y = f32([means, stds])
            self.y_axis.label = y_label
            self.figure.title = title


class AttributionMap:
    """An image input's attribution summed over channels, as a heatmap (red positive, blue negative)."""

    def __init__(self, title: str, css_class: str, size: int = 260) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale(reverse=True)
        self.colour_scale = bq.ColorScale(colors=["#2166ac", "#f7f7f7", "#b2182b"], mid=0.0)
        self.heatmap = bq.HeatMap(
            x=np.array([0.0, 1.0]),
            y=np.array([0.0, 1.0]),
            color=np.zeros((2, 2)),
            scales={"x": self.x_scale, "y": self.y_scale, "color": self.colour_scale},
        )
        x_axis, y_axis = labelled_axes(self.x_scale, self.y_scale, "column (px)", "row (px)")
        self.figure = chart_figure([self.heatmap], [x_axis, y_axis], title, size + 80, size + 90, css_class)
        self.values = np.zeros((0, 0))

    def show(self, values: np.ndarray, title: str) -> None:
        """``values`` (C, H, W) or (H, W): summed over channels, the colour scale symmetric about 0."""
        field = values.sum(0) if values.ndim == 3 else values
        self.values = field
        bound = float(np.abs(field).max()) or 1.0
        rows, columns = field.shape
        with self.figure.hold_sync():
            with self.colour_scale.hold_sync():
                self.colour_scale.min, self.colour_scale.max = -bound, bound
            with self.heatmap.hold_sync():
                self.heatmap.x = np.arange(columns, dtype=np.float64)
                self.heatmap.y = np.arange(rows, dtype=np.float64)
                self.heatmap.color = field.astype(np.float64)
            self.figure.title = title
