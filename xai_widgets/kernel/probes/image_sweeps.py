"""Image sweeps: how a model's output moves as an input is perturbed (brightness, noise, blur, an
occluder), and the integrated-gradients path with its running integral (completeness made visible)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import torch

from ..inputs.baselines import gaussian_blur, resolve_baseline
from ..core.errors import InputError, ParameterError
from ..inputs.quadrature import quadrature
from ..core.registry import get_method
from ..core.validation import as_input_batch, as_target_batch

if TYPE_CHECKING:
    from ..core.explainer import Explainer

PERTURBATIONS = ("brightness", "noise", "blur", "occluder")
SWEEP_KINDS = (*PERTURBATIONS, "ig_path")
BRIGHTNESS_MODES = ("add", "multiply")

# The options each perturbation understands; anything else is a typo worth reporting.
_OPTIONS = {
    "brightness": {"mode", "value_range", "clamp"},
    "noise": {"seed", "value_range", "clamp"},
    "blur": set(),
    "occluder": {"size", "stride", "fill"},
}
_NOISE_SEED = 0


# ---- single perturbations ---------------------------------------------------------------------
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

    ``value_range`` is a (low, high) pair; by default the input's own min and max. Set
    ``clamp=False`` to let brightness and noise leave it.
    """
    x = _as_batch(x)
    _check_options(kind, options)
    amount = _check_amount(kind, amount, x, options)
    if kind == "brightness":
        low, high = _value_range(kind, x, options.get("value_range"))
        mode = options.get("mode", "add")
        if mode not in BRIGHTNESS_MODES:
            raise ParameterError(f"brightness: mode must be one of {BRIGHTNESS_MODES}, got {mode!r}")
        out = x + amount * (high - low) if mode == "add" else x * amount
        return _clamp(out, low, high, options)
    if kind == "noise":
        low, high = _value_range(kind, x, options.get("value_range"))
        # CPU generator: the same seed gives the same pattern on every device.
        generator = torch.Generator().manual_seed(int(options.get("seed", _NOISE_SEED)))
        noise = torch.randn(x.shape, generator=generator).to(device=x.device, dtype=x.dtype)
        return _clamp(x + amount * (high - low) * noise, low, high, options)
    if kind == "blur":
        # A vanishing sigma is the identity; the kernel's formula would divide by zero.
        return x.clone() if amount <= 0 else gaussian_blur(x, amount)
    top, left, size = occluder_box(x.shape, int(amount), options.get("size"), options.get("stride"))
    fill = resolve_baseline(options.get("fill", 0.0), x, "occluder")
    out = x.clone()
    out[..., top : top + size, left : left + size] = fill[..., top : top + size, left : left + size]
    return out


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


def sweep_range(kind: str, x: torch.Tensor, **options: Any) -> tuple[float, float, float]:
    """(low, high, neutral) amounts a slider for ``kind`` should span; neutral leaves x unchanged."""
    if kind == "brightness":
        return (0.0, 2.0, 1.0) if options.get("mode", "add") == "multiply" else (-1.0, 1.0, 0.0)
    if kind == "noise":
        return 0.0, 0.5, 0.0
    if kind == "blur":
        return 0.0, max(1.0, min(x.shape[-2:]) / 8), 0.0
    if kind == "occluder":
        return 0.0, float(len(occluder_positions(x.shape, options.get("size"), options.get("stride"))) - 1), 0.0
    if kind == "ig_path":
        return 0.0, 1.0, 1.0
    raise ParameterError(f"unknown sweep kind {kind!r}; use one of {SWEEP_KINDS}")


def sweep_amounts(kind: str, x: torch.Tensor, n_points: int = 41, **options: Any) -> torch.Tensor:
    """The amounts a sweep curve samples: every occluder position, else ``n_points`` evenly spaced
    over :func:`sweep_range` (an odd count keeps the neutral amount on the grid)."""
    low, high, _neutral = sweep_range(kind, x, **options)
    if kind == "occluder":
        return torch.arange(int(high) + 1, dtype=torch.float32)
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise ParameterError(f"{kind}: n_points must be an int >= 2, got {n_points!r}")
    return torch.linspace(low, high, n_points)


