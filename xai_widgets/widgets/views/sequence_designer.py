"""SequenceDesigner: optimise a sequence model's input and watch it happen: the best score against
model evaluations, the best sequences with the known motifs found in them, and their logo."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import torch

from ...kernel import (
    Explainer,
    ExplainerError,
    ParameterError,
    design_method_spec,
    design_methods,
    design_sequence,
    find_motif,
    information_content,
    one_hot,
)
from ..base.view import BaseView, Cancelled, Work
from ..base.wire import to_wire
from ..base.worker import Superseded
from ..charts.design_charts import ScoreCurve
from ..controls.param_controls import control_for
from .design_canvas import DesignCanvas
from .sequence_inputs import as_one_hot, letter_codes

# The chart and the sequences reach the browser at most this often while a design runs.
_PAINT_INTERVAL_S = 0.1


class SequenceDesigner(BaseView):
    """Design sequences that maximise one output of a sequence model (``xw.design_sequence``).

    Pick a method (its parameters get controls from their ``ParamSpec``s) and the steps, press
    Run and watch the best score climb against model evaluations, the best sequence of each
    start change with the known ``motifs`` boxed where they appear, and, with several starts,
    the logo of the designed sequences. Pause keeps the result so far and Resume continues
    from it; Cancel (here or in the status bar) stops and keeps it too.

    Args:
        explainer: the bound model; it takes one-hot (N, A, L) input.
        x0: the starting sequences (strings or one-hot (N, A, L)), or an int: that many random
            starts of ``length`` bases (drawn with ``seed``).
        target: the output to maximise; None: the last output.
        length: the length of random starts (needed when ``x0`` is an int).
        alphabet: the letters of the channels, in order.
        motifs: known motifs (strings with IUPAC codes) to box where they occur, on either strand.
        method, steps, seed: the design method, steps and seed at start.
    """

    worker_name = "sequence-designer"

    def __init__(
        self,
        explainer: Explainer,
        x0: Any = 10,
        target: int | None = None,
        length: int | None = None,
        alphabet: str = "ACGT",
        motifs: Sequence[str] | None = None,
        method: str = "greedy",
        steps: int = 100,
        seed: int = 0,
    ) -> None:
        self.explainer = explainer
        self.alphabet = alphabet
        self.starts = _starts(x0, length, alphabet, seed)
        n_outputs = int(explainer.outputs(self.starts[:1]).shape[1])
        self.target = n_outputs - 1 if target is None else int(target)
        if not 0 <= self.target < n_outputs:
            raise ExplainerError(f"target {self.target} is not an output of this model (0..{n_outputs - 1})")
        self.motifs = list(motifs or [])
        names = list(design_methods())
        if method not in names:
            raise ParameterError(f"unknown design method {method!r}; use one of {names}")

        super().__init__()
        self.canvas = DesignCanvas(alphabet=alphabet)
        self.curve = ScoreCurve(f"best score (raw output {self.target})")
        self.method_menu = w.Dropdown(options=names, value=method, description="method", layout=w.Layout(width="220px"))
        self.steps_box = w.BoundedIntText(
            value=steps, min=1, max=100_000, description="steps", layout=w.Layout(width="180px")
        )
        self.seed_box = w.BoundedIntText(
            value=seed, min=0, max=2**31 - 1, description="seed", layout=w.Layout(width="180px")
        )
        self.run_button = w.Button(
            description="Run", button_style="primary", icon="play", tooltip="Design from the starts"
        )
        self.pause_button = w.Button(
            description="Pause", icon="pause", disabled=True, tooltip="Stop and keep the result so far"
        )
        self.resume_button = w.Button(
            description="Resume", icon="forward", disabled=True, tooltip="Continue from the result so far"
        )
        self.cancel_button = w.Button(
            description="Cancel", icon="stop", disabled=True, tooltip="Stop this run (the result so far is kept)"
        )
        for button, css in (
            (self.run_button, "xw-design-run"),
            (self.pause_button, "xw-design-pause"),
            (self.resume_button, "xw-design-resume"),
            (self.cancel_button, "xw-design-cancel"),
        ):
            button.add_class(css)
        self.run_button.on_click(lambda _: self.run())
        self.pause_button.on_click(lambda _: self.pause())
        self.resume_button.on_click(lambda _: self.resume())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.controls: dict[str, dict[str, w.ValueWidget]] = {}
        self._controls_box = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.method_menu.observe(lambda _: self._show_controls(), names="value")
        self._show_controls()
        self.set_parts(
            [
                w.HBox([self.method_menu, self.steps_box, self.seed_box], layout=w.Layout(flex_flow="row wrap")),
                self._controls_box,
                w.HBox([self.run_button, self.pause_button, self.resume_button, self.cancel_button]),
                w.HBox(
                    [w.VBox([self.curve.figure, self.curve.key]), self.canvas], layout=w.Layout(flex_flow="row wrap")
                ),
            ]
        )
        self.add_class("xw-sequence-designer")

        # The run: what was asked, and the history so far (kept across pause and resume).
        self._action: str | None = None
        self._stopping: str | None = None
        self._run_method = method
        self._run_params: dict[str, Any] = {}
        self._run_steps = 0
        self._steps_done = 0
        self._scores: list[np.ndarray] = []
        self._evaluations: list[int] = []
        self._best: torch.Tensor = self.starts
        self._last_paint = 0.0
        self.state = "ready"
        self._record_start()
        self._paint()

    # ---- what the user can do (the buttons call these) ------------------------------------------
    @property
    def params(self) -> dict[str, Any]:
        """The chosen method's parameters, from its controls."""
        return {name: control.value for name, control in self.controls.get(self.method_menu.value, {}).items()}

    def set_params(self, **params: Any) -> None:
        """Set parameters of the chosen method (its controls follow)."""
        controls = self.controls[self.method_menu.value]
        for name, value in params.items():
            controls[name].value = value

    def run(self) -> None:
        """Design from the starts with the chosen method, steps and parameters (a new history)."""
        self._request("run")

    def pause(self) -> None:
        """Stop at the next step, keeping the result so far; :meth:`resume` continues it."""
        if self.state == "running":
            self._stopping = "paused"
            super().cancel()

    def resume(self) -> None:
        """Continue a paused (or cancelled) run from its best sequences for the steps left."""
        if self.state in ("paused", "cancelled") and self._steps_done < self._run_steps:
            self._request("resume")

    def cancel(self) -> None:
        """Stop the run at its next step; the result so far is kept (and can be resumed)."""
        self._stopping = "cancelled"
        super().cancel()

    @property
    def best_sequences(self) -> torch.Tensor:
        """The best sequence of each start so far, one-hot (N, A, L)."""
        return self._best

    @property
    def history(self) -> tuple[np.ndarray, np.ndarray]:
        """(evaluations (T,), best scores (T, N)) so far: the curve's data."""
        return np.asarray(self._evaluations), np.stack(self._scores)

    # ---- set-up ----------------------------------------------------------------------------------
    def _show_controls(self) -> None:
        name = self.method_menu.value
        if name not in self.controls:
            spec = design_method_spec(name)
            length = self.starts.shape[-1]
            self.controls[name] = {
                param.name: control_for(param, self.explainer.layers(), length) for param in spec.params
            }
        controls = list(self.controls[name].values())
        self._controls_box.children = controls or [w.HTML("<span class='xw-muted'>no parameters</span>")]

    def _parts(self) -> list[w.Widget]:
        return [control for controls in getattr(self, "controls", {}).values() for control in controls.values()]

    def _request(self, action: str) -> None:
        self._action = action
        self._stopping = None
        self._set_state("running")
        self.refresh()

    def _set_state(self, state: str) -> None:
        self.state = state
        running = state == "running"
        self.run_button.disabled = running
        self.pause_button.disabled = not running
        self.cancel_button.disabled = not running
        self.resume_button.disabled = not (state in ("paused", "cancelled") and self._steps_done < self._run_steps)
        self.method_menu.disabled = running

    def _record_start(self) -> None:
        scores = self.explainer.outputs(self.starts)[:, self.target].numpy()
        self._scores = [scores.astype(np.float32)]
        self._evaluations = [int(self.starts.shape[0])]  # scoring the starts counts, as in the kernel
        self._best = self.starts

    # ---- the work (worker thread) ----------------------------------------------------------------
    def _update(self, work: Work) -> str:
        action, self._action = self._action, None
        if action is None:
            return ""
        if action == "run":
            self._run_method, self._run_params = self.method_menu.value, self.params
            self._run_steps, self._steps_done = int(self.steps_box.value), 0
            self._record_start()
            x0 = self.starts
        else:
            x0 = self._best
        # The kernel counts its own scoring of the starts: a resumed run adds to the total so far.
        offset = 0 if action == "run" else self._evaluations[-1]
        first_step = self._steps_done

        def on_step(step: int, best: torch.Tensor, scores: Any, evaluations: int) -> None:
            self._best = best.detach().cpu()
            self._scores.append(np.asarray(_numpy(scores), dtype=np.float32).reshape(-1))
            self._evaluations.append(offset + int(evaluations))
            self._steps_done = first_step + int(step)
            if time.perf_counter() - self._last_paint >= _PAINT_INTERVAL_S:
                self._paint()

        stopped = None
        self._paint()
        try:
            result = work.call(
                "design_sequence",
                design_sequence,
                self.explainer,
                x0,
                target=self.target,
                method=self._run_method,
                steps=self._run_steps - self._steps_done,
                seed=int(self.seed_box.value) + first_step,
                on_step=on_step,
                **self._run_params,
            )
        except Cancelled:
            stopped = self._stopping or "cancelled"
        except ExplainerError:
            self._set_state("error")
            self._paint()
            raise
        else:
            if result.cancelled:
                if isinstance(result.stopped_by, Superseded):
                    return ""  # a newer run was asked for: it paints from here
                stopped = self._stopping or "cancelled"
            self._best = result.sequences.detach().cpu()
        self._set_state(stopped or "done")
        self._paint()
        return ""

    def _paint(self) -> None:
        """Show the history: the curve, the best sequences with their motifs, and their logo."""
        self._last_paint = time.perf_counter()
        evaluations = np.asarray(self._evaluations, dtype=np.float64)
        scores = np.stack(self._scores)
        best = self._best
        n = best.shape[0]
        final = scores[-1]
        self.curve.show(evaluations, scores, f"Design ({self._run_method}): best score {float(final.max()):.4g}")
        highlights = []
        for motif in self.motifs:
            for hit in find_motif(best, motif, alphabet=self.alphabet):
                highlights.append([int(hit.sequence), int(hit.start), int(hit.end), f"{motif} ({hit.strand})"])
        logo = np.zeros((0,), np.float32)
        if n > 1:
            pwm = best.mean(0)
            logo = (pwm * information_content(pwm)[None, :]).numpy()
        with self.canvas.hold_sync():
            self.canvas.sequences = to_wire(letter_codes(best), "uint8")
            self.canvas.row_labels = [f"start {i + 1}  score {float(final[i]):.4g}" for i in range(n)]
            self.canvas.highlights = highlights
            self.canvas.logo = to_wire(logo, "float32")
            self.canvas.caption = self._caption(int(evaluations[-1]))

    def _caption(self, evaluations: int) -> str:
        what = {
            "ready": "ready: press Run",
            "running": "running",
            "paused": "paused: Resume continues",
            "cancelled": "cancelled",
            "done": "done",
            "error": "failed (see the error above)",
        }[self.state]
        if self.state == "ready":
            return f"{self.starts.shape[0]} start(s) of {self.starts.shape[-1]} bases; {what}"
        steps = f"step {self._steps_done} of {self._run_steps}"
        return f"{self._run_method}: {steps} · {evaluations:,} model evaluations · {what}"


def _numpy(values: Any) -> np.ndarray:
    return values.detach().cpu().numpy() if hasattr(values, "detach") else np.asarray(values)


def _starts(x0: Any, length: int | None, alphabet: str, seed: int) -> torch.Tensor:
    """The starting sequences: ``x0`` as one-hot, or ``x0`` random sequences of ``length`` bases."""
    if isinstance(x0, (int, np.integer)) and not isinstance(x0, bool):
        if x0 < 1:
            raise ParameterError(f"the number of starts must be at least 1, got {x0}")
        if length is None or length < 1:
            raise ParameterError("random starts need their length: pass length= (bases per sequence)")
        rng = np.random.default_rng(seed)
        letters = np.array(list(alphabet))
        return one_hot(["".join(letters[rng.integers(0, len(alphabet), length)]) for _ in range(int(x0))], alphabet)
    return as_one_hot(x0, alphabet)
