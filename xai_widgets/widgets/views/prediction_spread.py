"""The explorers' ``uncertainty`` option: which estimate (MC dropout or an ensemble's members) the
prediction chart's error bars come from, and the mean and spread of one input's prediction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ...kernel import Explainer, ExplainerError, uncertainty_methods
from ..base.view import Work

CHOICES = ("auto", "mc_dropout", "ensemble")
#: MC dropout samples per prediction, drawn from a fixed seed so a repaint shows the same bars.
N_SAMPLES = 30
SEED = 0


def resolve_uncertainty(explainer: Explainer, option: Any) -> str | None:
    """The ``predict_uncertainty`` method behind an explorer's ``uncertainty`` option, or None.

    ``"auto"`` (or True): the ensemble's members for an ``xw.Ensemble``, else MC dropout for a
    model with dropout, else none; ``None`` or False: none; ``"mc_dropout"`` or ``"ensemble"``:
    that one, or an ExplainerError saying what the model lacks.
    """
    if option is None or option is False:
        return None
    if option is not True and option not in CHOICES:
        raise ExplainerError(f"uncertainty must be one of {CHOICES}, None or False, got {option!r}")
    supported = uncertainty_methods(explainer.model)
    if option in ("auto", True):
        return supported[0] if supported else None
    if option not in supported:
        model = type(explainer.model).__name__
        if option == "mc_dropout":
            raise ExplainerError(
                f"uncertainty='mc_dropout' needs dropout modules (nn.Dropout with p > 0) and {model} has none: "
                "add dropout to the model, bind an xw.Ensemble of models and use uncertainty='ensemble', "
                "or pass uncertainty=None"
            )
        raise ExplainerError(
            f"uncertainty='ensemble' needs the explained model to be an xw.Ensemble, got {model}: bind "
            "xw.Explainer(xw.Ensemble([model_1, model_2, ...])), or use uncertainty='mc_dropout' for a "
            "model with dropout, or pass uncertainty=None"
        )
    return str(option)


@dataclass(frozen=True)
class PredictionSpread:
    """One input's prediction over the MC samples or members: ``mean`` and ``std`` per output
    (probabilities for a classifier, values for regression) and how they were estimated."""

    mean: np.ndarray
    std: np.ndarray
    method: str
    n_samples: int

    def describe(self) -> str:
        """What the bars and error bars show, for the chart's key."""
        source = "MC dropout samples" if self.method == "mc_dropout" else "ensemble members"
        return f"bars: mean of {self.n_samples} {source}; lines: ±1 std"


def predict_spread(work: Work, explainer: Explainer, x: torch.Tensor, method: str) -> PredictionSpread:
    """The spread of the prediction for the single input ``x`` (1, ...), as a logged kernel call."""
    result = work.call("predict_uncertainty", explainer.predict_uncertainty, x, method, N_SAMPLES, SEED)
    return PredictionSpread(
        mean=result.mean[0].numpy().astype(np.float64),
        std=result.std[0].numpy().astype(np.float64),
        method=method,
        n_samples=result.n_samples,
    )
