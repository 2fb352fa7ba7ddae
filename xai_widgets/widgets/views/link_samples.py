"""``link_samples``: keep the selected sample of two views over the same data in step, both ways."""

from __future__ import annotations

from typing import Any

import traitlets

from ...kernel import ExplainerError


def sample_trait(view: Any) -> tuple[traitlets.HasTraits, str]:
    """The object and trait that hold ``view``'s selected sample: the view's own ``sample_index``
    (TabularExplorer, UncertaintyView, SweepPanel...) or its canvas's (ImageExplorer)."""
    for owner in (view, getattr(view, "canvas", None)):
        if isinstance(owner, traitlets.HasTraits) and owner.has_trait("sample_index"):
            return owner, "sample_index"
    raise ExplainerError(
        f"{type(view).__name__} has no selected-sample trait (sample_index) to link; link views such as "
        "ImageExplorer, TabularExplorer and UncertaintyView"
    )


def n_samples(view: Any) -> int | None:
    """How many samples ``view`` indexes, when it says."""
    for name in ("X", "images"):
        data = getattr(view, name, None)
        if data is not None and hasattr(data, "__len__"):
            return len(data)
    return None


def link_samples(a: Any, b: Any) -> traitlets.link:
    """Keep the selected sample of views ``a`` and ``b`` in step both ways: a click on a sample in
    either selects it in the other (``b`` first moves to ``a``'s sample).

    Both must index the same data in the same order (say an UncertaintyView and a TabularExplorer
    on the same ``X``); views that say how many samples they hold must hold as many. Returns the
    ``traitlets.link``: ``.unlink()`` lets them go their own ways. Two views with a trait named
    ``sample_index`` each can also be linked with ``traitlets.link`` directly; this helper finds
    the ImageExplorer's, which lives on its canvas.
    """
    sizes = (n_samples(a), n_samples(b))
    if None not in sizes and sizes[0] != sizes[1]:
        raise ExplainerError(
            f"{type(a).__name__} holds {sizes[0]} samples and {type(b).__name__} {sizes[1]}: linking their "
            "selected samples needs both views on the same data, in the same order"
        )
    return traitlets.link(sample_trait(a), sample_trait(b))
