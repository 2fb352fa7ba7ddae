"""In-silico saturation mutagenesis of one-hot sequences: every single-base substitution, batched."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from ..core.errors import InputError
from ..core.progress import Progress
from ..core.runner import ModelRunner
from ..inputs.sequences import check_one_hot
from ..methods.perturbation.incremental import incremental_drops, supports

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
    the 303 mutants of a 101-base DNA sequence), or, for a traceable CNN of supported layers,
    through its layers recomputing only the positions each substitution changes (see
    ``methods/perturbation/incremental``), with the same results. Same as
    ``explainer.attribute(x, "in_silico_mutagenesis", target).values``.
    """
    return explainer.attribute(x, "in_silico_mutagenesis", target, progress=progress).values


def substitution_effects(runner: ModelRunner, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The compute behind :func:`in_silico_mutagenesis` on the runner's device: (N, A, L) effects."""
    check_one_hot(x, "in_silico_mutagenesis")
    _check_alphabet(x)
    if supports(runner.model, x, (1,)):
        original = runner.batched_scores(x, target)
        effects = _incremental_effects(runner, x, target, original)
        if effects is not None:
            return effects
        return _scores(runner, x, target, original)[0] - original[:, None, None]
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
    # No one-hot check here: a design search checks its starts once, and its substitutions stay one-hot.
    _check_alphabet(x)
    if supports(runner.model, x, (1,)):
        effects = _incremental_effects(runner, x, target, original)
        if effects is not None:
            return original[:, None, None] + effects
    return _scores(runner, x, target, original)[0]


def _check_alphabet(x: torch.Tensor) -> None:
    if x.shape[1] < 2:
        raise InputError(f"in_silico_mutagenesis needs an alphabet of at least two letters, got {x.shape[1]}")


def _incremental_effects(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, original: torch.Tensor
) -> torch.Tensor | None:
    """Each substitution's effect on the target output (N, A, L) (0 at the observed base), through
    incremental occlusion; None where it does not apply (the caller runs whole passes).

    A substitution is an occlusion one position wide: for each shift s in 1..A-1, the baseline
    is ``x`` with every position's letter a moved to (a + s) % A, and occluding position l of
    sequence n with it gives the mutant with letter (x's letter + s) % A there; its effect is
    minus the occlusion's drop. ``original``: the sequences' own scores (N,), from the model's
    own pass.
    """
    n, n_letters, length = x.shape
    n_shifts = n_letters - 1
    # Windows shift-major: window s * L + l puts letter (its letter + s + 1) % A at position l.
    starts = [torch.arange(length, device=x.device).repeat(n_shifts)]
    baselines = torch.stack([torch.roll(x, shift, dims=1) for shift in range(1, n_letters)])
    baseline_of_window = torch.arange(n_shifts, device=x.device).repeat_interleave(length)
    shift_drops = incremental_drops(runner, x, baselines, target, (1,), starts, original, baseline_of_window)
    if shift_drops is None:
        return None
    # (n_shifts * L, N) -> (N, n_shifts, L), then each shift's effects at its letters.
    shift_effects = -shift_drops.view(n_shifts, length, n).permute(2, 0, 1).to(x.dtype)
    letters = (x.argmax(dim=1)[:, None, :] + torch.arange(1, n_letters, device=x.device)[None, :, None]) % n_letters
    effects = torch.zeros((n, n_letters, length), device=x.device, dtype=x.dtype)
    return effects.scatter_(1, letters, shift_effects)


def _scores(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, original: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, A, L) scores of every mutant and the (N,) originals' scores: ``original`` if given, else
    scored in the same passes as the mutants (each sequence as a first, unchanged copy)."""
    n, n_letters, length = x.shape
    _check_alphabet(x)
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
