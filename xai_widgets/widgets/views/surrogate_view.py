"""SurrogateView: a shallow decision tree fitted to the network's own predictions on a table, drawn
with its splits, its leaves (class or value, purity, samples) and its fidelity; a click on a leaf
selects its samples (``selected_samples``), which linked explorers then show."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch
import traitlets

from ...kernel import Explainer, ExplainerError, global_surrogate, performance
from ..base.view import BaseView, Work
from ..charts.report_charts import class_colour
from .selection_link import SelectionLink, link_selection

MAX_DEPTH = 6


# Indentation of each level of the tree's outline.
INDENT_PX = 22


class SurrogateView(BaseView):
    """A global tree surrogate of a tabular model, and its leaves as selections.

    Args:
        explainer: the bound model, taking (N, F) inputs.
        X: the table the tree is fitted on (N, F); a quarter is held out to measure fidelity.
        feature_names: one per column; default "x0", "x1", ...
        class_names: one per output of a classifier; default "0", "1", ...
        max_depth: the tree's depth (the slider changes it, 1 to 6).
        seed: the held-out split's and the tree's seed.

    Each split reads "feature ≤ threshold?" with the fitted samples reaching it (n), its "yes"
    branch first, indented under it;
    each leaf gives the class the tree predicts there (or the value, for regression), its purity
    (the share of the leaf's samples for which the network predicts that class) and its samples
    among all of X (n). The fidelity is
    the tree's agreement with the network on the fitted samples and on the held-out ones.

    Synced traits: ``max_depth``, ``selected_leaf`` (node id, -1 for none: a click on a leaf
    sets it) and ``selected_samples`` (the selected leaf's samples, indices into X). The fit
    runs on the view's worker; ``surrogate`` is the last :class:`~xai_widgets.Surrogate`.
    """

    max_depth = traitlets.Int(3).tag(sync=True)
    selected_leaf = traitlets.Int(-1).tag(sync=True)
    selected_samples = traitlets.List(traitlets.Int()).tag(sync=True)

    worker_name = "surrogate-view"

    def __init__(
        self,
        explainer: Explainer,
        X: Any,
        feature_names: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        max_depth: int = 3,
        seed: int = 0,
    ) -> None:
        if isinstance(max_depth, bool) or not isinstance(max_depth, int) or not 1 <= max_depth <= MAX_DEPTH:
            raise ExplainerError(f"max_depth must be an int in 1..{MAX_DEPTH}, got {max_depth!r}")
        self.explainer = explainer
        self.X = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X).detach().float().cpu()
        if self.X.ndim != 2:
            raise ExplainerError(
                f"a tree surrogate is fitted to a table: X must be (N, features), got shape {tuple(self.X.shape)}"
            )
        self.feature_names = None if feature_names is None else [str(name) for name in feature_names]
        self.class_names = None if class_names is None else [str(name) for name in class_names]
        self.seed = seed
        super().__init__()
        self.surrogate: performance.Surrogate | None = None
        self._fitted_depth: int | None = None
        self.leaf_buttons: dict[int, w.Button] = {}
        self.depth_slider = w.IntSlider(
            min=1,
            max=MAX_DEPTH,
            description="tree depth",
            continuous_update=False,
            style={"description_width": "70px"},
            layout=w.Layout(width="300px"),
        )
        self.depth_slider.add_class("xw-surrogate-depth")
        traitlets.link((self.depth_slider, "value"), (self, "max_depth"))
        self.status_label = w.HTML()
        self.fidelity_label = w.HTML()
        self.tree_box = w.Box(layout=w.Layout(overflow_x="auto", max_width="100%"))
        self.tree_box.add_class("xw-surrogate-tree")
        self.rules = w.HTML()
        self.set_parts(
            [
                w.HTML("<b>Global surrogate: a decision tree fitted to the network's predictions</b>"),
                w.HBox([self.depth_slider, self.status_label], layout=w.Layout(flex_flow="row wrap")),
                self.fidelity_label,
                self.tree_box,
                self.rules,
            ]
        )
        self.add_class("xw-surrogate-view")
        self.observe(self._depth_changed, names="max_depth")
        self.observe(self._leaf_changed, names="selected_leaf")
        self.observe(self._show_status, names=["status", "error"])
        self.max_depth = max_depth
        self._show_status()
        self.refresh()

    def link(self, *explorers: Any) -> list[SelectionLink]:
        """Make ``explorers`` (built on the same X) show the selected leaf's samples."""
        return link_selection(self, *explorers)

    # ---- events (comm thread) ----------------------------------------------------------------
    def _depth_changed(self, change: dict) -> None:
        if not 1 <= change["new"] <= MAX_DEPTH:
            self.error = f"max_depth must be 1..{MAX_DEPTH}, got {change['new']}"
            self.max_depth = change["old"]
            return
        self.refresh()

    def _leaf_changed(self, change: dict) -> None:
        leaf = change["new"]
        surrogate = self.surrogate
        if leaf == -1 or surrogate is None or surrogate.leaves is None:
            self.selected_samples = []
        elif leaf not in self.leaf_buttons:
            self.error = f"node {leaf} is not a leaf of the tree; leaves: {sorted(self.leaf_buttons)}"
            self.selected_leaf = change["old"]
            return
        else:
            self.selected_samples = np.flatnonzero(surrogate.leaves == leaf).tolist()
        for node, button in self.leaf_buttons.items():
            button.layout.border = "3px solid #e6550d" if node == leaf else ""
            button.style.font_weight = "bold" if node == leaf else ""

    def _show_status(self, _change: dict | None = None) -> None:
        error = (
            f" <span class='xw-surrogate-error' style='color:#b00'>{html.escape(self.error)}</span>"
            if self.error
            else ""
        )
        self.status_label.value = (
            f"<span class='xw-surrogate-status' data-status='{self.status}'>{self.status}</span>"
            f" <span class='xw-muted'>{self.elapsed_ms:.0f} ms</span>{error}"
        )

    # ---- work (worker thread) -----------------------------------------------------------------
    def _update(self, work: Work) -> str:
        depth = self.max_depth
        if depth == self._fitted_depth:
            return ""
        self.count_call("global_surrogate")
        surrogate = global_surrogate(
            self.explainer,
            self.X,
            kind="tree",
            max_depth=depth,
            feature_names=self.feature_names,
            class_names=self.class_names,
            seed=self.seed,
        )
        work.check()
        self.surrogate, self._fitted_depth = surrogate, depth
        self._show(surrogate)
        self.selected_leaf = -1
        self.selected_samples = []
        return ""

    def _show(self, surrogate: performance.Surrogate) -> None:
        held_out = (
            f"{surrogate.holdout_fidelity:.1%} on {len(surrogate.holdout_index)} held-out samples"
            if np.isfinite(surrogate.holdout_fidelity)
            else "no held-out samples"
        )
        measure = (
            "agreement with the network's class" if surrogate.class_names is not None else "R² against the network"
        )
        self.fidelity_label.value = (
            f"<div class='xw-surrogate-fidelity'>fidelity ({measure}): "
            f"<b>{surrogate.fidelity:.1%}</b> on {len(surrogate.fit_index)} fitted samples, <b>{held_out}</b>"
            "<div class='xw-muted' style='font-size:11px'>Splits: feature ≤ threshold? (n fitted samples), its"
            " 'yes' branch first, indented under it. Leaves: the tree's answer, its purity (the share of the"
            " leaf's samples the network gives that class too) and n, its samples in X; click a leaf to select"
            " them.</div></div>"
        )
        self.leaf_buttons = {}
        self.tree_box.children = [self._node(surrogate, 0, "")]
        self.rules.value = (
            "<div class='xw-surrogate-rules'><b>Rules</b> (largest leaf first)"
            f"<pre style='font-size:11px;white-space:pre-wrap;margin:2px 0'>{html.escape(surrogate.rules)}</pre></div>"
        )

    def _node(self, surrogate: performance.Surrogate, node: int, branch: str, depth: int = 0) -> w.Widget:
        """The subtree under ``node`` as an indented outline (one row per split or leaf, children
        under their split, "yes" first): it fits a notebook column at any depth, where a tree
        drawn side by side doubles in width with every level."""
        structure = surrogate.tree.tree_
        left, right = int(structure.children_left[node]), int(structure.children_right[node])
        indent = f"padding-left:{depth * INDENT_PX}px"
        edge = (
            f"<span class='xw-surrogate-branch' style='font-size:11px;color:#555'>{branch}:</span> " if branch else ""
        )
        if left == right:
            prefix = w.HTML(f"<div style='{indent};white-space:nowrap'>{edge}</div>")
            return w.HBox([prefix, self._leaf(surrogate, node)], layout=w.Layout(align_items="center"))
        feature = surrogate.feature_names[int(structure.feature[node])]
        threshold = float(structure.threshold[node])
        split = w.HTML(
            f"<div style='{indent};white-space:nowrap'>{edge}<span class='xw-surrogate-split' data-node='{node}' "
            "style='border:1px solid #888;border-radius:4px;padding:1px 8px;background:#f4f4f4;font-size:12px'>"
            f"{html.escape(feature)} ≤ {threshold:.4g}?"
            f" <span style='color:#666'>n={int(structure.n_node_samples[node])}</span></span></div>"
        )
        children = [
            self._node(surrogate, left, "yes", depth + 1),
            self._node(surrogate, right, "no", depth + 1),
        ]
        return w.VBox([split, *children], layout=w.Layout(align_items="flex-start"))

    def _leaf(self, surrogate: performance.Surrogate, node: int) -> w.Button:
        assert surrogate.leaves is not None
        members = surrogate.leaves == node
        count = int(members.sum())
        value = surrogate.tree.tree_.value[node][0]
        if surrogate.class_names is None:
            outcome = f"{float(value[0]):.3g}"
            purity_text = ""
            colour = "#e8e8e8"
        else:
            best = int(surrogate.tree.classes_[int(np.argmax(value))])
            outcome = surrogate.class_names[best]
            purity = float(np.mean(surrogate.predictions[members] == best)) if count else float("nan")
            purity_text = f" {purity:.0%}" if count else ""
            colour = _tint(class_colour(best))
        button = w.Button(
            description=f"{outcome}{purity_text} · n={count}",
            tooltip=(
                f"leaf {node}: the tree predicts {outcome}; {count} samples of X fall here"
                + (f", for {purity_text.strip()} of which the network predicts it too" if purity_text else "")
                + ". Click to select them."
            ),
            layout=w.Layout(width="auto", height="auto"),
            style={"button_color": colour},
        )
        button.add_class("xw-surrogate-leaf")
        button.add_class(f"xw-leaf-{node}")
        button.on_click(lambda _button: self._pick(node))
        self.leaf_buttons[node] = button
        return button

    def _pick(self, node: int) -> None:
        # A second click on the selected leaf clears the selection.
        self.selected_leaf = -1 if self.selected_leaf == node else node


def _tint(colour: str, amount: float = 0.7) -> str:
    """``colour`` mixed with white (leaf buttons keep their text readable)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb)
