"""SequenceExplorer: DNA (or any one-hot) sequences, live: the top-k rows by output coloured by
attribution, and the open row's logos and in-silico mutagenesis map, recomputed as bases change."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import torch
import traitlets as t

from ...kernel import Explainer, ExplainerError, base_scores, in_silico_mutagenesis, registered_methods
from ..base.view import BaseView, Work
from ..base.wire import empty_array, to_wire
from ..controls.method_chips import check_methods, method_chips, methods_for, toggled
from ..controls.param_controls import MethodControls
from .sequence_canvas import SequenceCanvas
from .sequence_designer import SequenceDesigner
from .sequence_inputs import as_one_hot, letter_codes, with_edits
from .units import method_units

ISM = "in_silico_mutagenesis"
DEFAULT_METHODS = ("saliency", "grad_x_input", "integrated_gradients", "deeplift", ISM)
# Methods expected to take longer than this are sent on their own ("computing" meanwhile), so
# they never hold back the faster maps.
_SHOW_COMPUTING_S = 0.15
_ISM_UNITS = "Δ output"


class SequenceExplorer(BaseView):
    """Explore what a sequence model looks at: the ``top_k`` sequences with the highest output,
    each base coloured by its attribution (or drawn as a logo), a check mark where a site is
    known; click a row to open it below with an attribution logo per method and the in-silico
    mutagenesis heat map; click a base (or press A/C/G/T on it) to change it and watch the
    output and every map update. A design panel (:class:`SequenceDesigner`) sits under it.

    Args:
        explainer: the bound model; it takes one-hot (N, A, L) input.
        sequences: strings of one length, or a one-hot (N, A, L) tensor over ``alphabet``.
        labels: true label per sequence (int), optional; shown per row by ``class_names``.
        sites: per sequence, its known sites as (start, end, strand) (end exclusive), optional:
            rows get a check mark and the sites are underlined.
        methods: methods enabled at start (default saliency, grad_x_input, integrated_gradients,
            deeplift and in_silico_mutagenesis, those registered); every registered method has a chip.
        alphabet: the letters of the channels, in order.
        top_k: how many rows (the sequences with the highest output for ``target``).
        target: the output explained and ranked by; None: the last output (the positive class of
            a two-class model such as [no site, site]).
        class_names: a name per output, for labels and the output text.
        motifs: known motifs (IUPAC strings) the design panel highlights in designed sequences.
        design: show the design panel (a collapsed section under the explorer).

    State lives in ``explorer.canvas`` traits (``selected``, ``edits``, ``enabled_methods`` and
    the look); kernel calls run on a worker thread, latest-wins.
    """

    worker_name = "sequence-explorer"

    def __init__(
        self,
        explainer: Explainer,
        sequences: Any,
        labels: Any = None,
        sites: Sequence[Sequence[tuple[int, int, str]]] | None = None,
        methods: Sequence[str] | None = None,
        alphabet: str = "ACGT",
        top_k: int = 10,
        target: int | None = None,
        class_names: Sequence[str] | None = None,
        motifs: Sequence[str] | None = None,
        design: bool = True,
    ) -> None:
        self.explainer = explainer
        self.alphabet = alphabet
        self.x = as_one_hot(sequences, alphabet)
        n, length = self.x.shape[0], self.x.shape[-1]
        self.labels = None if labels is None else torch.as_tensor(labels).flatten().long().cpu()
        if self.labels is not None and len(self.labels) != n:
            raise ExplainerError(f"{len(self.labels)} labels for {n} sequences; give one per sequence")
        if sites is not None and len(sites) != n:
            raise ExplainerError(
                f"sites for {len(sites)} sequences, but there are {n}; give a (possibly empty) list per sequence"
            )
        self.sites = None if sites is None else [[(int(a), int(b), str(s)) for a, b, s in row] for row in sites]
        self.specs = methods_for("sequence", registered_methods(), methods or ())
        enabled = (
            [m for m in DEFAULT_METHODS if m in self.specs] if methods is None else check_methods(methods, self.specs)
        )
        if top_k < 1:
            raise ExplainerError(f"top_k must be at least 1, got {top_k}")

        self.probabilities = explainer.predict(self.x)
        n_outputs = self.probabilities.shape[1]
        self.target = n_outputs - 1 if target is None else int(target)
        if not 0 <= self.target < n_outputs:
            raise ExplainerError(f"target {self.target} is not an output of this model (0..{n_outputs - 1})")
        self.class_names = [str(i) for i in range(n_outputs)] if class_names is None else list(class_names)
        if len(self.class_names) != n_outputs:
            raise ExplainerError(f"{len(self.class_names)} class names for a model with {n_outputs} outputs")
        self.top = torch.argsort(self.probabilities[:, self.target], descending=True)[:top_k]

        super().__init__()
        self.canvas = SequenceCanvas(alphabet=alphabet)
        t.dlink((self, "status"), (self.canvas, "status"))
        t.dlink((self, "error"), (self.canvas, "error"))
        self._params: dict[str, dict] = {}
        self._row_keys: dict[str, tuple] = {}
        self._map_keys: dict[str, tuple] = {}
        self._ism_key: tuple | None = None
        self._ism: torch.Tensor | None = None
        self._open_key: tuple | None = None
        self._open: torch.Tensor | None = None
        self._maps: dict[str, tuple[tuple, torch.Tensor]] = {}
        self._init_rows()

        self.chips = method_chips(self.specs, enabled, self._chip_toggled)
        self.method_controls = {
            name: MethodControls(spec, explainer.layers(), length, self._params_changed)
            for name, spec in self.specs.items()
        }
        self._controls_box = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        parts: list[w.Widget] = [
            w.HBox(list(self.chips.values()), layout=w.Layout(flex_flow="row wrap")),
            self.canvas,
            self._controls_box,
        ]
        # The design panel is built when first opened (or asked for): a chart drawn while its
        # section is collapsed has no size, and most sessions never design.
        self._design_args: dict[str, Any] | None = None
        self._designer: SequenceDesigner | None = None
        if design:
            self._design_args = dict(
                explainer=explainer, x0=10, target=self.target, length=length, alphabet=alphabet, motifs=motifs
            )
            self.design_section = w.Accordion(children=[w.VBox()], selected_index=None)
            self.design_section.set_title(0, "Design a sequence (optimise the input for the output)")
            self.design_section.add_class("xw-design-section")
            self.design_section.observe(self._design_opened, names="selected_index")
            parts.append(self.design_section)
        self.set_parts(parts)
        self.add_class("xw-sequence-explorer")
        self.canvas.enabled_methods = [name for name in self.specs if name in enabled]
        self._show_controls()
        self.canvas.observe(self._methods_changed, names="enabled_methods")
        self.canvas.observe(self._selected_changed, names="selected")
        self.canvas.observe(self._edits_changed, names="edits")
        self.refresh()

    # ---- what the user can do from Python (the browser does the same through the traits) ------
    def open_row(self, row: int) -> None:
        """Open row ``row`` (0 = the highest output) below the rows; -1 closes it."""
        self.canvas.selected = row

    def set_base(self, position: int, base: str) -> None:
        """Change base ``position`` (0-based) of the open sequence to ``base``."""
        edits = [edit for edit in self.canvas.edits if edit.get("position") != position]
        self.canvas.edits = sorted([*edits, {"position": position, "base": base}], key=lambda e: e["position"])

    def reset_edits(self) -> None:
        self.canvas.edits = []

    def set_params(self, method: str, **params: Any) -> None:
        """Change ``method``'s parameters (the controls follow)."""
        controls = self.method_controls[method].controls
        for name, value in params.items():
            controls[name].value = value

    def results(self) -> dict[str, torch.Tensor]:
        """The per-base scores (L,) of each method shown for the open sequence, and its
        mutagenesis map (A, L) under ``"mutagenesis"``."""
        shown = {name: values for name, (_, values) in self._maps.items()}
        if self._ism is not None:
            shown["mutagenesis"] = self._ism
        return shown

    @property
    def open_sequence(self) -> torch.Tensor | None:
        """The open sequence as the model sees it now (A, L), after the edits."""
        return self._open

    @property
    def designer(self) -> SequenceDesigner | None:
        """The design panel (built on first use), or None when the explorer has none."""
        if self._design_args is not None and self._designer is None:
            self._designer = SequenceDesigner(**self._design_args)
            self.design_section.children = [self._designer]
        return self._designer

    def _design_opened(self, change: dict) -> None:
        if change["new"] == 0:
            _ = self.designer

    def close(self) -> None:
        if getattr(self, "_designer", None) is not None:
            self._designer.close()  # type: ignore[union-attr]
        super().close()

    def _parts(self) -> list[w.Widget]:
        return list(self.method_controls.values()) if hasattr(self, "method_controls") else []

    # ---- set-up --------------------------------------------------------------------------------
    def _init_rows(self) -> None:
        top = self.top.tolist()
        self.canvas.n_rows = len(top)
        self.canvas.rows = to_wire(letter_codes(self.x[top]), "uint8")
        info = []
        for index in top:
            label = None if self.labels is None else self._class_name(int(self.labels[index]))
            output = float(self.probabilities[index, self.target])
            info.append(
                {
                    "index": index,
                    "label": label,
                    "output": output,
                    "output_text": self._output_text(output),
                    "sites": None if self.sites is None else [list(site) for site in self.sites[index]],
                }
            )
        self.canvas.row_info = info
        self.canvas.target_label = f"explaining and ranking by output {self.target} ({self.class_names[self.target]})"

    def _class_name(self, index: int) -> str:
        return self.class_names[index] if 0 <= index < len(self.class_names) else str(index)

    def _output_text(self, value: float) -> str:
        if len(self.class_names) == 1:
            return f"output={value:.3g}"
        return f"p={value:.4f}"

    def _show_controls(self) -> None:
        self._controls_box.children = [
            self.method_controls[name] for name in self.canvas.enabled_methods if self.specs[name].params
        ]

    # ---- events (comm thread): record intent, hand the work to the worker ----------------------
    def _chip_toggled(self, name: str, on: bool) -> None:
        self.canvas.enabled_methods = toggled(self.canvas.enabled_methods, self.specs, name, on)

    def _methods_changed(self, _change: dict) -> None:
        for name, chip in self.chips.items():
            chip.value = name in self.canvas.enabled_methods
        self._show_controls()
        self.refresh()

    def _selected_changed(self, _change: dict) -> None:
        if self.canvas.edits:
            self.canvas.edits = []  # edits belong to the sequence they were made on
        self.refresh()

    def _edits_changed(self, _change: dict) -> None:
        self.refresh()

    def _params_changed(self, method: str, params: dict) -> None:
        self._params[method] = params
        self.refresh()

    def _method_params(self, method: str) -> dict:
        return {**self.specs[method].defaults(), **self._params.get(method, {})}

    # ---- the work (worker thread) --------------------------------------------------------------
    def _update(self, work: Work) -> str:
        errors: list[str] = []
        self._drop_disabled()
        # The open sequence first: it is what the user just touched.
        if self.canvas.selected >= 0:
            errors += self._update_open(work)
        else:
            self._close_open()
        work.check()
        errors += self._update_rows(work)
        return "; ".join(error for error in errors if error)

    def _drop_disabled(self) -> None:
        enabled = set(self.canvas.enabled_methods)
        for cache in (self._row_keys, self._map_keys, self._maps):
            for name in set(cache) - enabled:
                del cache[name]
        if set(self.canvas.row_scores) - enabled:
            self.canvas.row_scores = {k: v for k, v in self.canvas.row_scores.items() if k in enabled}
        if set(self.canvas.maps) - enabled:
            self.canvas.maps = {k: v for k, v in self.canvas.maps.items() if k in enabled}

    def _close_open(self) -> None:
        if self._open_key is None:
            return
        self._open_key, self._open, self._ism_key, self._ism = None, None, None, None
        self._map_keys.clear()
        self._maps.clear()
        with self.canvas.hold_sync():
            self.canvas.sequence = empty_array()
            self.canvas.maps = {}
            self.canvas.mutagenesis = {}
            self.canvas.output_label = ""

    def _update_open(self, work: Work) -> list[str]:
        errors: list[str] = []
        row = self.canvas.selected
        index = int(self.top[row])
        edits = list(self.canvas.edits)
        key = (index, json.dumps(edits, sort_keys=True))
        with contextlib.ExitStack() as held:
            # The new letters travel with the fast maps in one message, so no old map is drawn
            # under a new sequence; a slow method releases the hold and shows "computing".
            held.enter_context(self.canvas.hold_sync())
            if key != self._open_key:
                errors += self._set_open(index, edits, key)
            assert self._open is not None
            x = self._open[None]
            work.check()
            errors.append(self._update_mutagenesis(work, x))
            methods = sorted(self.canvas.enabled_methods, key=self.expected_seconds)
            for method in methods:
                work.check()
                params = self._method_params(method)
                map_key = (self._open_key, self.target, json.dumps(params, sort_keys=True, default=str))
                if self._map_keys.get(method) == map_key:
                    continue
                if self.expected_seconds(method) >= _SHOW_COMPUTING_S:
                    held.close()
                    self._set_map(method, {**self.canvas.maps.get(method, {}), "status": "computing"})
                errors.append(self._compute_map(work, method, params, x, map_key))
        return errors

    def _set_open(self, index: int, edits: list[dict], key: tuple) -> list[str]:
        errors = []
        try:
            x = with_edits(self.x[index], edits, self.alphabet)
        except ExplainerError as error:
            errors.append(f"could not apply the edit: {error}")
            x = self.x[index]
        self._open, self._open_key = x, key
        output = float(self.explainer.predict(x[None])[0, self.target])
        before = float(self.probabilities[index, self.target])
        changed = int((x != self.x[index]).any(0).sum())
        label = f"sample {index}: {self.class_names[self.target]} {self._output_text(output)}"
        if changed:
            label += (
                f" (was {self._output_text(before).split('=')[1]}, {changed} base{'s' if changed > 1 else ''} changed)"
            )
        self.canvas.reference = to_wire(letter_codes(self.x[index]), "uint8")
        self.canvas.sequence = to_wire(letter_codes(x), "uint8")
        self.canvas.output_label = label
        return errors

    def _update_mutagenesis(self, work: Work, x: torch.Tensor) -> str:
        key = (self._open_key, self.target)
        if key == self._ism_key:
            return ""
        try:
            values = work.call(ISM, in_silico_mutagenesis, self.explainer, x, target=self.target)[0]
        except ExplainerError as error:
            self._ism_key, self._ism = key, None
            self.canvas.mutagenesis = {"status": "error", "error": str(error), "units": _ISM_UNITS}
            return f"mutagenesis: {error}"
        self._ism_key, self._ism = key, values
        self.canvas.mutagenesis = {
            "values": to_wire(values, "float16"),
            "status": "idle",
            "error": "",
            "elapsed_ms": round(self.expected_seconds(ISM) * 1000.0, 2),
            "units": _ISM_UNITS,
        }
        return ""

    def _compute_map(self, work: Work, method: str, params: dict, x: torch.Tensor, key: tuple) -> str:
        try:
            if method == ISM and self._ism is not None and not params:
                values, elapsed_ms = self._ism[None], self.expected_seconds(ISM) * 1000.0
            else:
                result = work.call(method, self.explainer.attribute, x, method, target=self.target, **params)
                values, elapsed_ms = result.values, result.elapsed_ms
            scores = base_scores(values, x, method=method)[0]
        except ExplainerError as error:
            self._map_keys[method] = key
            self._maps.pop(method, None)
            self._set_map(method, {"status": "error", "error": str(error), "units": method_units(method)})
            return f"{method}: {error}"
        self._map_keys[method] = key
        self._maps[method] = (key, scores)
        units = _ISM_UNITS if method == ISM else method_units(method)
        self._set_map(
            method,
            {
                "values": to_wire(scores, "float16"),
                "status": "idle",
                "error": "",
                "elapsed_ms": round(elapsed_ms, 2),
                "units": units,
            },
        )
        return ""

    def _set_map(self, method: str, entry: dict) -> None:
        maps = {name: value for name, value in self.canvas.maps.items() if name in self.canvas.enabled_methods}
        maps[method] = entry
        self.canvas.maps = maps

    def _update_rows(self, work: Work) -> list[str]:
        errors = []
        x = self.x[self.top]
        for method in sorted(self.canvas.enabled_methods, key=self.expected_seconds):
            work.check()
            params = self._method_params(method)
            key = (self.target, json.dumps(params, sort_keys=True, default=str))
            if self._row_keys.get(method) == key:
                continue
            try:
                if method == ISM and not params:
                    values = work.call(f"{ISM} (rows)", in_silico_mutagenesis, self.explainer, x, target=self.target)
                else:
                    values = work.call(
                        f"{method} (rows)", self.explainer.attribute, x, method, target=self.target, **params
                    ).values
                scores = base_scores(values, x, method=method)
            except ExplainerError as error:
                self._row_keys[method] = key
                errors.append(f"{method} (rows): {error}")
                continue
            self._row_keys[method] = key
            self.canvas.row_scores = {**self.canvas.row_scores, method: to_wire(scores, "float16")}
        return errors
