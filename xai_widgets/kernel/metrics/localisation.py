"""Localisation: how much of an attribution map falls on a ground-truth mask (the object's pixels).

Each function takes attributions (N, ...) and masks (boolean or 0/1, shaped like the maps or with
one channel) and returns one score per sample (N,) as a float64 CPU tensor. They equal Quantus 0.6's
metrics of the same name with their defaults: Quantus's default division by the largest value
changes none of these scores (they compare values with each other) except attribution
localisation's, where ``normalise`` reproduces it.
"""

from __future__ import annotations

from typing import Any

import torch

from ..core.errors import ParameterError
from ..core.registry import ParamSpec
from .maps import as_maps, as_masks, prepared
from .registry import NORMALISATIONS, checked, metric

_ABSOLUTE = ParamSpec("absolute", "bool", False, "take absolute values of the attributions first (Quantus's abs)")
_MASKED = ("attributions", "masks")


def _read(attributions: Any, masks: Any, absolute: bool) -> tuple[torch.Tensor, torch.Tensor]:
    maps = as_maps(attributions)
    mask = as_masks(masks, maps)
    if absolute:
        maps = maps.abs()
    return maps.flatten(1), mask.flatten(1)


@metric("pointing_game", "localisation", _MASKED, [_ABSOLUTE], higher_is_better=True)
def pointing_game(attributions: Any, masks: Any, *, absolute: bool = False) -> torch.Tensor:
    """Pointing game (Zhang et al., 2018): 1 where the map's maximum lies on the mask, else 0.

    With several equal maxima, one on the mask is enough (as Quantus).
    """
    params = checked("pointing_game", absolute=absolute)
    maps, mask = _read(attributions, masks, params["absolute"])
    peak = maps == maps.amax(dim=1, keepdim=True)
    return (peak & mask).any(dim=1).double().cpu()


@metric("relevance_mass_accuracy", "localisation", _MASKED, [_ABSOLUTE], higher_is_better=True)
def relevance_mass_accuracy(attributions: Any, masks: Any, *, absolute: bool = False) -> torch.Tensor:
    """Relevance mass accuracy (Arras et al., 2022): the share of the map's sum inside the mask."""
    params = checked("relevance_mass_accuracy", absolute=absolute)
    maps, mask = _read(attributions, masks, params["absolute"])
    return ((maps * mask).sum(dim=1) / maps.sum(dim=1)).cpu()


@metric("relevance_rank_accuracy", "localisation", _MASKED, [_ABSOLUTE], higher_is_better=True)
def relevance_rank_accuracy(attributions: Any, masks: Any, *, absolute: bool = False) -> torch.Tensor:
    """Relevance rank accuracy (Arras et al., 2022): of the K highest-ranked features, where K is
    the mask's size, the share that lies on the mask."""
    params = checked("relevance_rank_accuracy", absolute=absolute)
    maps, mask = _read(attributions, masks, params["absolute"])
    sizes = mask.sum(dim=1)
    on_mask = _by_rank(maps, mask)
    within = torch.arange(maps.shape[1], device=maps.device)[None] < sizes[:, None]
    return ((on_mask & within).sum(dim=1).double() / sizes).cpu()


@metric(
    "top_k_intersection",
    "localisation",
    _MASKED,
    [
        ParamSpec("k", "int", 1000, "how many of the highest-ranked features to check", minimum=1),
        ParamSpec("concept_influence", "bool", False, "divide by the mask's share of the features"),
        _ABSOLUTE,
    ],
    higher_is_better=True,
)
def top_k_intersection(
    attributions: Any, masks: Any, k: int = 1000, *, concept_influence: bool = False, absolute: bool = False
) -> torch.Tensor:
    """Top-k intersection (Theiner et al., 2021): the share of the k highest-ranked features on the mask.

    ``concept_influence`` divides by the mask's share of all features, so a small object found
    scores above 1. ``k`` (Quantus's default 1000) must not exceed the number of features.
    """
    params = checked("top_k_intersection", k=k, concept_influence=concept_influence, absolute=absolute)
    maps, mask = _read(attributions, masks, params["absolute"])
    k, n_features = params["k"], maps.shape[1]
    if k > n_features:
        raise ParameterError(
            f"top_k_intersection: k={k} is more than the {n_features} features of each attribution; "
            f"pass k <= {n_features}"
        )
    score = _by_rank(maps, mask)[:, :k].double().mean(dim=1)
    if params["concept_influence"]:
        score = score * n_features / mask.sum(dim=1)
    return score.cpu()


@metric(
    "attribution_localisation",
    "localisation",
    _MASKED,
    [
        ParamSpec("absolute", "bool", True, "take absolute values of the attributions first (Quantus's abs)"),
        ParamSpec(
            "normalise", "choice", "sample", "divide by the largest value of each sample", choices=NORMALISATIONS
        ),
    ],
    higher_is_better=True,
)
def attribution_localisation(
    attributions: Any, masks: Any, *, absolute: bool = True, normalise: str = "sample"
) -> torch.Tensor:
    """Attribution localisation (Kohlbrenner et al., 2020): the share of the (absolute) map inside
    the mask, NaN where negative values push it above 1 (as Quantus).

    ``normalise``: the maps are divided by their largest absolute value before the ratio (which
    matters only through Quantus's 1e-9 guard on the total): per sample by default, so a score
    does not depend on the rest of its batch; ``"batch"`` divides by the batch's maximum as
    Quantus does. Quantus's ``weighted`` option is left out: it scales by a mask size it reads
    from the wrong axis of the batch.
    """
    params = checked("attribution_localisation", absolute=absolute, normalise=normalise)
    maps = as_maps(attributions)
    mask = as_masks(masks, maps).flatten(1)
    maps = prepared(maps, params["absolute"], params["normalise"]).flatten(1)
    ratio = (maps * mask).sum(dim=1) / (maps.sum(dim=1) + 1e-9)
    return torch.where(ratio > 1, torch.full_like(ratio, float("nan")), ratio).cpu()


def _by_rank(maps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Whether each feature lies on the mask, in the descending order of the map (ties by index)."""
    order = torch.sort(maps, dim=1, descending=True, stable=True).indices
    return mask.gather(1, order)
