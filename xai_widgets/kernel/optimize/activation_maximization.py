"""Activation maximisation: gradient ascent on the input, for the input that most excites a class
output, a layer's channel or one neuron, under regularisers that keep it readable."""

from __future__ import annotations

import contextlib
import math
import numbers
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from ..core.errors import ParameterError
from ..core.model_guard import preserved
from ..core.progress import Progress
from ..core.runner import ModelRunner
from ..core.validation import as_target_batch
from ..probes.layer_tap import LayerTap, neuron_index
from .adam import InPlaceAdam
from .image_parametrization import ImageParametrization
from .regularizers import Regularizer, as_regularizers, transform_steps

if TYPE_CHECKING:
    from ..core.explainer import Explainer

OnStep = Callable[[int, torch.Tensor, torch.Tensor], Any]
DEFAULT_LR = 0.05


@dataclass
class _State:
    """What a run continues from: the parameters, the optimiser's moments, the random stream."""

    parametrization: ImageParametrization
    optimizer: dict[str, Any]
    generator: torch.Tensor
    steps_done: int


@dataclass
class ActivationMaximization:
    """The result of :func:`activation_maximization`.

    input: (k, *shape) float32 on the CPU, the optimised inputs, one per unit.
    scores: (steps_done, k) the objective of each input at each step, as the model saw it (after
        that step's transforms): the target output, the channel's mean activation or the neuron.
    penalties: (steps_done, k) the sum of the penalty regularisers at each step (the ascent
        maximises scores - penalties).
    objective: "class", "channel" or "neuron"; units: the class, channel or neuron index of each
        input; labels: a short name for each ("class 3", "features.conv2 channel 5").
    regularizers: the regularisers used, with their parameters. cancelled: True when
    ``progress`` or ``on_step`` raised (``stopped_by``); the result is the run so far and
    ``resume=result`` continues it.
    """

    input: torch.Tensor
    scores: torch.Tensor
    penalties: torch.Tensor
    objective: str
    units: list[Any]
    labels: list[str]
    regularizers: list[Regularizer]
    params: dict[str, Any]
    cancelled: bool = False
    stopped_by: BaseException | None = field(default=None, repr=False)
    elapsed_ms: float = 0.0
    state: _State | None = field(default=None, repr=False)

    @property
    def steps_done(self) -> int:
        return int(self.scores.shape[0])


class _Stop(Exception):
    """Carries what a user callback raised out of a step, to end the run with the result so far."""


