"""Two ImageExplorers side by side, linked, as LIT users compare: two samples of one gallery, or
one sample under two models; a header says what differs."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets as t

from ...kernel import ExplainerError

if TYPE_CHECKING:
    from .image_explorer import ImageExplorer

#: What ``compare`` can keep in step, by name: each group is a set of ``explorer.canvas`` traits
#: ("params" links the method parameter controls instead).
LINK_GROUPS: dict[str, tuple[str, ...]] = {
    "sample": ("sample_index",),
    "methods": ("enabled_methods",),
    "params": (),
    "target": ("target",),
    "pixel": ("clicked_pixel",),
    "display": (
        "display_mode",
        "colormap",
        "sign",
        "clip_percentile",
        "opacity",
        "reduction",
        "show_mask",
        "display_size",
    ),
    "edits": ("edits", "edit_tool", "edit_fill", "brush_radius", "brush_color"),
}
#: Everything but the sample: two samples of one gallery stay two samples.
DEFAULT_LINKS = ("methods", "params", "target", "pixel", "display", "edits")
#: The narrowest a side gets: its widest fixed parts (the 340 px charts, the 320 px target menu)
#: and a little room. Two sides stand side by side in a notebook column of 732 px or more (a
#: JupyterLab column is about 1000 px); in a narrower one the right side wraps under the left.
MIN_SIDE_WIDTH = "360px"
#: CSS px of a tile's longer side in a comparison, where both explorers size theirs
#: automatically: the input and two maps then fit in one row of a side (3 x 128 px and gaps).
TILE_SIZE = 128


class Comparison(w.VBox):
    """Two explorers side by side with a header saying what differs ("sample 3 vs sample 7",
    "model A vs model B"), the traits named by ``link`` kept in step both ways.

    Build one with :func:`compare`, :meth:`ImageExplorer.compare_samples` or
    :meth:`ImageExplorer.compare_models`. ``left`` and ``right`` are the explorers (drive them
    from Python as usual); ``links`` the ``traitlets.link`` objects; :meth:`unlink` lets the
    two go their own ways. :meth:`close` unlinks, and closes the explorers too when the
    comparison built them (``close_explorers``); explorers handed to :func:`compare` stay open.
    """

    def __init__(
        self,
        left: ImageExplorer,
        right: ImageExplorer,
        link: Iterable[str] = DEFAULT_LINKS,
        names: Sequence[str] | None = None,
        close_explorers: bool = False,
    ) -> None:
        groups = _check_links(link)
        _check_compatible(left, right, groups)
        self.left, self.right = left, right
        self.close_explorers = close_explorers
        self.linked = groups
        self.names = _side_names(left, right, names)
        self.links: list[t.link] = []
        for group in groups:
            for trait in LINK_GROUPS[group]:
                self.links.append(t.link((left.canvas, trait), (right.canvas, trait)))
        if "params" in groups:
            self.links.extend(_link_params(left, right))
        for explorer in (left, right):
            if explorer.canvas.display_size == 0 and (explorer is left or "display" not in groups):
                explorer.canvas.display_size = TILE_SIZE

        self.header = w.HTML()
        self.header.add_class("xw-compare-header")
        self.captions = (w.HTML(), w.HTML())
        sides = []
        for side, caption, explorer in zip(("left", "right"), self.captions, (left, right), strict=True):
            caption.add_class("xw-compare-caption")
            # min_width 0: a grid item may then shrink below its content's natural width, and the
            # explorer's own rows (gallery, tiles, charts) scroll or wrap inside it.
            box = w.VBox([caption, explorer], layout=w.Layout(min_width="0", overflow="visible"))
            box.add_class(f"xw-compare-{side}")
            sides.append(box)
        grid = w.GridBox(
            sides,
            layout=w.Layout(
                grid_template_columns=f"repeat(auto-fit, minmax(min({MIN_SIDE_WIDTH}, 100%), 1fr))",
                grid_gap="12px",
                width="100%",
            ),
        )
        super().__init__([self.header, grid], layout=w.Layout(width="100%"))
        self.add_class("xw-compare")
        for explorer in (left, right):
            explorer.canvas.observe(self._show_header, names="sample_index")
        self._show_header()

    @property
    def description(self) -> str:
        """What differs between the sides, as the header says it."""
        left, right = self._side_texts()
        return f"{left} vs {right}"

    def unlink(self) -> None:
        """Stop keeping the sides in step."""
        for link in getattr(self, "links", ()):  # also on a comparison whose __init__ raised
            link.unlink()
        self.links = []

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until both explorers are idle (for scripts and tests); False on timeout."""
        return self.left.wait(timeout) and self.right.wait(timeout)

    def close(self) -> None:
        """Unlink and close the header and the boxes; the explorers too where the comparison built them."""
        self.unlink()
        if getattr(self, "close_explorers", False):
            self.left.close()
            self.right.close()
        for widget in (getattr(self, "header", None), *getattr(self, "captions", ())):
            if widget is not None:
                widget.close()
        for box in getattr(self, "children", ())[1:]:
            for side in box.children:
                side.close()
            box.close()
        super().close()

    def _side_texts(self) -> tuple[str, str]:
        """Each side's name and sample, leaving out what the two share."""
        samples = [_sample_text(explorer) for explorer in (self.left, self.right)]
        models_differ = self.left.explainer is not self.right.explainer
        samples_differ = self.left.sample_index != self.right.sample_index
        texts = []
        for name, sample in zip(self.names, samples, strict=True):
            parts = ([name] if models_differ else []) + ([sample] if samples_differ or not models_differ else [])
            texts.append(", ".join(parts))
        return texts[0], texts[1]

    def _show_header(self, _change: dict | None = None) -> None:
        left, right = self._side_texts()
        shared = ""
        if self.left.sample_index == self.right.sample_index and self.left.explainer is not self.right.explainer:
            shared = f" <span class='xw-muted'>on {html.escape(_sample_text(self.left))}</span>"
        linked = ", ".join(self.linked) or "nothing"
        self.header.value = (
            f"<b>{html.escape(left)}</b> vs <b>{html.escape(right)}</b>{shared}"
            f" <span class='xw-muted'>(linked: {html.escape(linked)})</span>"
        )
        for caption, text in zip(self.captions, (left, right), strict=True):
            caption.value = f"<b>{html.escape(text)}</b>"