# ---- a whole sweep in one batched pass --------------------------------------------------------
@dataclass
class SweepResult:
    """Target outputs along a perturbation sweep of one or more samples.

    ``outputs`` and ``probabilities`` are (N, amounts); ``probabilities`` is None for regression.
    ``reference`` holds the unperturbed target outputs (N,).
    """

    kind: str
    amounts: torch.Tensor
    outputs: torch.Tensor
    probabilities: torch.Tensor | None
    target: torch.Tensor
    reference: torch.Tensor


def perturbation_sweep(
    explainer: "Explainer", x: torch.Tensor, kind: str, amounts: Sequence[float], target: Any = None, **options: Any
) -> SweepResult:
    """The target output of every sample of ``x`` at every amount, in one batched outputs call.

    ``target`` is an int, one per sample, or None for the class predicted on the unperturbed x.
    """
    x = as_input_batch(x, explainer.device)
    if kind not in PERTURBATIONS:
        raise ParameterError(f"unknown perturbation {kind!r}; use one of {PERTURBATIONS}")
    amounts = _as_amounts(amounts)
    # The unperturbed inputs ride along in the same batch: they give the predicted target.
    batch = torch.cat([*(perturb(x, kind, float(a), **options) for a in amounts), x])
    raw = explainer.outputs(batch)
    n, n_amounts = x.shape[0], len(amounts)
    per_amount = raw[: n * n_amounts].view(n_amounts, n, -1).transpose(0, 1)
    original = raw[n * n_amounts :]
    targets = _targets(target, original)
    index = targets.view(n, 1, 1).expand(n, n_amounts, 1)
    probabilities = None
    if not explainer.is_regression(raw):
        probabilities = torch.softmax(per_amount, dim=2).gather(2, index).squeeze(2)
    return SweepResult(
        kind=kind,
        amounts=amounts,
        outputs=per_amount.gather(2, index).squeeze(2),
        probabilities=probabilities,
        target=targets,
        reference=original.gather(1, targets[:, None]).squeeze(1),
    )


# ---- the integrated-gradients path ------------------------------------------------------------
@dataclass
class IGPath:
    """The integrated-gradients path of one sample, from baseline x0 (alpha 0) to x (alpha 1).

    ``outputs[i]`` is F(x0 + alphas[i] (x - x0)); ``integrand[i]`` is grad F there, dotted with
    (x - x0); ``running_sum[i]`` is the quadrature up to alphas[i], so ``running_sum[-1]`` is the
    IG attributions' sum and lands on ``output_difference`` = F(x) - F(x0) up to the method's delta.
    """

    alphas: torch.Tensor
    weights: torch.Tensor
    outputs: torch.Tensor
    integrand: torch.Tensor
    running_sum: torch.Tensor
    output_difference: float
    start_output: float
    end_output: float
    target: int
    baseline: torch.Tensor
    difference: torch.Tensor
    gradients: torch.Tensor

    @property
    def delta(self) -> float:
        """Completeness error: the integral minus the output difference."""
        return float(self.running_sum[-1]) - self.output_difference

    def attribution_at(self, alpha: float) -> torch.Tensor:
        """The partial IG map up to ``alpha``: (x - x0) times the weighted gradients at nodes <= alpha."""
        include = (self.alphas <= alpha + 1e-9).to(self.weights.dtype) * self.weights
        return self.difference * torch.tensordot(include, self.gradients, dims=1)

    def point_at(self, alpha: float) -> torch.Tensor:
        """The input at ``alpha`` on the path, x0 + alpha (x - x0), shaped like one sample."""
        return self.baseline + alpha * self.difference


