"""A synthetic JUND-like DNA data set (101-base one-hot sequences, no download) and its small 1-D CNN.

Positives carry one to three sites of the AP-1 motifs JUND binds (TGACTCA, TGAGTCA, TGACGTCA),
each sampled from a position weight matrix around its consensus, at random positions and strands;
background sequences are uniform random bases; hard negatives hold repeated ``TGAC`` pieces that
never finish with ``TCA`` (the seed's false positive). No negative holds an exact consensus site,
so the planted sites are the ground truth of every positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

ALPHABET = "ACGT"
SEQUENCE_LENGTH = 101
JUND_MOTIFS: tuple[str, ...] = ("TGACTCA", "TGAGTCA", "TGACGTCA")
"""The planted consensus sites (TGACTCA and TGAGTCA are each other's reverse complement)."""
KINDS: tuple[str, ...] = ("positive", "background", "hard_negative")
JUND_WEIGHTS = Path(__file__).parent / "weights" / "jund_cnn.pt"

# Each site position takes its consensus base with this probability, another base otherwise:
# sites sampled from a PWM, as real binding sites vary, while the core stays recognisable.
_CONSENSUS_PROBABILITY = 0.92
# Share of positives and hard negatives; the rest is background.
_POSITIVE_FRACTION = 0.5
_HARD_NEGATIVE_FRACTION = 0.15
_MAX_SITES = 3
_MAX_MISMATCHES = 2
# Incomplete pieces for hard negatives: TGAC repeats and half sites that never end in TCA.
_DECOY_PIECES = ("TGACTGAC", "TGACTGACTGAC", "TGACTTGAC", "TGACATGAC", "TGACG")
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


@dataclass(frozen=True)
class SequenceData:
    """A batch of DNA sequences with labels and the ground-truth sites.

    x: float32 (N, 4, L) one-hot over ``alphabet``.
    labels: int64 (N,), 1 where the sequence holds a planted site.
    strings: the sequences as text.
    sites: per sequence, its planted sites as (start, end, strand), end exclusive, strand "+"
        (the motif reads as written) or "-" (its reverse complement does); empty for negatives.
    kind: per sequence, "positive", "background" or "hard_negative".
    """

    x: torch.Tensor
    labels: torch.Tensor
    strings: list[str]
    sites: list[list[tuple[int, int, str]]]
    kind: list[str]
    alphabet: str = ALPHABET

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def reverse_complement(sequence: str) -> str:
    """The reverse complement of a DNA string over ACGT."""
    return sequence.translate(_COMPLEMENT)[::-1]


def has_consensus_site(sequence: str) -> bool:
    """Whether ``sequence`` holds an exact planted consensus on either strand."""
    return any(motif in sequence or reverse_complement(motif) in sequence for motif in JUND_MOTIFS)


def make_jund_like(n: int = 2000, seed: int = 0, length: int = SEQUENCE_LENGTH) -> SequenceData:
    """Draw ``n`` sequences: half positives, 15% hard negatives, the rest background, shuffled.

    The same ``seed`` gives the same data; the global random streams are left alone.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if length < 3 * max(len(m) for m in JUND_MOTIFS):
        raise ValueError(f"length must be at least 24 bases to hold the sites, got {length}")
    rng = np.random.default_rng(seed)
    n_pos = int(round(n * _POSITIVE_FRACTION))
    n_hard = int(round(n * _HARD_NEGATIVE_FRACTION)) if n > 2 else 0
    kinds = ["positive"] * n_pos + ["hard_negative"] * n_hard + ["background"] * (n - n_pos - n_hard)
    kinds = [kinds[i] for i in rng.permutation(n)]
    strings: list[str] = []
    sites: list[list[tuple[int, int, str]]] = []
    for kind in kinds:
        if kind == "positive":
            text, planted = _positive(rng, length)
        else:
            text, planted = _negative(rng, length, hard=kind == "hard_negative"), []
        strings.append(text)
        sites.append(planted)
    codes = np.frombuffer("".join(strings).encode(), dtype=np.uint8).reshape(n, length)
    index = np.searchsorted(np.frombuffer(ALPHABET.encode(), dtype=np.uint8), codes)
    x = np.zeros((n, len(ALPHABET), length), dtype=np.float32)
    x[np.arange(n)[:, None], index, np.arange(length)[None, :]] = 1.0
    labels = np.array([kind == "positive" for kind in kinds], dtype=np.int64)
    return SequenceData(torch.from_numpy(x), torch.from_numpy(labels), strings, sites, kinds)


def _random_bases(rng: np.random.Generator, length: int) -> list[str]:
    return [ALPHABET[i] for i in rng.integers(0, 4, length)]


def _sample_site(rng: np.random.Generator, motif: str) -> str:
    """One site drawn from the PWM around ``motif`` (each base kept with 0.92, else another base),
    redrawn while it differs from the consensus at more than two bases (then it is no site)."""
    while True:
        bases = [
            base if rng.random() < _CONSENSUS_PROBABILITY else str(rng.choice([b for b in ALPHABET if b != base]))
            for base in motif
        ]
        if sum(a != b for a, b in zip(bases, motif, strict=True)) <= _MAX_MISMATCHES:
            return "".join(bases)


def _positive(rng: np.random.Generator, length: int) -> tuple[str, list[tuple[int, int, str]]]:
    """A background sequence with 1-3 non-overlapping sites (at least one exact consensus), redrawn
    until every exact consensus in it is a planted site (none by chance in the background)."""
    while True:
        text, planted = _plant_sites(rng, length)
        spans = {(start, end) for start, end, _ in planted}
        if all(
            (start, start + len(m)) in spans
            for motif in JUND_MOTIFS
            for m in {motif, reverse_complement(motif)}
            for start in _occurrences(text, m)
        ):
            return text, planted


def _occurrences(text: str, word: str) -> list[int]:
    return [i for i in range(len(text) - len(word) + 1) if text.startswith(word, i)]


def _plant_sites(rng: np.random.Generator, length: int) -> tuple[str, list[tuple[int, int, str]]]:
    seq = _random_bases(rng, length)
    n_sites = int(rng.integers(1, _MAX_SITES + 1))
    taken = np.zeros(length, dtype=bool)
    planted: list[tuple[int, int, str]] = []
    for k in range(n_sites):
        motif = JUND_MOTIFS[int(rng.integers(len(JUND_MOTIFS)))]
        # The first site is the exact consensus, so every positive holds a complete site.
        site = motif if k == 0 else _sample_site(rng, motif)
        strand = "+" if rng.random() < 0.5 else "-"
        text = site if strand == "+" else reverse_complement(site)
        for _ in range(50):
            start = int(rng.integers(0, length - len(text) + 1))
            # A base of margin on each side keeps the sites apart.
            if not taken[max(0, start - 1) : start + len(text) + 1].any():
                break
        else:
            continue
        taken[start : start + len(text)] = True
        seq[start : start + len(text)] = list(text)
        planted.append((start, start + len(text), strand))
    return "".join(seq), sorted(planted)


def _negative(rng: np.random.Generator, length: int, hard: bool) -> str:
    """Background (or, ``hard``, with 2-4 decoy TGAC pieces), redrawn until it holds no consensus site."""
    while True:
        seq = _random_bases(rng, length)
        if hard:
            for _ in range(int(rng.integers(2, 5))):
                piece = _DECOY_PIECES[int(rng.integers(len(_DECOY_PIECES)))]
                if rng.random() < 0.5:
                    piece = reverse_complement(piece)
                start = int(rng.integers(0, length - len(piece) + 1))
                seq[start : start + len(piece)] = list(piece)
        text = "".join(seq)
        if not has_consensus_site(text):
            return text


class JundCNN(nn.Module):
    """A small 1-D CNN for (N, 4, 101) one-hot DNA: outputs the logits of [no site, site].

    ``conv1`` (32 filters, 11 bases wide) scans for motifs, ``conv2`` combines neighbouring
    hits, a global max pool reads "is there a site anywhere" and ``fc`` scores it. Only modules
    with standard LRP and DeepLIFT rules are used (flattening is done in ``forward``).
    """

    def __init__(self, channels: int = 32) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(4, channels, 11, padding=5)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv1d(channels, channels, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.fc = nn.Linear(channels, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.pool(self.relu2(self.conv2(self.relu1(self.conv1(x)))))
        return self.fc(hidden.flatten(1))


def load_jund_model(pretrained: bool = True, device: torch.device | str | None = None) -> JundCNN:
    """A `JundCNN` in eval mode, with the shipped trained weights unless ``pretrained`` is False."""
    model = JundCNN()
    if pretrained:
        if not JUND_WEIGHTS.is_file():
            raise FileNotFoundError(
                f"trained weights not found at {JUND_WEIGHTS}; "
                "create them with `python -m xai_widgets.zoo.train_jund` (a few seconds on a CPU)"
            )
        model.load_state_dict(torch.load(JUND_WEIGHTS, map_location="cpu", weights_only=True))
    return model.to(device).eval()
