"""The raw outputs of each MC dropout sample or ensemble member, for ``Explainer.predict_uncertainty``."""

from __future__ import annotations

import numbers
from typing import Any

import torch
from torch import nn

from ..core.errors import ParameterError
from ..core.runner import ModelRunner
from .dropout import dropout_modules
from .ensemble import Ensemble, ensemble_outputs
from .mc_dropout import mc_dropout_outputs

METHODS = ("mc_dropout", "ensemble")


def uncertainty_methods(model: nn.Module) -> tuple[str, ...]:
    """The ``predict_uncertainty`` methods ``model`` supports: ``"ensemble"`` for an
    ``xw.Ensemble``, ``"mc_dropout"`` when it has dropout modules with p > 0 (both for an
    ensemble of dropout models); empty for a model with neither. The ensemble comes first."""
    found = ("ensemble",) if isinstance(model, Ensemble) else ()
    return found + (("mc_dropout",) if dropout_modules(model) else ())


def check_request(method: Any, n_samples: Any, seed: Any) -> None:
    """Raise ParameterError, saying what to pass, unless the arguments make a valid request."""
    if method not in METHODS:
        raise ParameterError(f"predict_uncertainty: method must be one of {METHODS}, got {method!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 2:
        raise ParameterError(
            f"predict_uncertainty: n_samples must be an int of at least 2 (a spread needs two samples), "
            f"got {n_samples!r}"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ParameterError(f"predict_uncertainty: seed must be None or a non-negative int, got {seed!r}")


def sample_outputs(
    runner: ModelRunner,
    batch: torch.Tensor,
    method: str,
    n_samples: int,
    seed: int | None,
    modules: list[nn.Module] | None = None,
) -> torch.Tensor:
    """Raw outputs (samples or members, N, outputs); progress goes to ``runner.progress``.
    ``modules``: the model's modules when the caller has walked them already."""
    if method == "ensemble":
        return ensemble_outputs(runner, batch)
    return mc_dropout_outputs(runner, batch, int(n_samples), None if seed is None else int(seed), modules)
