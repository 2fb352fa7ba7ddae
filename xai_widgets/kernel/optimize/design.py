"""Sequence design: search for one-hot sequences that maximise a model's target output."""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from ..core.errors import ParameterError
from ..core.model_guard import preserved
from ..core.progress import Progress, stage
from ..core.validation import as_input_batch
from ..inputs.sequences import check_one_hot, one_hot
from .objective import Objective
from .registry import design_method_spec

if TYPE_CHECKING:
    from ..core.explainer import Explainer

OnStep = Callable[[int, torch.Tensor, torch.Tensor, int], Any]


@dataclass
class SequenceDesign:
    """The result of :func:`design_sequence`.

    sequences: (N, A, L) float32 one-hot, the best sequence found for each start.
    scores: (steps_done + 1, N) float32, the best target output so far after each step (row 0:
        the starts); non-decreasing down each column.
    evaluations: (steps_done + 1,) int64, model evaluations (sequences scored) so far after each step.
    evaluations_per_start: (steps_done + 1, N) int64, the same for each start (they differ where a
        start stops early or a step's cost depends on the start, as in greedy's ranked steps).
    method, params, target: what was run. cancelled: True when the progress or ``on_step``
    callback stopped the run (``stopped_by`` holds what it raised); the result is the run so far.
    """

    sequences: torch.Tensor
    scores: torch.Tensor
    evaluations: torch.Tensor
    evaluations_per_start: torch.Tensor
    method: str
    params: dict[str, Any]
    target: torch.Tensor
    cancelled: bool = False
    stopped_by: BaseException | None = field(default=None, repr=False)
    elapsed_ms: float = 0.0

    @property
    def steps_done(self) -> int:
        return int(self.scores.shape[0]) - 1

    @property
    def best_scores(self) -> torch.Tensor:
        """(N,) the score of each start's best sequence."""
        return self.scores[-1]


class _Guard:
    """The explainer's lock and the model guard (eval mode, frozen parameters, restored after)."""

    def __init__(self, explainer: Explainer) -> None:
        self.explainer = explainer
        self.guard = preserved(explainer.model, explainer.eval_mode)

    def __enter__(self) -> None:
        self.explainer._lock.acquire()
        try:
            self.guard.__enter__()
        except BaseException:
            self.explainer._lock.release()
            raise

    def __exit__(self, *exc: Any) -> None:
        try:
            self.guard.__exit__(*exc)
        finally:
            self.explainer._lock.release()


class _Stop(Exception):
    """Carries what a user callback raised out of a step, to end the run with the result so far."""


def design_sequence(
    explainer: Explainer,
    x0: Any,
    target: Any = None,
    method: str = "greedy",
    steps: int = 100,
    seed: int = 0,
    progress: Progress | None = None,
    on_step: OnStep | None = None,
    stop_at: float | None = None,
    **params: Any,
) -> SequenceDesign:
    """Search for sequences that maximise the target output of ``explainer``'s model.

    ``x0``: the starts, one-hot (N, A, L) (``xw.one_hot``; a string or list of strings is
    encoded over ACGT); one search runs per start, all batched together. ``target`` as for
    ``explainer.attribute`` (None: each start's predicted class; pass the class to maximise).
    ``method``: one of ``design_methods()`` ("random", "greedy", "beam", "gradient"), with its
    ``params`` (``design_method_spec(method).params``). ``steps``: the most steps to take
    (greedy and beam stop earlier at a local optimum; any method stops once every start's best
    score reaches ``stop_at``, when given). ``seed`` makes random choices
    reproducible without touching the global random streams.

    ``progress(fraction)`` is called after every batched pass and ``on_step(step,
    best_sequences, best_scores, evaluations)`` after every step (CPU tensors). If either
    raises (a view's cancel), the run stops and the result so far comes back with
    ``cancelled=True`` and the exception in ``stopped_by``. Resume with
    ``x0=result.sequences``. The model is left unchanged; between steps (and during ``on_step``)
    the explainer is free for other calls.
    """
    spec = design_method_spec(method)
    resolved = spec.resolve(params)
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ParameterError(f"design_sequence: steps must be a whole number >= 0, got {steps!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ParameterError(f"design_sequence: seed must be an int, got {seed!r}")
    if isinstance(x0, str) or (isinstance(x0, (list, tuple)) and x0 and isinstance(x0[0], str)):
        x0 = one_hot(x0)
    steps = int(steps)
    if stop_at is not None and (isinstance(stop_at, bool) or not isinstance(stop_at, numbers.Real)):
        raise ParameterError(f"design_sequence: stop_at must be a number or None, got {stop_at!r}")
    stopped: list[BaseException] = []

    def guarded(callback: Callable[..., Any] | None, *args: Any) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except BaseException as error:  # noqa: BLE001  (a cancel may be any exception, or Ctrl-C)
            stopped.append(error)
            raise _Stop from error

    def guard() -> Any:
        # Each step holds the explainer and guards the model on its own, so between steps other
        # calls (a view painting the best sequence's maps, ``on_step`` itself) get their turn.
        return _Guard(explainer)

    start_time = time.perf_counter()
    with guard():
        batch = as_input_batch(x0, explainer.device)
        check_one_hot(batch, "design_sequence")
        targets = explainer._targets(target, batch)
        runner = explainer._runner
        objective = Objective(runner, targets)
        owners = torch.arange(batch.shape[0], device=batch.device)
        best_x = batch.clone()
        best = objective.score(batch, owners)
        rows, counts = [best.float().cpu().clone()], [objective.evaluations]
        counts_per_start = [objective.evaluations_per_start.clone()]
        generator = torch.Generator().manual_seed(int(seed))
        search = spec.create(objective, batch, best, generator, **resolved)
    for step in range(1, steps + 1):
        try:
            report = stage(progress, (step - 1) / steps, step / steps)
            with guard(), runner.reporting(None if report is None else lambda f, r=report: guarded(r, f)):
                candidates, scores, finished = search.step()
                better = scores > best
                best_x[better], best[better] = candidates[better], scores[better]
                rows.append(best.float().cpu().clone())
                counts.append(objective.evaluations)
                counts_per_start.append(objective.evaluations_per_start.clone())
                current = best_x.float().cpu().clone()
            guarded(on_step, step, current, rows[-1].clone(), objective.evaluations)
            guarded(progress, step / steps)
        except _Stop:
            break
        if finished or (stop_at is not None and bool((best >= stop_at).all())):
            break
    if explainer.device.type == "cuda":
        torch.cuda.synchronize(explainer.device)
    elapsed_ms = (time.perf_counter() - start_time) * 1000.0
    return SequenceDesign(
        sequences=best_x.float().cpu().clone(),
        scores=torch.stack(rows),
        evaluations=torch.tensor(counts, dtype=torch.int64),
        evaluations_per_start=torch.stack(counts_per_start),
        method=method,
        params=resolved,
        target=targets.cpu(),
        cancelled=bool(stopped),
        stopped_by=stopped[0] if stopped else None,
        elapsed_ms=elapsed_ms,
    )
