"""Activation functions: any elementwise activation module's input-output curve and slope, the
model's activation layers, and the histogram of the values an input feeds into one of them."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from ..core.errors import ExplainerError, InputError, ParameterError
from ..core.model_guard import preserved
from ..core.validation import as_input_batch
from .layer_tap import LayerTap

if TYPE_CHECKING:
    from ..core.explainer import Explainer


@dataclass(frozen=True)
class ActivationCurve:
    """y = f(x) at ``n`` evenly spaced x, and the slope df/dx there (from autograd), float64 numpy."""

    name: str
    x: np.ndarray
    y: np.ndarray
    slope: np.ndarray


@dataclass(frozen=True)
class PreactivationHistogram:
    """How the values entering a layer are spread: ``counts`` (bins,) over ``edges`` (bins + 1,);
    ``below`` and ``above`` count the values outside the edges; ``minimum``/``maximum`` over all
    ``n_values`` values (every unit of every sample)."""

    layer: str
    counts: np.ndarray
    edges: np.ndarray
    below: int
    above: int
    minimum: float
    maximum: float
    n_values: int


def activation_function_curve(
    module: nn.Module | Callable[[torch.Tensor], torch.Tensor],
    range: tuple[float, float] = (-4.0, 4.0),  # noqa: A002  (the issue's name for it)
    n: int = 401,
) -> ActivationCurve:
    """The curve of an elementwise activation (ReLU, GELU, SiLU, Tanh, Sigmoid, Softplus, ELU,
    LeakyReLU, PReLU with one parameter, or any module or function of the user's that maps each
    value on its own) over ``range``, with its slope. A module is left as it was (mode, flags,
    hooks). Something that is not elementwise (Softmax, a Linear) raises ``ExplainerError``.
    """
    low, high = _checked_range(range)
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ParameterError(f"activation_function_curve: n must be an int >= 2, got {n!r}")
    if not callable(module):
        raise ExplainerError(f"activation_function_curve takes an activation module or function, got {module!r}")
    name = type(module).__name__ if isinstance(module, nn.Module) else getattr(module, "__name__", repr(module))
    x = torch.linspace(low, high, n, dtype=torch.float32)
    guard = preserved(module, eval_mode=True) if isinstance(module, nn.Module) else contextlib.nullcontext()
    with guard:
        device = next((p.device for p in module.parameters()), None) if isinstance(module, nn.Module) else None
        x = x.to(device) if device is not None else x
        try:
            column = _apply(module, x[:, None]).detach()
            x = x.detach().requires_grad_(True)
            with torch.enable_grad():
                y = _apply(module, x)
                (slope,) = torch.autograd.grad(y.sum(), x, allow_unused=True) if y.requires_grad else (None,)
        except (RuntimeError, TypeError, ValueError) as error:
            raise ExplainerError(
                f"{name} could not be applied to a 1-D tensor of values ({error}); activation_function_curve "
                "draws elementwise activations"
            ) from error
    if y.shape != x.shape or not torch.allclose(column.flatten(), y.detach(), rtol=1e-5, atol=1e-6):
        raise ExplainerError(f"{name} is not an elementwise activation (its output depends on more than each value)")
    as_numpy = lambda t: t.detach().to("cpu", torch.float64).numpy()  # noqa: E731
    return ActivationCurve(
        name=name,
        x=as_numpy(x),
        y=as_numpy(y),
        slope=np.zeros(n) if slope is None else as_numpy(slope),
    )


def activation_layer_names(model: nn.Module) -> list[str]:
    """Dotted names of the model's activation modules (those defined in ``torch.nn``'s activation
    module, such as ReLU, GELU, Tanh, and subclasses of them), in registration order."""
    return [
        name
        for name, module in model.named_modules()
        if name and any(c.__module__ == "torch.nn.modules.activation" for c in type(module).__mro__)
    ]


def preactivation_histogram(
    explainer: Explainer,
    x: Any,
    layer: Any,
    bins: int = 50,
    range: tuple[float, float] | None = None,  # noqa: A002  (numpy's name for it)
) -> PreactivationHistogram:
    """The histogram of the values the batch ``x`` feeds into ``layer`` (a module or its dotted
    name; usually an activation): its input, every unit of every sample. ``range``: the span of the
    bins, None for the values' own min and max; pass the activation curve's range to draw both on
    one axis (``below``/``above`` then count what falls outside). The forward stops at the layer.
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ParameterError(f"preactivation_histogram: bins must be an int >= 1, got {bins!r}")
    with explainer._lock, preserved(explainer.model, explainer.eval_mode):
        batch = as_input_batch(x, explainer.device)
        tap = LayerTap(explainer._runner, layer)
        tap.output_shape(batch.shape[1:])
        parts: list[torch.Tensor] = []

        def work(start: int, stop: int) -> None:
            parts.append(tap.input(batch[start:stop]).flatten().to("cpu", torch.float64))

        explainer._runner.chunks(batch.shape[0], batch.shape[1:], backward=False, work=work)
    values = torch.cat(parts).numpy()
    if not np.isfinite(values).all():
        raise InputError(f"layer {tap.name!r} receives NaN or inf values for this input")
    low, high = _checked_range(range) if range is not None else (float(values.min()), float(values.max()))
    if low == high:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(values, bins=bins, range=(low, high))
    return PreactivationHistogram(
        layer=tap.name,
        counts=counts.astype(np.int64),
        edges=edges,
        below=int((values < low).sum()),
        above=int((values > high).sum()),
        minimum=float(values.min()),
        maximum=float(values.max()),
        n_values=int(values.size),
    )


def _apply(module: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    # A copy in: in-place activations (ReLU(inplace=True)) would otherwise overwrite x.
    out = module(x.clone())
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"it returned {type(out).__name__}, not a tensor")
    return out


def _checked_range(value: Any) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError(f"range must be a (low, high) pair of numbers, got {value!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ParameterError(f"range must be finite with low < high, got {value!r}")
    return low, high
