"""Occlusion: slide a window of baseline values over the input and record how the output drops."""

from __future__ import annotations

import math
from typing import Any

import torch

from ...core.errors import ParameterError
from ...core.registry import BASELINE_NAMES, ParamSpec, method
from ...core.runner import ModelRunner
from ...inputs.baselines import resolve_baseline
from .incremental import incremental_drops

# The automatic window covers about an eighth of each spatial dim.
_AUTO_WINDOW_FRACTION = 8


@method(
    "occlusion",
    family="perturbation",
    params=[
        ParamSpec("window", "window", None, "window size per spatial dim (None: 1/8 of the size, 1 for tabular)"),
        ParamSpec("stride", "window", None, "step between windows (None: half the window)"),
        ParamSpec("baseline", "baseline", 0.0, "the value the window is filled with", choices=BASELINE_NAMES),
    ],
)
def occlusion(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, window: Any, stride: Any, baseline: Any
) -> tuple[torch.Tensor, None]:
    """Occlusion (Zeiler & Fergus, 2014): the output drop when a window is replaced by the baseline.

    Windows cover all channels and move over the spatial dims (the features, for tabular
    input); the last window in each dim is cut at the border so every feature is covered.
    Each feature gets the mean drop over the windows that cover it. The occluded copies go
    through the model in memory-budgeted batches: incrementally (each layer recomputes only
    the patch a window changes, see ``incremental``) where the model is a traceable CNN of
    supported layers, else whole. The incremental path traces the model's forward once
    (torch.fx) and then runs its layers, not its ``forward``: Python side effects inside
    ``forward`` (a counter, a sleep, a print) happen at the trace only; a model with forward hooks
    always runs whole passes.
    """
    base = resolve_baseline(baseline, x, "occlusion")
    tabular = x.ndim == 2
    xs, bs = (x[:, None], base[:, None]) if tabular else (x, base)
    spatial = tuple(xs.shape[2:])
    windows = _per_dim(
        window, spatial, "window", auto=lambda size: 1 if tabular else max(1, size // _AUTO_WINDOW_FRACTION)
    )
    strides = _per_dim(stride, spatial, "stride", auto=lambda size: None)
    strides = tuple(s if s is not None else max(1, w // 2) for s, w in zip(strides, windows, strict=True))
    for size, w, s in zip(spatial, windows, strides, strict=True):
        if w > size:
            raise ParameterError(f"occlusion: window {windows} is larger than the input's spatial size {spatial}")
        if s > w:
            raise ParameterError(
                f"occlusion: stride {strides} must not exceed the window {windows}, or features go uncovered"
            )
    covers = [_window_cover(size, w, s, x.device) for size, w, s in zip(spatial, windows, strides, strict=True)]
    counts = [cover.shape[0] for cover in covers]
    n = x.shape[0]
    full_scores = runner.batched_scores(x, target)
    starts = _window_starts(counts, strides, x.device)
    incremental = None if tabular else incremental_drops(runner, x, base, target, windows, starts, full_scores)
    if incremental is None:
        drops = _full_pass_drops(runner, x, xs, bs, target, full_scores, covers, counts)
    else:
        drops = incremental
    total = drops.T.reshape(n, *counts).to(x.dtype)
    coverage = torch.ones(counts, device=x.device, dtype=x.dtype)
    for cover in covers:
        # Each contraction replaces the leading window axis by the spatial axis it covers.
        total = torch.tensordot(total, cover.to(x.dtype), dims=([1], [0]))
        coverage = torch.tensordot(coverage, cover.to(x.dtype), dims=([0], [0]))
    values = total / coverage
    return (values if tabular else values[:, None]), None


def _full_pass_drops(
    runner: ModelRunner,
    x: torch.Tensor,
    xs: torch.Tensor,
    bs: torch.Tensor,
    target: torch.Tensor,
    full_scores: torch.Tensor,
    covers: list[torch.Tensor],
    counts: list[int],
) -> torch.Tensor:
    """The output drops (n_windows, N), every occluded copy through the whole model."""
    n, n_windows = x.shape[0], math.prod(counts)
    tabular = x.ndim == 2
    drops = torch.empty((n_windows, n), device=xs.device, dtype=full_scores.dtype)

    # Each chunk is a run of windows applied to the whole batch at once, by broadcasting.
    def work(start: int, stop: int) -> None:
        masks = _window_masks(covers, counts, torch.arange(start, stop, device=xs.device))
        occluded = torch.where(masks[:, None, None], bs[None], xs[None]).flatten(0, 1)
        if tabular:
            occluded = occluded[:, 0]
        with torch.no_grad():
            scores = runner.scores(occluded, target.repeat(stop - start))
        drops[start:stop] = full_scores[None] - scores.view(stop - start, n)

    runner.chunks(n_windows, x.shape[1:], backward=False, work=work, unit=n)
    return drops


def _window_starts(counts: list[int], strides: tuple, device: torch.device) -> list[torch.Tensor]:
    """Per spatial dim, the first position each flat window (C order) covers."""
    grids = torch.meshgrid(*(torch.arange(c, device=device) for c in counts), indexing="ij")
    return [grid.reshape(-1) * stride for grid, stride in zip(grids, strides, strict=True)]


def _per_dim(value: Any, spatial: tuple, name: str, auto) -> tuple:
    if value is None:
        return tuple(auto(size) for size in spatial)
    sizes = value if isinstance(value, tuple) else (value,) * len(spatial)
    if len(sizes) != len(spatial):
        raise ParameterError(
            f"occlusion: {name} {value} has {len(sizes)} dims but the input has {len(spatial)} spatial dims {spatial}"
        )
    return sizes


def _window_cover(size: int, window: int, stride: int, device: torch.device) -> torch.Tensor:
    """(n_windows, size) bool: which positions each window covers, the last one cut at the border."""
    n_windows = math.ceil((size - window) / stride) + 1
    starts = torch.arange(n_windows, device=device)[:, None] * stride
    positions = torch.arange(size, device=device)[None, :]
    return (positions >= starts) & (positions < starts + window)


def _window_masks(covers: list[torch.Tensor], counts: list[int], window_index: torch.Tensor) -> torch.Tensor:
    """(B, *spatial) bool masks of the given flat window indices, as outer products of the covers."""
    remaining = window_index
    # Unravel in C order: the last spatial dim varies fastest.
    indices = []
    for count in reversed(counts):
        indices.append(remaining % count)
        remaining = remaining // count
    indices.reverse()
    parts = []
    for dim, (cover, index) in enumerate(zip(covers, indices, strict=True)):
        part = cover[index]  # (B, size_dim)
        shape = [part.shape[0]] + [1] * len(covers)
        shape[1 + dim] = part.shape[1]
        parts.append(part.view(shape))
    mask = parts[0]
    for part in parts[1:]:
        mask = mask & part
    return mask
