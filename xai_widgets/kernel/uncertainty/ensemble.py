"""``Ensemble``: several models as one ``nn.Module`` (forward is the mean of their raw outputs),
and the members' separate outputs for ``predict_uncertainty(method="ensemble")``."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from ..core.errors import ExplainerError
from ..core.runner import ModelRunner


class Ensemble(nn.Module):
    """Models trained alike (e.g. from different seeds), explained as one.

    ``forward`` returns the mean of the members' raw outputs (logits for classifiers), so every
    attribution method explains the ensemble unchanged; ``predict_uncertainty(method="ensemble")``
    runs the members one by one and reports their spread (for classifiers the mean of the
    members' probabilities, which differs from the softmax of the mean logits ``forward`` gives).
    For variance-head members the second output of ``forward`` is their mean log-variance.
    """

    def __init__(self, models: Iterable[nn.Module]) -> None:
        super().__init__()
        members = list(models)
        if len(members) < 2:
            raise ExplainerError(
                f"an Ensemble needs at least two models to measure their disagreement, got {len(members)}"
            )
        for index, member in enumerate(members):
            if not isinstance(member, nn.Module):
                raise ExplainerError(f"Ensemble member {index} is a {type(member).__name__}, not a torch.nn.Module")
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(x) for member in self.members]).mean(0)

    def __len__(self) -> int:
        return len(self.members)


def as_ensemble(model: nn.Module) -> Ensemble:
    """``model`` if it is an :class:`Ensemble`, else an error that says how to make one."""
    if not isinstance(model, Ensemble):
        raise ExplainerError(
            f"method='ensemble' needs the explained model to be an xw.Ensemble, got {type(model).__name__}; "
            "bind xw.Explainer(xw.Ensemble([model_1, model_2, ...])), or use method='mc_dropout' "
            "for a model with dropout"
        )
    return model


def ensemble_outputs(runner: ModelRunner, batch: torch.Tensor) -> torch.Tensor:
    """Raw outputs (members, N, outputs) of each member of the Ensemble ``runner.model``.

    The batch goes through the members in chunks sized by the ensemble's memory per input (which
    covers any one member's, as they run one after the other); ``runner.progress`` hears after each.
    """
    members = [ModelRunner(member, runner.device) for member in as_ensemble(runner.model).members]
    parts: list[torch.Tensor] = []

    def work(start: int, stop: int) -> None:
        with torch.no_grad():
            parts.append(torch.stack([member.forward(batch[start:stop]) for member in members]))

    runner.chunks(batch.shape[0], batch.shape[1:], backward=False, work=work)
    return torch.cat(parts, dim=1)
