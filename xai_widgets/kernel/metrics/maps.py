"""Attribution maps and masks as the metrics read them: checked batches, aligned to the input or
the mask, absolute values and normalisation as Quantus applies them, and each feature's rank."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..core.attribution import Attribution
from ..core.errors import InputError, ParameterError
from .similarity import sorted_runs


def as_maps(attributions: Any, device: torch.device | None = None, name: str = "attributions") -> torch.Tensor:
    """``attributions`` (a tensor, numpy array or :class:`Attribution`) as a float tensor (N, ...)."""
    if isinstance(attributions, Attribution):
        attributions = attributions.values
    if isinstance(attributions, np.ndarray):
        attributions = torch.from_numpy(attributions)
    if not isinstance(attributions, torch.Tensor):
        raise InputError(
            f"{name} must be a torch.Tensor, numpy array or Attribution, got {type(attributions).__name__}"
        )
    if attributions.ndim < 2 or attributions.shape[0] == 0:
        raise InputError(
            f"{name} must be a batch shaped (N, ...) with N >= 1, got shape {tuple(attributions.shape)}; "
            "for one sample add the batch dim with .unsqueeze(0)"
        )
    if attributions.dtype == torch.bool or attributions.is_complex():
        raise InputError(f"{name} must hold real numbers, got dtype {attributions.dtype}")
    maps = attributions.detach().to(device=device, dtype=torch.float64)
    if not torch.isfinite(maps).all():
        bad = (~torch.isfinite(maps)).flatten(1).any(1).nonzero().flatten().tolist()
        raise InputError(f"{name} contain NaN or inf values (samples {bad}); recompute or clean them first")
    return maps


def as_masks(masks: Any, maps: torch.Tensor) -> torch.Tensor:
    """``masks`` (boolean or 0/1, a tensor or numpy array) as a bool tensor shaped like ``maps``.

    A mask may have the map's shape, drop or add size-1 dims ((N, H, W) for (N, 1, H, W)), or
    broadcast to it (one channel for a map with three). Every sample needs a True element.
    """
    if isinstance(masks, np.ndarray):
        masks = torch.from_numpy(masks)
    if not isinstance(masks, torch.Tensor):
        raise InputError(f"masks must be a torch.Tensor or numpy array, got {type(masks).__name__}")
    masks = masks.detach().to(maps.device)
    if masks.dtype != torch.bool:
        if masks.is_complex() or not ((masks == 0) | (masks == 1)).all():
            raise InputError("masks must be boolean or hold only 0 and 1; threshold them first (masks > 0.5)")
        masks = masks != 0
    masks = _shaped_like(masks, maps)
    empty = (~masks.flatten(1).any(1)).nonzero().flatten().tolist()
    if empty:
        raise InputError(
            f"the masks of samples {empty} have no True element: localisation needs a region to find; "
            "leave those samples out"
        )
    return masks


def _shaped_like(masks: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
    if masks.ndim >= 1 and masks.shape[0] == maps.shape[0]:
        if [d for d in masks.shape[1:] if d != 1] == [d for d in maps.shape[1:] if d != 1]:
            return masks.reshape(maps.shape)
        try:
            if torch.broadcast_shapes(masks.shape, maps.shape) == maps.shape:
                return masks.expand(maps.shape)
        except RuntimeError:
            pass
    raise InputError(
        f"masks of shape {tuple(masks.shape)} do not fit attributions of shape {tuple(maps.shape)}; "
        "give one mask per sample shaped like its attribution, or with one channel (N, 1, H, W)"
    )


def fit_to_input(maps: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``maps`` as a tensor that broadcasts to the input batch ``x``: the same batch size, and either
    x's sample shape, or it with size-1 dims (one channel: each value covers a whole pixel), or it
    without its channel dim ((N, H, W) for (N, C, H, W))."""
    if maps.shape[0] != x.shape[0]:
        raise InputError(f"attributions are for {maps.shape[0]} samples but x has {x.shape[0]}; give one per sample")
    if maps.ndim == x.ndim - 1 and maps.shape[1:] == x.shape[2:]:
        maps = maps.unsqueeze(1)
    if maps.ndim == x.ndim and all(m in (1, s) for m, s in zip(maps.shape[1:], x.shape[1:], strict=True)):
        return maps
    raise InputError(
        f"attributions of shape {tuple(maps.shape)} do not fit inputs of shape {tuple(x.shape)}; give the "
        "input's shape, or one channel (N, 1, H, W) to move whole pixels"
    )


def prepared(maps: torch.Tensor, absolute: bool, normalise: str, lead: int = 1) -> torch.Tensor:
    """``maps`` as a metric compares them: absolute values if ``absolute``, then divided by the
    largest absolute value (as Quantus's ``normalise_by_max``) of each sample (``"sample"``), of the
    whole batch (``"batch"``, Quantus's default) or not at all (``"none"``). The first ``lead`` dims
    index samples (two for (steps, N, ...)); a map of zeros stays zeros."""
    if normalise not in ("sample", "batch", "none"):
        raise ParameterError(f"normalise must be 'sample', 'batch' or 'none', got {normalise!r}")
    if absolute:
        maps = maps.abs()
    if normalise == "none":
        return maps
    first = lead if normalise == "sample" else lead - 1
    scale = (maps if absolute else maps.abs()).amax(dim=tuple(range(first, maps.ndim)), keepdim=True)
    return maps / torch.where(scale > 0, scale, torch.ones_like(scale))


def feature_ranks(maps: torch.Tensor) -> torch.Tensor:
    """Each feature's position (0 = first) in the descending order of its sample's map, shaped like
    ``maps``; equal values keep their index order."""
    flat = maps.flatten(1)
    order, _runs = sorted_runs(flat, descending=True)
    ranks = torch.empty_like(order)
    positions = torch.arange(flat.shape[1], device=flat.device).expand_as(order)
    ranks.scatter_(1, order, positions)
    return ranks.view(maps.shape)