def compare(
    left: ImageExplorer,
    right: ImageExplorer,
    link: Iterable[str] = DEFAULT_LINKS,
    names: Sequence[str] | None = None,
) -> Comparison:
    """Put two explorers side by side and keep the trait groups in ``link`` in step both ways.

    Args:
        left, right: the explorers (two over one gallery, or over the same images under two models).
        link: groups from ``LINK_GROUPS``: "methods" (enabled methods), "params" (each method's
            parameter controls, where both offer the same choices), "target" (the class explained;
            needs the same class names), "pixel" (the clicked pixel; needs images of one size),
            "display" (mode, colormap, sign, clip, opacity, channels, mask, size), "edits" (the
            edits and the edit tool; images of one size), "sample" (the selected sample; galleries
            of one length). The default links all but "sample"; the right side takes the left's
            state of each linked trait. Explorers that size their tiles automatically draw them
            at ``TILE_SIZE`` px (set ``explorer.canvas.display_size`` to change it).
        names: what to call the two sides in the header where their models differ (default
            the models' class names, or "model A" and "model B" when those are the same).

    Raises:
        ExplainerError: an unknown group, or explorers that cannot share a linked trait
            (images of other sizes, other class names, galleries of other lengths); the message
            says which groups to leave out.
    """
    return Comparison(left, right, link, names)


def _check_links(link: Iterable[str]) -> tuple[str, ...]:
    groups = (link,) if isinstance(link, str) else tuple(link)
    unknown = [group for group in groups if group not in LINK_GROUPS]
    if unknown:
        raise ExplainerError(f"unknown link group(s) {unknown}; choose from {list(LINK_GROUPS)}")
    return tuple(dict.fromkeys(groups))


def _check_compatible(left: ImageExplorer, right: ImageExplorer, groups: tuple[str, ...]) -> None:
    if left is right:
        raise ExplainerError("compare needs two explorers, got the same one twice: build a second ImageExplorer")
    left_size, right_size = tuple(left.images.shape[-2:]), tuple(right.images.shape[-2:])
    spatial = [group for group in ("pixel", "edits") if group in groups]
    if spatial and left_size != right_size:
        raise ExplainerError(
            f"cannot link {' and '.join(spatial)} between images of {_size(left_size)} and {_size(right_size)} "
            f"pixels: compare images of one size, or pass link=... without {spatial}"
        )
    if "target" in groups and list(left.class_names) != list(right.class_names):
        raise ExplainerError(
            f"cannot link the target: the class names differ ({_names(left.class_names)} vs "
            f"{_names(right.class_names)}); give both explorers the same class_names, or pass "
            "link=... without 'target'"
        )
    if "sample" in groups and len(left.images) != len(right.images):
        raise ExplainerError(
            f"cannot link the sample: the galleries hold {len(left.images)} and {len(right.images)} "
            "images; compare two models on the same images, or pass link=... without 'sample'"
        )


def _link_params(left: ImageExplorer, right: ImageExplorer) -> list[t.link]:
    """Links between the same parameter control of each method, where both offer the same
    values (a layer picker lists each model's own layers, so two models' may differ)."""
    links = []
    for method, controls in left.method_controls.items():
        other = right.method_controls.get(method)
        if other is None:
            continue
        for name, control in controls.controls.items():
            twin = other.controls.get(name)
            if twin is not None and type(twin) is type(control) and _choices(twin) == _choices(control):
                links.append(t.link((control, "value"), (twin, "value")))
    return links


def _choices(control: w.Widget) -> Any:
    """What a control can be set to: its options, or its bounds."""
    options = getattr(control, "options", None)
    if options is not None:
        return tuple(options)
    return (getattr(control, "min", None), getattr(control, "max", None))


def _side_names(left: ImageExplorer, right: ImageExplorer, names: Sequence[str] | None) -> tuple[str, str]:
    if names is not None:
        pair = tuple(str(name) for name in names)
        if len(pair) != 2:
            raise ExplainerError(f"names takes one name per side (two), got {len(pair)}")
        return pair[0], pair[1]
    left_name, right_name = (type(explorer.explainer.model).__name__ for explorer in (left, right))
    return (left_name, right_name) if left_name != right_name else ("model A", "model B")


def _sample_text(explorer: ImageExplorer) -> str:
    index = explorer.sample_index
    if explorer.labels is None:
        return f"sample {index}"
    label = int(explorer.labels[index])
    name = explorer.class_names[label] if 0 <= label < len(explorer.class_names) else str(label)
    return f"sample {index} ({name})"


def _size(size: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in size)


def _names(names: Sequence[str], shown: int = 4) -> str:
    listed = ", ".join(list(names)[:shown]) + (", ..." if len(names) > shown else "")
    return f"{len(names)}: [{listed}]"
