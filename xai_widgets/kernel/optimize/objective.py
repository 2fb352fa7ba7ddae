"""What a design search optimises: the target output of one-hot sequences, counted per evaluation."""

from __future__ import annotations

from typing import Protocol

import torch

from ..core.runner import ModelRunner
from ..probes.mutagenesis import substitution_scores


class Objective:
    """Scores candidate sequences of each start with the model, in memory-budgeted passes.

    ``evaluations`` counts the sequences scored (one forward per sequence; a gradient step's
    backward pass is not counted apart), so searches compare by model evaluations.
    """

    def __init__(self, runner: ModelRunner, targets: torch.Tensor) -> None:
        self.runner = runner
        self.targets = targets
        self.evaluations = 0

    @property
    def device(self) -> torch.device:
        return self.runner.device

    def score(self, x: torch.Tensor, owners: torch.Tensor) -> torch.Tensor:
        """The target output of each sequence of ``x`` (M, A, L), ``owners[m]`` being its start."""
        self.evaluations += x.shape[0]
        parts: list[torch.Tensor] = []

        def work(start: int, stop: int) -> None:
            with torch.no_grad():
                parts.append(self.runner.scores(x[start:stop], self.targets[owners[start:stop]]))

        self.runner.chunks(x.shape[0], x.shape[1:], backward=False, work=work)
        return torch.cat(parts)

    def substitutions(self, x: torch.Tensor, owners: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """The score of every single substitution of each sequence of ``x`` (M, A, L), as (M, A, L);
        the observed letters' entries are the given ``scores`` (M,)."""
        n, n_letters, length = x.shape
        self.evaluations += n * length * (n_letters - 1)
        return substitution_scores(self.runner, x, self.targets[owners], scores)


class Search(Protocol):
    """One running design search over N starts."""

    def step(self) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Take one step: the best sequence of each start found in this step (N, A, L), its score
        (N,), and whether the search can make no further progress (it is then stopped)."""
        ...
