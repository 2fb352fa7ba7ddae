"""Reproducible random draws without touching the caller's random stream.

Dropout modules draw from torch's global generator and accept no ``torch.Generator``, so a seeded
call forks the global state of the device it runs on (``torch.random.fork_rng``), seeds it, and
puts the caller's state back afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch


@contextlib.contextmanager
def seeded(seed: int | None, device: torch.device) -> Iterator[None]:
    """Inside, draws on ``device`` (and the CPU) follow ``seed``; ``None`` leaves the stream alone."""
    if seed is None:
        yield
        return
    cuda = device.type == "cuda"
    index = device.index if device.index is not None else (torch.cuda.current_device() if cuda else None)
    with torch.random.fork_rng(devices=[index] if cuda else []):
        torch.default_generator.manual_seed(seed)
        if cuda:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield


def derived_seed(seed: int, *keys: int) -> int:
    """A seed for one part of a seeded call (a module, a member), distinct for each key."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1)[0])