def ig_path(
    explainer: "Explainer",
    x: torch.Tensor,
    target: Any = None,
    baseline: Any = "zeros",
    n_steps: int = 32,
    rule: str = "riemann_trapezoid",
) -> IGPath:
    """Walk the IG path of one sample ``x`` (1, ...) with the IG method's quadrature ``rule``.

    The default rule, the trapezoid, has nodes at alpha 0 and 1, so the curves start at the
    baseline and end at the input. One outputs call gives the path outputs and end points; one
    batched gradient call gives every node's gradient.
    """
    x = as_input_batch(x, explainer.device)
    if x.shape[0] != 1:
        raise InputError(f"ig_path walks one sample: pass x shaped (1, ...), got a batch of {x.shape[0]}")
    # The path is the integrated_gradients method's: its parameter specs check n_steps and rule.
    get_method("integrated_gradients").resolve({"n_steps": n_steps, "rule": rule})
    if rule == "riemann_trapezoid" and n_steps < 2:
        raise ParameterError("ig_path: rule 'riemann_trapezoid' needs n_steps >= 2")
    base = resolve_baseline(baseline, x, "ig_path")
    diff = x - base
    alphas_np, weights_np = quadrature(rule, n_steps)
    alphas = torch.as_tensor(alphas_np, dtype=x.dtype, device=x.device)
    points = base + alphas.view(-1, *([1] * (x.ndim - 1))) * diff
    raw = explainer.outputs(torch.cat([points, base, x]))
    chosen = int(raw[-1].argmax()) if target is None else _single_target(target, raw.shape[1])
    scores = raw[:, chosen]
    gradients = explainer.attribute(points, "gradient", target=chosen).values
    diff_cpu = diff[0].detach().float().cpu()
    weights = torch.as_tensor(weights_np, dtype=torch.float32)
    integrand = (gradients * diff_cpu).flatten(1).sum(1)
    return IGPath(
        alphas=alphas.float().cpu(),
        weights=weights,
        outputs=scores[:n_steps],
        integrand=integrand,
        running_sum=torch.cumsum(weights * integrand, 0),
        output_difference=float(scores[-1] - scores[-2]),
        start_output=float(scores[-2]),
        end_output=float(scores[-1]),
        target=chosen,
        baseline=base[0].detach().float().cpu(),
        difference=diff_cpu,
        gradients=gradients,
    )


# ---- checks and small helpers -----------------------------------------------------------------
def _as_batch(x: Any) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.ndim < 2 or not x.is_floating_point():
        shape = tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
        raise InputError(f"perturb needs a floating point batch shaped (N, ...), got {shape}")
    return x


def _check_options(kind: str, options: dict) -> None:
    if kind not in _OPTIONS:
        raise ParameterError(f"unknown perturbation {kind!r}; use one of {PERTURBATIONS}")
    unknown = set(options) - _OPTIONS[kind]
    if unknown:
        takes = sorted(_OPTIONS[kind]) or "none"
        raise ParameterError(f"{kind}: unknown option(s) {sorted(unknown)}; it takes {takes}")


def _check_amount(kind: str, amount: Any, x: torch.Tensor, options: dict) -> float:
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) and not (
        isinstance(amount, torch.Tensor) and amount.numel() == 1
    ):
        raise ParameterError(f"{kind}: amount must be a number, got {amount!r}")
    amount = float(amount)
    if not math.isfinite(amount):
        raise ParameterError(f"{kind}: amount must be finite, got {amount}")
    negative_is_wrong = kind in ("noise", "blur", "occluder") or options.get("mode") == "multiply"
    if negative_is_wrong and amount < 0:
        raise ParameterError(f"{kind}: amount must be >= 0, got {amount}")
    if kind == "occluder" and amount != int(amount):
        raise ParameterError(f"occluder: amount is a position index and must be a whole number, got {amount}")
    if kind == "blur" and x.ndim < 3:
        raise InputError(f"blur: needs inputs with spatial dims (N, C, H, W), got shape {tuple(x.shape)}")
    return amount


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


def _clamp(x: torch.Tensor, low: float, high: float, options: dict) -> torch.Tensor:
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


def _as_amounts(amounts: Any) -> torch.Tensor:
    try:
        values = torch.as_tensor(amounts, dtype=torch.float32).flatten()
    except (TypeError, ValueError, RuntimeError):
        raise ParameterError(f"amounts must be a sequence of numbers, got {amounts!r}") from None
    if values.numel() == 0:
        raise ParameterError("amounts is empty; give at least one amount to sweep")
    if not torch.isfinite(values).all():
        raise ParameterError("amounts must all be finite numbers")
    return values


def _targets(target: Any, outputs: torch.Tensor) -> torch.Tensor:
    n, n_outputs = outputs.shape
    if target is None:
        return outputs.argmax(1)
    return as_target_batch(target, n, n_outputs, torch.device("cpu"))


def _single_target(target: Any, n_outputs: int) -> int:
    return int(as_target_batch(target, 1, n_outputs, torch.device("cpu"))[0])
