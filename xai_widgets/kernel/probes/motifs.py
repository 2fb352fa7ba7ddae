"""Motif tools for one-hot sequences: find a known motif on both strands, build a position weight
matrix (PWM) from the windows of highest attribution, its information content, and compare PWMs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from ..core.errors import InputError, ParameterError
from ..inputs.sequences import one_hot

# IUPAC nucleotide codes: the bases each letter allows (U reads as T).
IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T", "U": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip
# Alphabets whose letter order makes the complement the reversed order (A<->T, C<->G), so the
# reverse strand of a (A, W) matrix is the matrix flipped on both axes.
_COMPLEMENTED = ("ACGT", "ACGU")
# Log-odds of a PWM against a uniform background use this pseudocount, so a zero probability costs
# a finite penalty rather than minus infinity.
_PSEUDOCOUNT = 0.01
# A PWM hit needs at least this fraction of the best achievable log-odds score (default threshold).
_PWM_THRESHOLD_FRACTION = 0.7


@dataclass(frozen=True)
class MotifHit:
    """One occurrence of a motif: sequence index, start and end (exclusive) on the forward
    strand, ``strand`` "+" (the motif reads as given) or "-" (its reverse complement does), and
    its score (matching positions for a string motif; log2-odds for a PWM)."""

    sequence: int
    start: int
    end: int
    strand: str
    score: float


def consensus_pwm(motif: str, alphabet: str = "ACGT") -> torch.Tensor:
    """The (A, W) probability matrix of a motif string with IUPAC codes (each allowed letter equally likely)."""
    letters = alphabet.upper()
    if not isinstance(motif, str) or not motif:
        raise ParameterError(f"a motif must be a non-empty string or an (A, W) tensor, got {motif!r}")
    pwm = torch.zeros(len(letters), len(motif))
    for position, code in enumerate(motif.upper()):
        allowed = IUPAC.get(code, code) if set(letters) <= set("ACGTU") else code
        allowed = allowed.replace("T", "U") if "U" in letters else allowed
        rows = [letters.index(a) for a in allowed if a in letters]
        if not rows:
            raise ParameterError(
                f"motif letter {code!r} at position {position} of {motif!r} is neither in the alphabet "
                f"{alphabet!r} nor an IUPAC code"
            )
        pwm[rows, position] = 1.0 / len(rows)
    return pwm


def find_motif(x_or_strings: Any, motif: Any, alphabet: str = "ACGT", threshold: float | None = None) -> list[MotifHit]:
    """Where ``motif`` occurs in each sequence, on both strands, sorted by sequence and position.

    ``x_or_strings``: one-hot (N, A, L) or strings. ``motif``: a string with IUPAC codes
    (``"TGASTCA"``), scored as the number of matching positions, ``threshold`` defaulting to
    the motif's length (exact matches only; ``len - 1`` allows one mismatch); or a PWM tensor
    (A, W) of probabilities, scored as the log2-odds against a uniform background (pseudocount
    0.01), ``threshold`` defaulting to 0.7 of the best achievable score. The reverse strand is
    searched for DNA/RNA alphabets ("ACGT", "ACGU"); a palindromic motif's hits are reported
    once, on "+".
    """
    x = _as_one_hot(x_or_strings, alphabet)
    letters = alphabet.upper()
    if isinstance(motif, str):
        weights = (consensus_pwm(motif, alphabet) > 0).float()
        limit = float(threshold) if threshold is not None else float(weights.shape[1])
    else:
        pwm = _as_pwm(motif, len(letters), "find_motif")
        weights = torch.log2((pwm + _PSEUDOCOUNT) / (1 + len(letters) * _PSEUDOCOUNT) * len(letters))
        best = float(weights.max(dim=0).values.sum())
        limit = float(threshold) if threshold is not None else _PWM_THRESHOLD_FRACTION * best
    width = weights.shape[1]
    if width > x.shape[2]:
        return []
    strands = [("+", weights)]
    reverse = weights.flip(0, 1)
    if letters in _COMPLEMENTED and not torch.equal(reverse, weights):
        strands.append(("-", reverse))
    hits: list[MotifHit] = []
    for strand, matrix in strands:
        scores = F.conv1d(x, matrix[None].to(x.dtype))[:, 0]  # (N, L - W + 1)
        # A small tolerance so exact integer match counts are not lost to float rounding.
        for seq, start in (scores >= limit - 1e-5).nonzero().tolist():
            hits.append(MotifHit(seq, start, start + width, strand, float(scores[seq, start])))
    return sorted(hits, key=lambda hit: (hit.sequence, hit.start, hit.strand))


def motif_pwm(x: Any, scores: Any, width: int = 10, top: int = 100, alphabet: str = "ACGT") -> torch.Tensor:
    """What the model learned: the (A, ``width``) probability matrix of the windows of highest
    attribution, aligned.

    ``scores``: one number per position (N, L) (``xw.base_scores``), or an attribution map
    (N, A, L), reduced to the observed bases' values. In each sequence the ``width``-base window
    with the largest summed score is taken; the ``top`` windows with the largest sums (over all
    sequences) are oriented on the strand that agrees best with the strongest one (for
    "ACGT"/"ACGU") and averaged.
    """
    seq = _as_one_hot(x, alphabet)
    if not isinstance(scores, torch.Tensor) and hasattr(scores, "values"):
        scores = scores.values  # an Attribution
    values = torch.as_tensor(scores).detach().float().cpu()
    if values.ndim == 3:
        values = (values * seq).sum(dim=1)
    if values.shape != (seq.shape[0], seq.shape[2]):
        raise InputError(
            f"motif_pwm: scores must be (N, L) = {(seq.shape[0], seq.shape[2])}, got {tuple(values.shape)}"
        )
    if not 1 <= width <= seq.shape[2]:
        raise ParameterError(f"motif_pwm: width must be between 1 and the length {seq.shape[2]}, got {width}")
    if top < 1:
        raise ParameterError(f"motif_pwm: top must be at least 1, got {top}")
    sums = F.avg_pool1d(values[:, None], width, stride=1)[:, 0] * width  # (N, L - W + 1)
    best, starts = sums.max(dim=1)
    chosen = best.argsort(descending=True)[:top]
    windows = torch.stack([seq[i, :, int(starts[i]) : int(starts[i]) + width] for i in chosen.tolist()])
    if alphabet.upper() in _COMPLEMENTED:
        # Orient each window to the strand that overlaps the strongest window best.
        reference = windows[0]
        flipped = windows.flip(1, 2)
        keep = (windows * reference).sum(dim=(1, 2)) >= (flipped * reference).sum(dim=(1, 2))
        windows = torch.where(keep[:, None, None], windows, flipped)
    counts = windows.sum(dim=0)
    return counts / counts.sum(dim=0, keepdim=True).clamp_min(1e-12)


def information_content(pwm: Any) -> torch.Tensor:
    """Bits per position of a probability matrix (A, W): log2(A) minus each column's entropy
    (0 for a uniform column, log2(A) = 2 bits for a certain DNA base). Columns are normalised first."""
    p = _as_pwm(pwm, None, "information_content")
    p = p / p.sum(dim=0, keepdim=True).clamp_min(1e-12)
    entropy = -(p * torch.log2(p.clamp_min(1e-12))).sum(dim=0)
    return math.log2(p.shape[0]) - entropy


def pwm_similarity(a: Any, b: Any, alphabet: str = "ACGT") -> float:
    """How alike two PWMs (A, Wa), (A, Wb) are, in [-1, 1] (1: the same motif).

    Columns are compared by the Pearson correlation of their probabilities (a uniform column
    correlates 0 with anything); for each relative offset and both strands of ``b`` (for
    "ACGT"/"ACGU") the correlations of the overlapping columns are summed and divided by the
    shorter width, so a partial overlap counts less; the best alignment is returned.
    """
    p = _as_pwm(a, None, "pwm_similarity")
    q = _as_pwm(b, p.shape[0], "pwm_similarity")
    candidates = [q, q.flip(0, 1)] if alphabet.upper() in _COMPLEMENTED else [q]
    best = -1.0
    shorter = min(p.shape[1], q.shape[1])
    pc = p - p.mean(dim=0, keepdim=True)
    for other in candidates:
        oc = other - other.mean(dim=0, keepdim=True)
        norms = pc.norm(dim=0)[:, None] * oc.norm(dim=0)[None, :]
        corr = torch.where(norms > 1e-12, (pc.T @ oc) / norms.clamp_min(1e-12), torch.zeros_like(norms))
        for offset in range(-(q.shape[1] - 1), p.shape[1]):
            total = float(torch.diagonal(corr, offset=-offset).sum())
            best = max(best, total / shorter)
    return best


def _as_pwm(pwm: Any, n_letters: int | None, what: str) -> torch.Tensor:
    matrix = torch.as_tensor(pwm).detach().float().cpu()
    if matrix.ndim != 2 or (n_letters is not None and matrix.shape[0] != n_letters):
        shape = f"({n_letters}, W)" if n_letters is not None else "(A, W)"
        raise InputError(f"{what}: a PWM must be a {shape} matrix of probabilities, got shape {tuple(matrix.shape)}")
    if (matrix < 0).any() or not torch.isfinite(matrix).all():
        raise InputError(f"{what}: a PWM holds probabilities (>= 0, finite); got negative or non-finite values")
    return matrix


def _as_one_hot(x: Any, alphabet: str) -> torch.Tensor:
    if isinstance(x, str) or (isinstance(x, (list, tuple)) and x and isinstance(x[0], str)):
        return one_hot(x, alphabet, unknown="zeros")
    tensor = torch.as_tensor(x).detach().float().cpu()
    if tensor.ndim == 2:
        tensor = tensor[None]
    if tensor.ndim != 3 or tensor.shape[1] != len(alphabet):
        raise InputError(
            f"expected one-hot sequences (N, {len(alphabet)}, L) or strings, got shape {tuple(tensor.shape)}"
        )
    return tensor
