"""In-silico mutagenesis as an attribution method: each single-base substitution's effect (N, A, L)."""

from __future__ import annotations

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from ...probes.mutagenesis import substitution_effects


@method("in_silico_mutagenesis", family="perturbation", params=[], inputs="one_hot")
def in_silico_mutagenesis(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, None]:
    """In-silico saturation mutagenesis for one-hot sequences (N, A, L): the target output with
    letter a at position l minus the original output, 0 at the observed base. Mutants go
    through the model in as few passes as the memory budget allows, each recomputing only the
    positions its substitution changes where the model is a traceable CNN of supported layers."""
    return substitution_effects(runner, x, target), None
