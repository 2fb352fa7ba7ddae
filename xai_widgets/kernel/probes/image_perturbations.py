"""Image perturbations as a registry: each (brightness, noise, blur, an occluder) is one
:class:`PerturbationSpec` with its options, amount range, chart label and apply function."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..core.errors import InputError, ParameterError
from ..core.named_registry import NamedRegistry
from ..inputs.baselines import gaussian_blur, resolve_baseline

BRIGHTNESS_MODES = ("add", "multiply")
_NOISE_SEED = 0

Options = dict[str, Any]


@dataclass(frozen=True)
class PerturbationSpec:
    """One image perturbation.

    ``apply(x, amount, options)`` returns the perturbed copy of the batch ``x``; ``amount_range(x,
    options)`` gives the (low, high, neutral) amounts a slider spans, neutral leaving x as it is;
    ``check_amount(amount, x, options)`` raises ParameterError/InputError for an amount this
    perturbation cannot take (finite numbers are checked before it). ``options`` are the option
    names it understands (anything else is a typo worth reporting); ``amount_label`` names the
    amount on a chart's axis; ``whole_amounts`` marks amounts that are positions, every one of
    which a sweep visits.
    """

    name: str
    options: frozenset[str]
    amount_label: str
    apply: Callable[[torch.Tensor, float, Options], torch.Tensor]
    amount_range: Callable[[torch.Tensor, Options], tuple[float, float, float]]
    check_amount: Callable[[float, torch.Tensor, Options], None] = lambda amount, x, options: None
    whole_amounts: bool = False


PERTURBATIONS: NamedRegistry[PerturbationSpec] = NamedRegistry("perturbation")


def register_perturbation(spec: PerturbationSpec) -> PerturbationSpec:
    """Add ``spec`` to the registry: it becomes a sweep kind and a kind :func:`perturb` applies."""
    return PERTURBATIONS.register(spec.name, spec)


def image_perturbations() -> dict[str, PerturbationSpec]:
    """The registered image perturbations by name, in registration order."""
    return PERTURBATIONS.entries()


def perturb(x: torch.Tensor, kind: str, amount: float, **options: Any) -> torch.Tensor:
    """Return a perturbed copy of the batch ``x`` (N, ...).

    kinds and what ``amount`` means:
      - "brightness": ``mode="add"`` (default) adds ``amount`` times the value range's span,
        ``mode="multiply"`` scales by ``amount``; the result is clamped to ``value_range``.
      - "noise": adds Gaussian noise whose std is ``amount`` times the range's span; the
        noise pattern comes from ``seed``, so every amount scales the same pattern.
      - "blur": a Gaussian blur of ``amount`` pixels sigma (0 leaves the input as it is).
      - "occluder": a ``size``-pixel square filled from the baseline ``fill`` (a number,
        "zeros", "blur", "uniform" or a tensor) at position ``amount`` of the raster of
        positions that :func:`occluder_positions` lists (row-major).
      - any kind added with :func:`register_perturbation`.

    ``value_range`` is a (low, high) pair; by default the input's own min and max. Set
    ``clamp=False`` to let brightness and noise leave it.
    """
    x = _as_batch(x)
    spec = PERTURBATIONS.get(kind)
    _check_options(spec, options)
    return spec.apply(x, _checked_amount(spec, amount, x, options), options)


def occluder_positions(
    shape: Sequence[int], size: int | None = None, stride: int | None = None
) -> list[tuple[int, int]]:
    """Top-left corners of the occluder's raster over an image of ``shape`` (…, H, W), row-major.

    The last row and column are pinned to the border, so the patches together cover the image.
    Defaults: ``size`` a quarter of the shorter side, ``stride`` half the size.
    """
    size, stride = _occluder_geometry(shape, size, stride)
    height, width = int(shape[-2]), int(shape[-1])
    return [(top, left) for top in _starts(height, size, stride) for left in _starts(width, size, stride)]


def occluder_box(
    shape: Sequence[int], index: int, size: int | None = None, stride: int | None = None
) -> tuple[int, int, int]:
    """(top, left, size) of occluder position ``index``."""
    positions = occluder_positions(shape, size, stride)
    if not 0 <= index < len(positions):
        raise ParameterError(f"occluder: position must be 0..{len(positions) - 1}, got {index}")
    return (*positions[index], _occluder_geometry(shape, size, stride)[0])


# ---- the built-in perturbations ---------------------------------------------------------------
def _brightness(x: torch.Tensor, amount: float, options: Options) -> torch.Tensor:
    low, high = _value_range("brightness", x, options.get("value_range"))
    mode = options.get("mode", "add")
    if mode not in BRIGHTNESS_MODES:
        raise ParameterError(f"brightness: mode must be one of {BRIGHTNESS_MODES}, got {mode!r}")
    out = x + amount * (high - low) if mode == "add" else x * amount
    return _clamp(out, low, high, options)


def _brightness_range(x: torch.Tensor, options: Options) -> tuple[float, float, float]:
    return (0.0, 2.0, 1.0) if options.get("mode", "add") == "multiply" else (-1.0, 1.0, 0.0)


def _check_brightness(amount: float, x: torch.Tensor, options: Options) -> None:
    if options.get("mode") == "multiply":
        _check_not_negative("brightness", amount)


def _noise(x: torch.Tensor, amount: float, options: Options) -> torch.Tensor:
    low, high = _value_range("noise", x, options.get("value_range"))
    # CPU generator: the same seed gives the same pattern on every device.
    generator = torch.Generator().manual_seed(int(options.get("seed", _NOISE_SEED)))
    noise = torch.randn(x.shape, generator=generator).to(device=x.device, dtype=x.dtype)
    return _clamp(x + amount * (high - low) * noise, low, high, options)


def _blur(x: torch.Tensor, amount: float, options: Options) -> torch.Tensor:
    # A vanishing sigma is the identity; the kernel's formula would divide by zero.
    return x.clone() if amount <= 0 else gaussian_blur(x, amount)


def _check_blur(amount: float, x: torch.Tensor, options: Options) -> None:
    _check_not_negative("blur", amount)
    if x.ndim < 3:
        raise InputError(f"blur: needs inputs with spatial dims (N, C, H, W), got shape {tuple(x.shape)}")


def _occluder(x: torch.Tensor, amount: float, options: Options) -> torch.Tensor:
    top, left, size = occluder_box(x.shape, int(amount), options.get("size"), options.get("stride"))
    fill = resolve_baseline(options.get("fill", 0.0), x, "occluder")
    out = x.clone()
    out[..., top : top + size, left : left + size] = fill[..., top : top + size, left : left + size]
    return out


def _occluder_range(x: torch.Tensor, options: Options) -> tuple[float, float, float]:
    return 0.0, float(len(occluder_positions(x.shape, options.get("size"), options.get("stride"))) - 1), 0.0


def _check_occluder(amount: float, x: torch.Tensor, options: Options) -> None:
    _check_not_negative("occluder", amount)
    if amount != int(amount):
        raise ParameterError(f"occluder: amount is a position index and must be a whole number, got {amount}")


register_perturbation(
    PerturbationSpec(
        "brightness",
        frozenset({"mode", "value_range", "clamp"}),
        "brightness offset (fraction of range)",
        _brightness,
        _brightness_range,
        _check_brightness,
    )
)
register_perturbation(
    PerturbationSpec(
        "noise",
        frozenset({"seed", "value_range", "clamp"}),
        "noise std (fraction of range)",
        _noise,
        lambda x, options: (0.0, 0.5, 0.0),
        lambda amount, x, options: _check_not_negative("noise", amount),
    )
)
register_perturbation(
    PerturbationSpec(
        "blur",
        frozenset(),
        "blur sigma (pixels)",
        _blur,
        lambda x, options: (0.0, max(1.0, min(x.shape[-2:]) / 8), 0.0),
        _check_blur,
    )
)
register_perturbation(
    PerturbationSpec(
        "occluder",
        frozenset({"size", "stride", "fill"}),
        "occluder position (raster index)",
        _occluder,
        _occluder_range,
        _check_occluder,
        whole_amounts=True,
    )
)


# ---- checks and small helpers -----------------------------------------------------------------
def _as_batch(x: Any) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.ndim < 2 or not x.is_floating_point():
        shape = tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
        raise InputError(f"perturb needs a floating point batch shaped (N, ...), got {shape}")
    return x


def _check_options(spec: PerturbationSpec, options: Options) -> None:
    unknown = set(options) - spec.options
    if unknown:
        takes = sorted(spec.options) or "none"
        raise ParameterError(f"{spec.name}: unknown option(s) {sorted(unknown)}; it takes {takes}")


def _checked_amount(spec: PerturbationSpec, amount: Any, x: torch.Tensor, options: Options) -> float:
    is_number = isinstance(amount, (int, float)) or (isinstance(amount, torch.Tensor) and amount.numel() == 1)
    if isinstance(amount, bool) or not is_number:
        raise ParameterError(f"{spec.name}: amount must be a number, got {amount!r}")
    value = float(amount)
    if not math.isfinite(value):
        raise ParameterError(f"{spec.name}: amount must be finite, got {value}")
    spec.check_amount(value, x, options)
    return value


def _check_not_negative(kind: str, amount: float) -> None:
    if amount < 0:
        raise ParameterError(f"{kind}: amount must be >= 0, got {amount}")


def _value_range(kind: str, x: torch.Tensor, value_range: Any) -> tuple[float, float]:
    if value_range is None:
        return float(x.min()), float(x.max())
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{kind}: value_range must be a (low, high) pair of numbers, got {value_range!r}"
        ) from None
    if not low < high:
        raise ParameterError(f"{kind}: value_range needs low < high, got {value_range!r}")
    return low, high


def _clamp(x: torch.Tensor, low: float, high: float, options: Options) -> torch.Tensor:
    return x.clamp(low, high) if options.get("clamp", True) else x


def _occluder_geometry(shape: Sequence[int], size: int | None, stride: int | None) -> tuple[int, int]:
    """The patch size and stride, defaults filled in and checked against the image."""
    if len(shape) < 3:
        raise InputError(f"occluder: needs images shaped (N, C, H, W), got shape {tuple(shape)}")
    shortest = min(int(shape[-2]), int(shape[-1]))
    size = max(1, shortest // 4) if size is None else int(size)
    stride = max(1, size // 2) if stride is None else int(stride)
    if not 1 <= size <= shortest:
        raise ParameterError(f"occluder: size must be 1..{shortest} pixels, got {size}")
    if stride < 1:
        raise ParameterError(f"occluder: stride must be at least 1 pixel, got {stride}")
    return size, stride


def _starts(length: int, size: int, stride: int) -> list[int]:
    starts = list(range(0, length - size + 1, stride))
    if starts[-1] != length - size:
        starts.append(length - size)
    return starts
