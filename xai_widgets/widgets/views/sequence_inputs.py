"""Sequences as the sequence views take them (strings or one-hot), and as letter codes for the wire."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ...kernel import InputError, one_hot

# The wire's code for a position that holds no base of the alphabet (an all-zero column, "N").
UNKNOWN_CODE = 255


def as_one_hot(sequences: Any, alphabet: str) -> torch.Tensor:
    """``sequences`` as a float32 one-hot (N, A, L) CPU tensor.

    Strings (one, or a list of one length) are encoded by ``xw.one_hot`` with unknown letters
    (``N``) as all-zero columns; a tensor or array must already be one-hot over ``alphabet``.
    """
    if isinstance(sequences, str) or (
        isinstance(sequences, (list, tuple)) and sequences and all(isinstance(s, str) for s in sequences)
    ):
        return one_hot(sequences, alphabet, unknown="zeros")
    if isinstance(sequences, np.ndarray):
        sequences = torch.from_numpy(sequences)
    if not isinstance(sequences, torch.Tensor) or sequences.ndim != 3:
        shape = tuple(sequences.shape) if hasattr(sequences, "shape") else type(sequences).__name__
        raise InputError(f"sequences must be strings or a one-hot (N, {len(alphabet)}, L) tensor, got {shape}")
    x = sequences.detach().float().cpu()
    if x.shape[1] != len(alphabet):
        raise InputError(
            f"sequences have {x.shape[1]} channels but the alphabet {alphabet!r} has {len(alphabet)} letters; "
            "pass alphabet= with one letter per channel"
        )
    if not bool(((x == 0) | (x == 1)).all()) or bool((x.sum(1) > 1).any()):
        raise InputError(
            "sequences must be one-hot (0/1 values, at most one 1 per position); encode them with xw.one_hot"
        )
    return x


def letter_codes(x: torch.Tensor) -> np.ndarray:
    """uint8 (..., L) letter indices of a one-hot (..., A, L) tensor; UNKNOWN_CODE where a column is all zero."""
    values = x.detach().cpu().numpy()
    codes = values.argmax(axis=-2).astype(np.uint8)
    codes[values.max(axis=-2) <= 0] = UNKNOWN_CODE
    return codes


def with_edits(x: torch.Tensor, edits: list[dict], alphabet: str) -> torch.Tensor:
    """A copy of one sequence ``x`` (A, L) with each ``{"position": p, "base": letter}`` applied.

    Raises InputError naming an edit whose position is outside the sequence or whose letter is
    not in the alphabet.
    """
    edited = x.clone()
    length = x.shape[-1]
    for edit in edits:
        position, base = edit.get("position"), str(edit.get("base", "")).upper()
        if not isinstance(position, int) or not 0 <= position < length:
            raise InputError(f"edit {edit}: the position must be 0..{length - 1}")
        if len(base) != 1 or base not in alphabet:
            raise InputError(f"edit {edit}: the base must be one of {list(alphabet)}")
        edited[:, position] = 0.0
        edited[alphabet.index(base), position] = 1.0
    return edited
