"""In-silico saturation mutagenesis of one-hot sequences: every single-base substitution, batched."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from ..core.errors import InputError
from ..core.progress import Progress
from ..core.runner import ModelRunner
from ..inputs.sequences import check_one_hot

if TYPE_CHECKING:
    from ..core.explainer import Explainer


def in_silico_mutagenesis(
    explainer: Explainer, x: Any, target: Any = None, progress: Progress | None = None
) -> torch.Tensor:
    """The effect of every single-base substitution on the target output, (N, A, L) on the CPU.

    ``values[n, a, l]`` is the target output of sequence ``n`` with letter ``a`` at position
    ``l`` minus the output of the sequence itself (0 at the observed base). ``x`` is one-hot
    (N, A, L) (``xw.one_hot``); ``target`` as for ``explainer.attribute``. The N * L * (A - 1)
    mutants go through the model in as few passes as the memory budget allows (one pass for
    the 303 mutants of a 101-base DNA sequence). Same as
    ``explainer.attribute(x, "in_silico_mutagenesis", target).values``.
    """
    return explainer.attribute(x, "in_silico_mutagenesis", target, progress=progress).values


def substitution_effects(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The compute behind :func:`in_silico_mutagenesis` on the runner's device: (N, A, L) effects."""
    check_one_hot(x, "in_silico_mutagenesis")
    original = runner.batched_scores(x, target)
    return substitution_scores(runner, x, target, original) - original[:, None, None]


def substitution_scores(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, original: torch.Tensor
) -> torch.Tensor:
    """The target output of every single-substitution mutant of one-hot ``x`` (N, A, L), as (N, A, L).

    Entry ``[n, a, l]`` scores sequence ``n`` with letter ``a`` at position ``l``; the observed
    letter's entry is ``original[n]`` (the sequence's own score, given, not recomputed). The
    N * L * (A - 1) mutants are built chunk by chunk, so memory holds only one pass of them, and
    go through the model in as few passes as the runner's budget allows (reported as progress).
    """
    n, n_letters, length = x.shape
    if n_letters < 2:
        raise InputError(f"in_silico_mutagenesis needs an alphabet of at least two letters, got {n_letters}")
    per_sample = length * (n_letters - 1)
    reference = x.argmax(dim=1)  # (N, L)
    # alternatives[n, l, j]: the j-th letter other than the observed one at (n, l), in alphabet order.
    letters = torch.arange(n_letters, device=x.device)
    others = letters[None, None, :].expand(n, length, n_letters)
    alternatives = others[others != reference[..., None]].view(n, length, n_letters - 1)
    scores = original.to(x.dtype)[:, None, None].repeat(1, n_letters, length)

    def work(start: int, stop: int) -> None:
        index = torch.arange(start, stop, device=x.device)
        sample, rest = index // per_sample, index % per_sample
        position, choice = rest // (n_letters - 1), rest % (n_letters - 1)
        letter = alternatives[sample, position, choice]
        mutants = mutate(x[sample], position, letter)
        with torch.no_grad():
            scores[sample, letter, position] = runner.scores(mutants, target[sample]).to(scores.dtype)

    runner.chunks(n * per_sample, x.shape[1:], backward=False, work=work)
    return scores


def mutate(sequences: torch.Tensor, position: torch.Tensor, letter: torch.Tensor) -> torch.Tensor:
    """Copies of one-hot ``sequences`` (B, A, L) with ``letter[b]`` written at ``position[b]``."""
    mutants = sequences.clone()
    rows = torch.arange(sequences.shape[0], device=sequences.device)
    mutants[rows, :, position] = 0
    mutants[rows, letter, position] = 1
    return mutants
