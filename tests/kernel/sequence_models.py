"""Small sequence models the kernel tests share: a hand-built motif scanner and a random 1-D CNN."""

from __future__ import annotations

import torch
from torch import nn

import xai_widgets as xw


class MotifScanner(nn.Module):
    """Scores a one-hot DNA sequence by its best match to ``motif``: a Conv1d whose two filters
    are the motif's one-hot PWM and its reverse complement (+1 per matching base), a global max
    pool, and the better strand: the single output is the number of matching bases of the best
    window, ``len(motif)`` exactly where the motif is planted."""

    def __init__(self, motif: str = "TGACTCA") -> None:
        super().__init__()
        pwm = xw.one_hot(motif)[0]
        self.conv = nn.Conv1d(4, 2, len(motif), bias=False)
        with torch.no_grad():
            self.conv.weight[0] = pwm
            self.conv.weight[1] = pwm.flip(0, 1)  # the reverse complement (ACGT order)
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.motif = motif

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(x)).flatten(1).max(dim=1, keepdim=True).values


class SequenceCNN(nn.Module):
    """A random two-layer 1-D CNN with three outputs (no ties, so substitutions move every output)."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv1d(4, 6, 5, padding=2)
        self.act = nn.Tanh()
        self.conv2 = nn.Conv1d(6, 4, 3)
        self.fc = nn.LazyLinear(3)
        torch.random.set_rng_state(generator_state)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.act(self.conv2(self.act(self.conv1(x)))).flatten(1))


def random_sequences(n: int, length: int, seed: int = 0) -> list[str]:
    generator = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 4, (n, length), generator=generator)
    return ["".join("ACGT"[i] for i in row.tolist()) for row in codes]


def sequence_cnn(length: int, seed: int = 0) -> SequenceCNN:
    model = SequenceCNN(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model(torch.zeros(1, 4, length))  # materialise the lazy head
    return model.eval()
