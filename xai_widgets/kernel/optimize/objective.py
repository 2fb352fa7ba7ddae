"""What a design search optimises: the target output of one-hot sequences, counted per evaluation."""

from __future__ import annotations

from typing import Protocol

import torch

from ..core.runner import ModelRunner
from ..probes.mutagenesis import substitution_scores


class Objective:
    """Scores candidate sequences of each start with the model, in memory-budgeted passes.

    ``evaluations`` counts the sequences scored (one forward per sequence; a gradient step's
    backward pass is not counted apart), so searches compare by model evaluations;
    ``evaluations_per_start`` (N,) counts them for each start (on the CPU).
    """

    def __init__(self, runner: ModelRunner, targets: torch.Tensor) -> None:
        self.runner = runner
        self.targets = targets
        self.evaluations = 0
        self.evaluations_per_start = torch.zeros(targets.shape[0], dtype=torch.int64)

    def count(self, owners: torch.Tensor, each: int = 1) -> None:
        """Count ``each`` evaluations for every entry of ``owners`` (a start's index per sequence)."""
        self.evaluations += owners.shape[0] * each
        self.evaluations_per_start += each * torch.bincount(owners.cpu(), minlength=self.targets.shape[0])

    @property
    def device(self) -> torch.device:
        return self.runner.device

    def score(self, x: torch.Tensor, owners: torch.Tensor) -> torch.Tensor:
        """The target output of each sequence of ``x`` (M, A, L), ``owners[m]`` being its start."""
        self.count(owners)
        parts: list[torch.Tensor] = []

        def work(start: int, stop: int) -> None:
            with torch.no_grad():
                parts.append(self.runner.scores(x[start:stop], self.targets[owners[start:stop]]))

        self.runner.chunks(x.shape[0], x.shape[1:], backward=False, work=work)
        return torch.cat(parts)

    def gradients(self, x: torch.Tensor, owners: torch.Tensor) -> torch.Tensor:
        """The gradient of each sequence's target output in its one-hot input (M, A, L), one forward
        and backward pass per sequence (counted as one evaluation, as a gradient design step is).
        A model without an input gradient raises ``NotDifferentiableError``."""
        gradients = self.runner.input_gradients(x, self.targets[owners])
        self.count(owners)
        return gradients

    def substitutions(self, x: torch.Tensor, owners: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """The score of every single substitution of each sequence of ``x`` (M, A, L), as (M, A, L);
        the observed letters' entries are the given ``scores`` (M,)."""
        n, n_letters, length = x.shape
        self.count(owners, length * (n_letters - 1))
        return substitution_scores(self.runner, x, self.targets[owners], scores)


class Search(Protocol):
    """One running design search over N starts."""

    def step(self) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Take one step: the best sequence of each start found in this step (N, A, L), its score
        (N,), and whether the search can make no further progress (it is then stopped)."""
        ...