class _Objective:
    """Maps the inputs (k, *shape) to the k quantities maximised, each input its own unit."""

    def __init__(
        self, runner: ModelRunner, shape: tuple[int, ...], target: Any, layer: Any, channel: Any, neuron: Any
    ) -> None:
        self.runner = runner
        self.units: list[Any] = []
        self._unit_index: tuple[torch.Tensor, ...] | None = None
        self._seed_tensor: torch.Tensor | None = None
        device = runner.device
        if layer is None:
            if channel is not None or neuron is not None:
                raise ParameterError("activation_maximization: channel and neuron need layer='name' of their layer")
            n_outputs = runner.n_outputs(torch.Size(shape))
            units = list(range(n_outputs)) if target is None else _as_list(target)
            self.targets = as_target_batch(units, len(units), n_outputs, device)
            self.kind, self.units = "class", [int(t) for t in self.targets.tolist()]
            self.labels = [f"class {t}" for t in self.units]
            return
        if target is not None:
            raise ParameterError(
                "activation_maximization: give target (a class) or layer (a channel or neuron), not both"
            )
        if channel is not None and neuron is not None:
            raise ParameterError("activation_maximization: give channel or neuron, not both")
        self.tap = LayerTap(runner, layer)
        out_shape = self.tap.output_shape(torch.Size(shape))
        if neuron is not None:
            wanted = neuron if isinstance(neuron, list) else [neuron]
            self.neurons = [neuron_index(n, out_shape, self.tap.name) for n in wanted]
            self.kind, self.units = "neuron", list(self.neurons)
            self.labels = [f"{self.tap.name} neuron {n}" for n in self.neurons]
            return
        n_channels = out_shape[0] if out_shape else 1
        channels = list(range(n_channels)) if channel is None else _as_list(channel)
        for c in channels:
            if isinstance(c, bool) or not isinstance(c, numbers.Integral) or not 0 <= int(c) < n_channels:
                raise ParameterError(
                    f"channel {c!r} is out of range: layer {self.tap.name!r} has {n_channels} channels "
                    f"(output shape {list(out_shape)})"
                )
        self.channels = torch.tensor([int(c) for c in channels], device=device)
        self.kind, self.units = "channel", [int(c) for c in channels]
        self.labels = [f"{self.tap.name} channel {c}" for c in self.units]

    @property
    def k(self) -> int:
        return len(self.units)

    def __call__(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The k scores for ``images`` (detached), and the output they are read from (in the graph)
        with the gradient of -sum(scores) with respect to it: the root of the backward pass."""
        if self.kind == "class":
            out = self.runner.forward(images)
            # A gather: advanced indexing's fixed cost was half a percent of a small CNN's step.
            return out.detach().gather(1, self.targets[:, None]).squeeze(1), out, self._seed(out)
        out = self.tap.output_with_graph(images)
        picked = out.detach()[self._index()]
        scores = picked if self.kind == "neuron" else picked.reshape(images.shape[0], -1).mean(1)
        return scores, out, self._seed(out)

    def _seed(self, out: torch.Tensor) -> torch.Tensor:
        """The gradient of -sum(scores) with respect to ``out``, built once: -1 at each input's unit
        (-1 / size spread over a channel's positions, what the mean's backward passes). Seeding the
        backward with it leaves out the picking, summing and negating ops and their backward
        passes, with the same gradient bit for bit."""
        if self._seed_tensor is None or self._seed_tensor.shape != out.shape or self._seed_tensor.dtype != out.dtype:
            seed = torch.zeros_like(out, memory_format=torch.contiguous_format)
            index = self._index()
            if self.kind == "channel":
                # The mean's backward divides in the output's dtype: so does this.
                size = math.prod(out.shape[2:])
                seed[index] = torch.full((), -1.0, dtype=out.dtype, device=out.device) / size
            else:
                seed[index] = -1.0
            self._seed_tensor = seed
        return self._seed_tensor

    def _index(self) -> tuple[torch.Tensor, ...]:
        """(input, unit) index tensors into the model's or the layer's output, built once on the
        device rather than each step."""
        if self._unit_index is None:
            device = self.runner.device
            rows = torch.arange(self.k, device=device)
            if self.kind == "class":
                self._unit_index = (rows, self.targets)
            elif self.kind == "neuron":
                columns = [torch.tensor(dim, device=device) for dim in zip(*self.neurons, strict=True)]
                self._unit_index = (rows, *columns)
            else:
                self._unit_index = (rows, self.channels)
        return self._unit_index


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, torch.Tensor):
        return value.flatten().tolist()
    return list(value) if isinstance(value, (list, tuple, range)) else [value]


def activation_maximization(
    explainer: Explainer,
    target: Any = None,
    layer: Any = None,
    channel: Any = None,
    neuron: Any = None,
    shape: Sequence[int] | None = None,
    steps: int = 256,
    lr: float | None = None,
    regularizers: Any = None,
    value_range: tuple[float, float] | None = (0.0, 1.0),
    parametrization: str = "pixel",
    seed: int = 0,
    progress: Progress | None = None,
    on_step: OnStep | None = None,
    on_step_every: int = 1,
    resume: ActivationMaximization | None = None,
) -> ActivationMaximization:
    """Search by gradient ascent for inputs that maximise a unit of ``explainer``'s model.

    What is maximised, one input per unit, all in one batched optimisation:
      - ``target``: a class output (an int or a list; None with no ``layer``: every class);
      - ``layer`` and ``channel``: the mean activation of the channel (dim 1 of the layer's output;
        an int or a list; None: every channel of the layer);
      - ``layer`` and ``neuron``: one unit (an int, a tuple index into the layer's per-sample
        output, or a list of them).
    ``shape``: one input's shape without the batch dim, e.g. (3, 64, 64). ``steps`` of Adam at
    ``lr`` (None: 0.05). ``regularizers``: None for the defaults (``l2``, ``tv``, ``jitter`` with
    their default parameters, ``l2`` alone for inputs without spatial dims; see
    ``xw.regularizer_specs()``), else names, ``xw.regularizer(name,
    **params)`` objects or a {name: {param: value}} mapping, which replace the defaults ([] for
    none). ``value_range=(low, high)`` keeps the input inside it (a sigmoid of the parameters);
    None optimises unbounded values. ``parametrization``: "pixel", or "fourier" (Lucid's
    decorrelated basis, (C, H, W) inputs; far more readable images on CNNs). ``seed`` fixes the
    start and the random transforms without touching the global random streams.

    ``progress(fraction)`` after every step, ``on_step(step, inputs, scores)`` (CPU tensors, (k,
    *shape) and (k,)) after every ``on_step_every`` steps and the last; if either raises (a view's
    pause or cancel) the run stops and returns what it has with ``cancelled=True``.
    ``resume=result`` continues a run (same units and settings) where it stopped. The model's
    parameters get no gradient and the model is left as it was.
    """
    if shape is None and resume is None:
        raise ParameterError(
            "activation_maximization needs shape=, one input's shape without the batch dim, e.g. (3, 64, 64)"
        )
    steps = _whole(steps, "steps", 0)
    seed = _whole(seed, "seed", None)
    on_step_every = _whole(on_step_every, "on_step_every", 1)
    lr = DEFAULT_LR if lr is None else float(lr)
    if not math.isfinite(lr) or lr <= 0:
        raise ParameterError(f"activation_maximization: lr must be a positive number, got {lr}")
    value_range = _checked_range(value_range)
    stopped: list[BaseException] = []

    def guarded(callback: Callable[..., Any] | None, *args: Any) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except BaseException as error:  # noqa: BLE001  (a cancel may be any exception, or Ctrl-C)
            stopped.append(error)
            raise _Stop from error

    with explainer._lock, preserved(explainer.model, explainer.eval_mode):
        start_time = time.perf_counter()
        runner = explainer._runner
        if resume is not None:
            if resume.state is None:
                raise ParameterError("activation_maximization: resume= takes a result of activation_maximization")
            shape = resume.state.parametrization.shape
        shape = tuple(int(s) for s in shape)  # type: ignore[union-attr]
        chosen = as_regularizers(regularizers, spatial=len(shape) >= 2)
        objective = _Objective(runner, shape, target, layer, channel, neuron)
        generator = torch.Generator().manual_seed(seed)
        if resume is None:
            param = ImageParametrization(parametrization, shape, objective.k, value_range, generator, runner.device)
        else:
            param = _resumed(resume, objective, parametrization, value_range)
            generator.set_state(resume.state.generator)  # type: ignore[union-attr]
        optimizer = InPlaceAdam(param.parameters, lr=lr)
        if resume is not None:
            optimizer.load_state_dict(resume.state.optimizer)  # type: ignore[union-attr]
        penalties = _Penalties(chosen, (objective.k, *shape), runner.device)
        transforms = transform_steps(chosen)
        periodic = [(r.spec.apply, r.params) for r in chosen if r.spec.kind == "periodic"]
        first = 0 if resume is None else resume.state.steps_done  # type: ignore[union-attr]
        score_rows: list[torch.Tensor] = []
        penalty_rows: list[torch.Tensor] = []
        with torch.enable_grad(), _flushing_denormals():
            for step in range(first + 1, first + steps + 1):
                # What zero_grad(set_to_none=True) does, without the optimiser's profiling wrapper
                # (seen at 0.1 ms a step on a loaded CPU, against a few microseconds).
                param.parameters.grad = None
                images = param.images()
                seen = images
                for transform in transforms:
                    seen = transform(seen, generator)
                scores, out, out_grad = objective(seen)
                penalty = penalties.backward(images, out, out_grad)
                optimizer.step()
                for apply, params in periodic:
                    apply(param, step, **params)
                score_rows.append(scores)
                penalty_rows.append(penalty)
                try:
                    if on_step is not None and ((step - first) % on_step_every == 0 or step == first + steps):
                        with torch.no_grad():
                            guarded(on_step, step, param.images().float().cpu(), scores.float().cpu())
                    guarded(progress, (step - first) / steps)
                except _Stop:
                    break
        with torch.no_grad():
            final = param.images().float().cpu()
        if explainer.device.type == "cuda":
            torch.cuda.synchronize(explainer.device)
        elapsed_ms = (time.perf_counter() - start_time) * 1000.0
    k = objective.k
    done = first + len(score_rows)
    previous = (resume.scores, resume.penalties) if resume is not None else (torch.empty(0, k), torch.empty(0, k))
    return ActivationMaximization(
        input=final,
        scores=torch.cat([previous[0], _rows(score_rows, k)]),
        penalties=torch.cat([previous[1], _rows(penalty_rows, k)]),
        objective=objective.kind,
        units=objective.units,
        labels=objective.labels,
        regularizers=chosen,
        params=dict(shape=shape, steps=steps, lr=lr, value_range=value_range, parametrization=param.kind, seed=seed),
        cancelled=bool(stopped),
        stopped_by=stopped[0] if stopped else None,
        elapsed_ms=elapsed_ms,
        state=_State(param, optimizer.state_dict(), generator.get_state(), done),
    )


class _Penalties:
    """The penalty regularisers of a run, and the backward pass of scores - penalties.

    Penalties with a closed-form gradient (``spec.add_gradient``) add it into one buffer kept for
    the run, which enters the backward pass as the gradient of the inputs themselves (a second
    root of one backward pass); the others are differentiated by autograd.
    """

    def __init__(self, chosen: list[Regularizer], shape: tuple[int, ...], device: torch.device) -> None:
        penalties = [r for r in chosen if r.spec.kind == "penalty"]
        self.closed = [(r.spec.add_gradient, r.params) for r in penalties if r.spec.add_gradient is not None]
        self.graphed = [(r.spec.apply, r.params) for r in penalties if r.spec.add_gradient is None]
        self.gradient = torch.empty(shape, device=device) if self.closed else None
        self.k = shape[0]

    def backward(self, images: torch.Tensor, out: torch.Tensor, seed: torch.Tensor) -> torch.Tensor:
        """Backward pass of sum(scores - penalties) into the parameters, with ``seed`` the gradient
        of -sum(scores) with respect to ``out``; returns the (k,) penalties."""
        roots: list[torch.Tensor] = [out]
        grads: list[torch.Tensor | None] = [seed]
        penalty = images.new_zeros(self.k)
        if self.graphed:
            graphed = sum(apply(images, **params) for apply, params in self.graphed)
            roots.append(graphed.sum())
            grads.append(None)
            penalty += graphed.detach()
        if self.gradient is not None:
            with torch.no_grad():
                self.gradient.zero_()
                plain = images.detach()
                for add_gradient, params in self.closed:
                    penalty += add_gradient(plain, self.gradient, **params)
            roots.append(images)
            grads.append(self.gradient)
        torch.autograd.backward(roots, grads)
        return penalty


@contextlib.contextmanager
def _flushing_denormals() -> Iterator[None]:
    """Treat denormal floats as zero on this thread while the ascent runs, then restore the flag.

    Input gradients far from what matters (a saturated sigmoid, a dead unit) reach 1e-20, whose
    squares in Adam's moments are denormal: CPU arithmetic on them is ~15 times slower, which made
    the optimiser step cost as much as the model's passes. Flushing them changes no step by more
    than Adam's eps already does.
    """
    was_on = (torch.tensor([1e-30]) * 1e-10).item() == 0.0
    switched = not was_on and torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if switched:
            torch.set_flush_denormal(False)


def _rows(rows: list[torch.Tensor], k: int) -> torch.Tensor:
    return torch.stack(rows).float().cpu() if rows else torch.empty(0, k)


def _resumed(
    resume: ActivationMaximization, objective: _Objective, parametrization: str, value_range: Any
) -> ImageParametrization:
    state = resume.state
    assert state is not None
    param = state.parametrization
    if objective.units != resume.units or objective.kind != resume.objective:
        raise ParameterError(
            f"resume= continues a run over {resume.objective} units {resume.units}; ask for the same units "
            f"(got {objective.kind} {objective.units})"
        )
    if param.kind != parametrization or param.value_range != value_range:
        raise ParameterError(
            f"resume= continues a run with parametrization {param.kind!r} and value_range {param.value_range}; "
            "pass the same"
        )
    return param


def _whole(value: Any, name: str, minimum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum}"
        raise ParameterError(f"activation_maximization: {name} must be a whole number{bound}, got {value!r}")
    return int(value)


def _checked_range(value_range: Any) -> tuple[float, float] | None:
    if value_range is None:
        return None
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ParameterError(f"value_range must be None or a (low, high) pair, got {value_range!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ParameterError(f"value_range must be finite with low < high, got {value_range!r}")
    return low, high
