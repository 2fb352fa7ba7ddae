"""Forward hooks that read one layer's output: recorded, in the autograd graph with the forward
stopped at the layer, or swapped for a leaf so that gradients with respect to it stop there."""

from __future__ import annotations

import contextlib
import math
import numbers
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from ..core.errors import ExplainerError, NotDifferentiableError, ParameterError, UnsupportedLayerError
from ..core.layers import resolve_layer
from ..core.runner import ModelRunner

# (layer name, sample shape) -> the layer's output shape per sample, per runner: probed once.
_OUTPUT_SHAPES: weakref.WeakKeyDictionary[ModelRunner, dict[tuple, tuple[int, ...]]] = weakref.WeakKeyDictionary()


class _LayerReached(Exception):
    """Raised by a hook to end a forward pass once the layer's output is in hand (a plain
    Exception, so the runner's own error translation lets it through)."""


class LayerTap:
    """One layer of the runner's model (``layer``: a module or its dotted name).

    Every reading assumes the layer runs once per forward pass; :meth:`output_shape` checks that
    with one probe pass per input shape and says what to do when it does not.
    """

    def __init__(self, runner: ModelRunner, layer: Any) -> None:
        self.runner = runner
        self.name, self.module = _find_layer(runner.model, layer)

    # ---- the probe ----------------------------------------------------------------------------
    def output_shape(self, sample_shape: torch.Size) -> tuple[int, ...]:
        """The layer's output shape for one sample of ``sample_shape`` (no batch dim)."""
        known = _OUTPUT_SHAPES.setdefault(self.runner, {})
        key = (self.name, tuple(sample_shape))
        if key not in known:
            outputs: list[Any] = []
            with self._hooked(lambda _m, _i, out: outputs.append(out)), torch.no_grad():
                self.runner.forward(torch.zeros((1, *sample_shape), device=self.runner.device))
            self._check_calls(outputs)
            known[key] = tuple(outputs[0].shape[1:])
        return known[key]

    def _check_calls(self, outputs: list[Any]) -> None:
        kind = type(self.module).__name__
        if not outputs:
            raise ExplainerError(
                f"layer {self.name!r} ({kind}) does not run in the model's forward pass; pick a layer that does"
            )
        if len(outputs) > 1:
            raise ExplainerError(
                f"layer {self.name!r} ({kind}) runs {len(outputs)} times in one forward pass (one module used in "
                "several places), so its output is ambiguous; give each use its own module, or pick another layer"
            )
        if not isinstance(outputs[0], torch.Tensor):
            raise UnsupportedLayerError(
                f"layer {self.name!r} ({kind}) returns a {type(outputs[0]).__name__}, not a tensor; pick a layer "
                "whose output is one tensor"
            )

    # ---- readings -----------------------------------------------------------------------------
    def output(self, x: torch.Tensor) -> torch.Tensor:
        """The layer's output for ``x`` without gradients; the forward stops at the layer."""
        with torch.no_grad():
            return self.output_with_graph(x).detach()

    def output_with_graph(self, x: torch.Tensor) -> torch.Tensor:
        """The layer's output for ``x`` in the autograd graph (when ``x`` requires grad); the
        forward stops at the layer, since nothing after it is needed."""
        caught: list[torch.Tensor] = []

        def stop(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> None:
            caught.append(output)
            raise _LayerReached

        with self._hooked(stop), contextlib.suppress(_LayerReached):
            self.runner.forward(x)
        return caught[0]

    def input(self, x: torch.Tensor) -> torch.Tensor:
        """The layer's input (its first positional argument) for ``x``, without gradients; the
        forward stops at the layer."""
        caught: list[Any] = []

        def stop(_module: nn.Module, args: tuple[Any, ...]) -> None:
            caught.append(args[0] if args else None)
            raise _LayerReached

        handle = self.module.register_forward_pre_hook(stop)
        try:
            with torch.no_grad(), contextlib.suppress(_LayerReached):
                self.runner.forward(x)
        finally:
            handle.remove()
        if not isinstance(caught[0], torch.Tensor):
            raise UnsupportedLayerError(
                f"layer {self.name!r} ({type(self.module).__name__}) takes no tensor as its first argument"
            )
        return caught[0].detach()

    def output_and_gradient(
        self, x: torch.Tensor, target: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The layer's output for ``x``, the gradient of each sample's target output with respect
        to it, and the target outputs.

        The output is swapped for a leaf that requires grad, so the backward pass ends at the
        layer; the model continues on a copy, so in-place operations after the layer
        (``ReLU(inplace=True)``, ``out += x``) change the copy and not the recorded output.
        The backward starts from the outputs with a one-hot seed at each sample's target, what
        gathering and summing the targets would pass back, without those ops and their backward
        (the same gradient bit for bit; a fiftieth of a small CNN's call at N=1).
        """
        leaves: list[torch.Tensor] = []

        def swap(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> torch.Tensor:
            leaf = output.detach().requires_grad_(True)
            leaves.append(leaf)
            return leaf.clone()

        handle = self.module.register_forward_hook(swap)
        try:
            with torch.enable_grad():
                outputs = self.runner.forward(x)
                (leaf,) = leaves
                if not outputs.requires_grad:
                    raise NotDifferentiableError(
                        f"the model's output does not depend differentiably on layer {self.name!r}; "
                        "pick a layer on the path to the output"
                    )
                seed = torch.zeros_like(outputs).scatter_(1, target[:, None], 1.0)
                (grad,) = torch.autograd.grad(outputs, leaf, seed, allow_unused=True)
        finally:
            handle.remove()
        if grad is None:
            grad = torch.zeros_like(leaf)
        return leaf.detach(), grad, outputs.detach().gather(1, target[:, None]).squeeze(1)

    def unit_jacobian(
        self, x: torch.Tensor, neuron: tuple[int, ...], downstream: LayerTap | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Each sample's unit ``neuron`` of this layer and the derivative of every unit of
        ``downstream`` (a later layer; None: the model's outputs) with respect to it, (N, ...).

        One Jacobian column by the double-backward trick: g = J^T v is linear in a dummy v, so
        the gradient of g's entry for the unit with respect to v is J's column for the unit. The
        forward stops at ``downstream``.
        """
        leaves: list[torch.Tensor] = []
        caught: list[torch.Tensor] = []

        def swap(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> torch.Tensor:
            leaf = output.detach().requires_grad_(True)
            leaves.append(leaf)
            return leaf.clone()

        def stop(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> None:
            caught.append(output)
            raise _LayerReached

        with contextlib.ExitStack() as stack, torch.enable_grad():
            stack.enter_context(self._hooked(swap))
            if downstream is None:
                caught.append(self.runner.forward(x))
            else:
                stack.enter_context(downstream._hooked(stop))
                with contextlib.suppress(_LayerReached):
                    self.runner.forward(x)
            if not leaves or not caught:
                raise ExplainerError(
                    f"layer {downstream.name if downstream else 'output'!r} comes before layer {self.name!r} in the "
                    "forward pass; pick a later layer"
                )
            (leaf,), (out,) = leaves, caught
            index: tuple[Any, ...] = (slice(None), *neuron)
            unit = leaf.detach()[index]
            if not out.requires_grad:
                return unit, torch.zeros_like(out.detach())
            dummy = torch.zeros_like(out, requires_grad=True)
            (transposed,) = torch.autograd.grad(out, leaf, grad_outputs=dummy, create_graph=True, allow_unused=True)
            if transposed is None or not transposed.requires_grad:
                return unit, torch.zeros_like(out.detach())
            (column,) = torch.autograd.grad(transposed[index].sum(), dummy, allow_unused=True)
        return unit, torch.zeros_like(out.detach()) if column is None else column

    @contextlib.contextmanager
    def _hooked(self, hook: Callable[..., Any]) -> Iterator[None]:
        handle = self.module.register_forward_hook(hook)
        try:
            yield
        finally:
            handle.remove()


def _find_layer(model: nn.Module, layer: Any) -> tuple[str, nn.Module]:
    """``resolve_layer``, with a dotted name looked up along its path first: listing every module
    of the model to find one cost a fifth of a small CNN's layer attribution overhead."""
    if isinstance(layer, str) and layer:
        module: nn.Module | None = model
        for part in layer.split("."):
            module = module._modules.get(part) if module is not None else None
        if module is not None:
            return layer, module
    return resolve_layer(model, layer)  # which says what exists


def neuron_index(neuron: Any, shape: tuple[int, ...], layer: str) -> tuple[int, ...]:
    """``neuron`` (an int, or a tuple of ints into the layer's per-sample output ``shape``) as a
    full tuple index; an int into a layer with several output dims counts in row-major order."""
    size = math.prod(shape)
    if isinstance(neuron, numbers.Integral) and not isinstance(neuron, bool):
        if not -size <= int(neuron) < size:
            raise ParameterError(
                f"neuron {neuron} is out of range: layer {layer!r} has {size} units per sample (output shape "
                f"{list(shape)}); pass an int below {size} or a tuple index into that shape"
            )
        flat = int(neuron) % size
        return tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), shape))
    if isinstance(neuron, (tuple, list)) and all(
        isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in neuron
    ):
        if len(neuron) != len(shape) or not all(-n <= i < n for i, n in zip(neuron, shape, strict=True)):
            raise ParameterError(
                f"neuron {tuple(neuron)} does not index layer {layer!r}'s output shape {list(shape)} (per sample, "
                f"without the batch dim): give {len(shape)} indices, each within its dim, or a flat int"
            )
        return tuple(int(i) % n for i, n in zip(neuron, shape, strict=True))
    raise ParameterError(f"neuron must be an int or a tuple of ints, got {neuron!r}")


# read(inputs, their targets or None) -> the layer quantity for those inputs.
Read = Callable[[torch.Tensor, Any], torch.Tensor]


def in_passes(tap: LayerTap, x: torch.Tensor, target: torch.Tensor | None, read: Read) -> torch.Tensor:
    """``read(inputs, targets)`` over memory-budgeted parts of the batch, as (N, *layer output).

    ``read`` returns a tensor of its own (no view of the model's or the caller's tensors). When one
    part is the whole batch (the usual case) it gets the batch itself, not a slice of it, and its
    result is returned as it is: a buffer filled by slices cost a twentieth of a small CNN's layer
    gradient at N=1, and a sliced input still a percent and a half. Several parts fill one buffer,
    so memory stays one result's worth.
    """
    n = x.shape[0]
    runner = tap.runner
    if n == 1:  # nothing to size or split (sizing the passes was a percent of a small CNN's call)
        values = read(x, target)
        if runner.progress is not None:
            runner.progress(1.0)
        return values
    parts: list[torch.Tensor] = []

    def work(start: int, stop: int) -> None:
        if stop - start == n:
            parts.append(read(x, target))
            return
        part = read(x[start:stop], None if target is None else target[start:stop])
        if not parts:
            parts.append(torch.empty((n, *part.shape[1:]), dtype=part.dtype, device=part.device))
        parts[0][start:stop] = part

    runner.chunks(n, x.shape[1:], backward=True, work=work)
    return parts[0]
