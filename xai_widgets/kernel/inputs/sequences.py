"""Biological sequences as one-hot tensors (N, A, L) and back: the input of sequence models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..core.errors import InputError

UNKNOWN_POLICIES = ("raise", "zeros")


def one_hot(sequences: str | Sequence[str], alphabet: str = "ACGT", unknown: str = "raise") -> torch.Tensor:
    """Encode sequences as a float32 one-hot tensor (N, len(alphabet), L).

    ``sequences`` is one string (N=1) or a list of strings of one length. Lower case letters are
    read as upper case. A letter outside ``alphabet`` (such as ``N``, an unknown base) raises
    ``InputError`` naming the letter, the sequence and the position, unless ``unknown="zeros"``,
    which encodes it as an all-zero column (what genomics models usually expect for ``N``).
    """
    if unknown not in UNKNOWN_POLICIES:
        raise InputError(f"one_hot: unknown must be one of {UNKNOWN_POLICIES}, got {unknown!r}")
    letters = _check_alphabet(alphabet)
    if isinstance(sequences, str):
        sequences = [sequences]
    if isinstance(sequences, (bytes, torch.Tensor, np.ndarray)) or not isinstance(sequences, Sequence):
        raise InputError(
            f"one_hot needs a string or a list of strings, got {type(sequences).__name__}; "
            "an encoded tensor needs no encoding"
        )
    if len(sequences) == 0:
        raise InputError("one_hot needs at least one sequence, got an empty list")
    for number, text in enumerate(sequences):
        if not isinstance(text, str):
            raise InputError(f"one_hot: sequence {number} is a {type(text).__name__}, not a string")
    lengths = {len(text) for text in sequences}
    if len(lengths) > 1:
        first = len(sequences[0])
        other = next(i for i, text in enumerate(sequences) if len(text) != first)
        raise InputError(
            f"one_hot: all sequences must have one length; sequence 0 has {first} letters and sequence "
            f"{other} has {len(sequences[other])}: trim or pad them (pad with 'N' and unknown='zeros')"
        )
    length = lengths.pop()
    if length == 0:
        raise InputError("one_hot: the sequences are empty")
    try:
        codes = np.frombuffer("".join(sequences).upper().encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as error:
        raise InputError(f"one_hot: the sequences hold a non-ASCII letter ({error.reason})") from error
    codes = codes.reshape(len(sequences), length)
    lookup = np.full(256, -1, dtype=np.int64)
    lookup[np.frombuffer(letters.encode("ascii"), dtype=np.uint8)] = np.arange(len(letters))
    index = lookup[codes]
    missing = index < 0
    if missing.any() and unknown == "raise":
        seq, pos = (int(v) for v in np.argwhere(missing)[0])
        letter = sequences[seq][pos]
        raise InputError(
            f"one_hot: letter {letter!r} at position {pos} of sequence {seq} is not in the alphabet "
            f"{alphabet!r}; fix the sequence, or pass unknown='zeros' to encode unknown letters as zeros"
        )
    x = np.zeros((len(sequences), len(letters), length), dtype=np.float32)
    seq_idx, pos_idx = np.nonzero(~missing)
    x[seq_idx, index[seq_idx, pos_idx], pos_idx] = 1.0
    return torch.from_numpy(x)


def decode_one_hot(x: Any, alphabet: str = "ACGT") -> list[str]:
    """The strings of a one-hot (or any score) tensor (N, A, L): the argmax letter at each position,
    ``N`` where a column is all zeros. A single (A, L) sequence is read as a batch of one."""
    letters = _check_alphabet(alphabet)
    tensor = torch.as_tensor(x).detach().cpu()
    if tensor.ndim == 2:
        tensor = tensor[None]
    if tensor.ndim != 3 or tensor.shape[1] != len(letters):
        raise InputError(
            f"decode_one_hot needs shape (N, {len(letters)}, L) for the alphabet {alphabet!r}, "
            f"got {tuple(tensor.shape)}"
        )
    table = np.frombuffer((letters + "N").encode("ascii"), dtype=np.uint8)
    index = tensor.argmax(dim=1).numpy()
    index[(tensor == 0).all(dim=1).numpy()] = len(letters)
    return [row.tobytes().decode("ascii") for row in table[index]]


def check_one_hot(x: torch.Tensor, what: str) -> None:
    """Raise ``InputError`` unless ``x`` is (N, A, L) with exactly one 1 and zeros in every column."""
    if x.ndim != 3:
        raise InputError(f"{what} needs one-hot sequences shaped (N, A, L), got shape {tuple(x.shape)}; use xw.one_hot")
    ones = (x == 1).sum(dim=1)
    zeros = (x == 0).sum(dim=1)
    if not bool(((ones == 1) & (zeros == x.shape[1] - 1)).all()):
        raise InputError(
            f"{what} needs one-hot sequences: every position exactly one 1 and zeros elsewhere "
            "(all-zero 'N' columns are not allowed here); encode strings with xw.one_hot"
        )


def _check_alphabet(alphabet: Any) -> str:
    if not isinstance(alphabet, str) or len(alphabet) < 2:
        raise InputError(f"the alphabet must be a string of at least two letters, got {alphabet!r}")
    letters = alphabet.upper()
    if len(set(letters)) != len(letters) or not letters.isascii():
        raise InputError(f"the alphabet must hold distinct ASCII letters, got {alphabet!r}")
    return letters
