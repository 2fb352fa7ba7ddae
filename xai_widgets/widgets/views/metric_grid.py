"""MetricGrid: a table of methods (rows) against metrics (columns) whose cells are buttons, the
best cell of each column marked; a click on a cell calls back with its method and metric."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as w

from ...kernel import registered_metrics
from .metric_calls import heading

_NAME_WIDTH = "130px"


def cell_class(method: str, metric: str) -> str:
    """The CSS class of one cell (for tests and styling)."""
    return f"xw-eval-cell-{method}-{metric}"


class MetricGrid(w.GridBox):
    """Rows of methods, columns of metrics (headed by name and ↑/↓: which way is better)."""

    def __init__(self, on_click: Callable[[str, str], None] | None = None, cell_width: int = 86) -> None:
        self.cell_width = f"{cell_width}px"
        super().__init__(layout=w.Layout(grid_gap="2px 4px", overflow_x="auto", max_width="100%"))
        self.add_class("xw-eval-grid")
        self.methods: list[str] = []
        self.metrics: list[str] = []
        self.cells: dict[tuple[str, str], w.Button] = {}
        self._on_click = on_click

    def set_shape(self, methods: Sequence[str], metrics: Sequence[str]) -> None:
        """Rebuild the table for these rows and columns (cells start empty), unless it has them already."""
        if list(methods) == self.methods and list(metrics) == self.metrics:
            return
        old: list[w.Widget] = list(getattr(self, "children", ()))
        self.methods, self.metrics = list(methods), list(metrics)
        specs = registered_metrics()
        header = [w.HTML("<b>method</b>", layout=w.Layout(width=_NAME_WIDTH))]
        for metric in self.metrics:
            label = w.HTML(
                f"<div title='{html.escape(specs[metric].doc, quote=True)}' "
                f"style='font-size:11px;line-height:1.2;font-weight:bold'>{html.escape(heading(specs[metric]))}</div>",
                layout=w.Layout(width=self.cell_width),
            )
            header.append(label)
        children: list[w.Widget] = header
        self.cells = {}
        for method in self.methods:
            children.append(w.HTML(f"<b>{html.escape(method)}</b>", layout=w.Layout(width=_NAME_WIDTH)))
            for metric in self.metrics:
                cell = w.Button(description="", layout=w.Layout(width=self.cell_width, height="28px", padding="0 2px"))
                cell.add_class("xw-eval-cell")
                cell.add_class(cell_class(method, metric))
                cell.on_click(lambda _button, m=method, k=metric: self._clicked(m, k))
                self.cells[(method, metric)] = cell
                children.append(cell)
        self.layout.grid_template_columns = f"{_NAME_WIDTH} " + " ".join([self.cell_width] * len(self.metrics))
        self.children = children
        for widget in old:
            widget.close()

    def set_cell(self, method: str, metric: str, text: str, tooltip: str = "", failed: bool = False) -> None:
        cell = self.cells.get((method, metric))
        if cell is None:
            return
        with cell.hold_sync():
            cell.description = text
            cell.tooltip = tooltip
            cell.button_style = "danger" if failed else ""

    def mark_best(self, metric: str, values: dict[str, float], higher_is_better: bool) -> None:
        """Mark the best finite value of column ``metric`` (ties: every one of them)."""
        finite = {method: v for method, v in values.items() if v == v}
        best = (max if higher_is_better else min)(finite.values()) if finite else None
        for method in self.methods:
            cell = self.cells[(method, metric)]
            if cell.button_style == "danger":
                continue
            cell.button_style = "success" if best is not None and finite.get(method) == best else ""

    def select(self, method: str | None, metric: str | None) -> None:
        """Outline the cell whose detail is open."""
        for (row, column), cell in self.cells.items():
            if (row, column) == (method, metric):
                cell.add_class("xw-eval-selected")
                cell.layout.border = "2px solid #333"
            elif "xw-eval-selected" in cell._dom_classes:
                cell.remove_class("xw-eval-selected")
                cell.layout.border = ""

    def _clicked(self, method: str, metric: str) -> None:
        if self._on_click is not None:
            self._on_click(method, metric)
