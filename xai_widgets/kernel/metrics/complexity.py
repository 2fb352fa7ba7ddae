"""Complexity: how concentrated an attribution map is (Gini sparseness, Shannon entropy).

Both take attributions (N, ...) and return one score per sample (N,) as a float64 CPU tensor,
equal to Quantus 0.6's ``Sparseness`` and ``Complexity`` with their defaults (absolute values,
divided by the largest value) except that ``normalise="sample"`` divides each sample by its own
largest value, so a score does not depend on its batch; ``normalise="batch"`` is Quantus's.
"""

from __future__ import annotations

from typing import Any

import torch

from ..core.registry import ParamSpec
from .maps import as_maps, prepared
from .registry import NORMALISATIONS, checked, metric

_PARAMS = [
    ParamSpec("absolute", "bool", True, "take absolute values of the attributions first (Quantus's abs)"),
    ParamSpec("normalise", "choice", "sample", "divide by the largest value of each sample", choices=NORMALISATIONS),
]


@metric("sparseness", "complexity", ("attributions",), _PARAMS, higher_is_better=True)
def sparseness(attributions: Any, *, absolute: bool = True, normalise: str = "sample") -> torch.Tensor:
    """Sparseness (Chalasani et al., 2020): the Gini index of the map, 0 when every feature gets
    the same share and near 1 when one feature gets it all.

    As Quantus, 1e-7 is added to every value first, so a map of zeros scores 0.
    """
    params = checked("sparseness", absolute=absolute, normalise=normalise)
    maps = prepared(as_maps(attributions), params["absolute"], params["normalise"]).flatten(1) + 1e-7
    n_features = maps.shape[1]
    ascending = torch.sort(maps, dim=1).values
    weights = 2 * torch.arange(1, n_features + 1, device=maps.device, dtype=maps.dtype) - n_features - 1
    return ((weights * ascending).sum(dim=1) / (n_features * ascending.sum(dim=1))).cpu()


@metric("complexity", "complexity", ("attributions",), _PARAMS, higher_is_better=False)
def complexity(attributions: Any, *, absolute: bool = True, normalise: str = "sample") -> torch.Tensor:
    """Complexity (Bhatt et al., 2020): the entropy of the map's shares |a_i| / sum |a|, from 0
    (one feature) to log(number of features) (all equal). A map of zeros gives NaN."""
    params = checked("complexity", absolute=absolute, normalise=normalise)
    maps = prepared(as_maps(attributions), params["absolute"], params["normalise"]).flatten(1)
    shares = maps / maps.abs().sum(dim=1, keepdim=True)
    return -(shares * torch.log(shares + 1e-12)).sum(dim=1).cpu()
