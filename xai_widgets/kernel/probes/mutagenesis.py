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
    # The sequences themselves ride in the mutants' passes (no extra pass for N originals).
    scores, original = _scores(runner, x, target, None)
    return scores - original[:, None, None]


def substitution_scores(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, original: torch.Tensor
) -> torch.Tensor:
    """The target output of every single-substitution mutant of one-hot ``x`` (N, A, L), as (N, A, L).

    Entry ``[n, a, l]`` scores sequence ``n`` with letter ``a`` at position ``l``; the observed
    letter's entry is ``original[n]`` (the sequence's own score, given, not recomputed). The
    N * L * (A - 1) mutants are built chunk by chunk, so memory holds only one pass of them, and
    go through the model in as few passes as the runner's budget allows (reported as progress).
    """
    return _scores(runner, x, target, original)[0]


def _scores(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, original: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, A, L) scores of every mutant and the (N,) originals' scores: ``original`` if given, else
    scored in the same passes as the mutants (each sequence as a first, unchanged copy)."""
    n, n_letters, length = x.shape
    if n_letters < 2:
        raise InputError(f"in_silico_mutagenesis needs an alphabet of at least two letters, got {n_letters}")
    reference = x.argmax(dim=1)  # (N, L)
    sample, position, letter = _substitutions(reference, n_letters, with_originals=original is None)
    scores = torch.empty((n, n_letters, length), device=x.device, dtype=x.dtype)

    def work(start: int, stop: int) -> None:
        rows, at, to = sample[start:stop], position[start:stop], letter[start:stop]
        mutants = x[rows]  # a copy: written in place below
        mutate_(mutants, at, to)
        with torch.no_grad():
            scores[rows, to, at] = runner.scores(mutants, target[rows]).to(scores.dtype)

    runner.chunks(sample.shape[0], x.shape[1:], backward=False, work=work)
    if original is None:
        # Each original wrote its score at its own first letter, where the effect is 0.
        original = scores[torch.arange(n, device=x.device), reference[:, 0], 0]
    observed = original.to(x.dtype)[:, None, None].expand(n, 1, length)
    return scores.scatter_(1, reference[:, None, :], observed), original


def _substitutions(
    reference: torch.Tensor, n_letters: int, with_originals: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(sample, position, letter) of every single substitution of sequences whose letters are
    ``reference`` (N, L), sample-major, each 1-D; with ``with_originals``, each sample's run starts
    with an identity substitution (its own letter at position 0), which scores the sequence itself."""
    length = reference.shape[1]
    # The letters other than the observed one at each (n, l): the observed one shifted by 1..A-1.
    shift = torch.arange(1, n_letters, device=reference.device)
    letter = ((reference[:, :, None] + shift) % n_letters).flatten(1)  # (N, L * (A - 1))
    position = torch.arange(length, device=reference.device).repeat_interleave(n_letters - 1)
    position = position[None].expand_as(letter)
    if with_originals:
        letter = torch.cat([reference[:, :1], letter], dim=1)
        position = torch.cat([torch.zeros_like(position[:, :1]), position], dim=1)
    sample = torch.arange(reference.shape[0], device=reference.device)[:, None].expand_as(letter)
    return sample.flatten(), position.flatten(), letter.flatten()


def mutate(sequences: torch.Tensor, position: torch.Tensor, letter: torch.Tensor) -> torch.Tensor:
    """Copies of one-hot ``sequences`` (B, A, L) with ``letter[b]`` written at ``position[b]``."""
    return mutate_(sequences.clone(), position, letter)


def mutate_(sequences: torch.Tensor, position: torch.Tensor, letter: torch.Tensor) -> torch.Tensor:
    """:func:`mutate` in place: writes ``letter[b]`` at ``position[b]`` of ``sequences`` and returns it."""
    rows = torch.arange(sequences.shape[0], device=sequences.device)
    sequences[rows, :, position] = 0
    sequences[rows, letter, position] = 1
    return sequences
