"""Linking a selection of samples to the explorers: a view with a synced ``selected_samples`` list
(a ModelReport's confusion cell, a SurrogateView's leaf) restricts what a linked ImageExplorer's
gallery or TabularExplorer's data scatter shows, and selects the first of those samples when the
explorer's own sample is not among them."""

from __future__ import annotations

from typing import Any

import traitlets as t

from ...kernel import ExplainerError


class SelectionLink:
    """A live link from ``source.selected_samples`` to what ``explorer`` shows; :meth:`unlink` ends it."""

    def __init__(self, source: Any, explorer: Any) -> None:
        if not _has_trait(source, "selected_samples"):
            raise ExplainerError(
                f"{type(source).__name__} has no selected_samples trait to link from; "
                "link a ModelReport or a SurrogateView"
            )
        self.source: Any = source
        self.explorer = explorer
        self._shown_on, self._index_on = _targets(explorer)
        self.source.observe(self._changed, names="selected_samples")
        self._show(list(self.source.selected_samples))

    def unlink(self) -> None:
        """Stop following the selection; the explorer shows all its samples again."""
        self.source.unobserve(self._changed, names="selected_samples")
        self._shown_on.shown_samples = []

    def _changed(self, change: dict) -> None:
        self._show(list(change["new"]))

    def _show(self, samples: list[int]) -> None:
        n = _n_samples(self.explorer)
        if any(not 0 <= i < n for i in samples):
            raise ExplainerError(
                f"the selection holds samples outside 0..{n - 1}: link views built on the same data, in the same order"
            )
        self._shown_on.shown_samples = samples
        if samples and self._index_on.sample_index not in samples:
            self._index_on.sample_index = samples[0]


def link_selection(source: Any, *explorers: Any) -> list[SelectionLink]:
    """Make each of ``explorers`` (ImageExplorer or TabularExplorer, built on the same samples in
    the same order) show exactly the samples ``source`` selects (``source.selected_samples``: a
    ModelReport's confusion cell, a SurrogateView's leaf); an empty selection shows them all."""
    return [SelectionLink(source, explorer) for explorer in explorers]


def _has_trait(widget: Any, name: str) -> bool:
    return isinstance(widget, t.HasTraits) and widget.has_trait(name)


def _targets(explorer: Any) -> tuple[Any, Any]:
    """(what holds ``shown_samples``, what holds ``sample_index``) of an explorer."""
    canvas = getattr(explorer, "canvas", None)
    if _has_trait(canvas, "shown_samples"):
        return canvas, canvas  # ImageExplorer: its gallery is drawn by the canvas
    if _has_trait(explorer, "shown_samples"):
        return explorer, explorer  # TabularExplorer
    raise ExplainerError(
        f"cannot link a selection to {type(explorer).__name__}: link an ImageExplorer or a TabularExplorer"
    )


def _n_samples(explorer: Any) -> int:
    images = getattr(explorer, "images", None)
    return len(images) if images is not None else len(explorer.X)
