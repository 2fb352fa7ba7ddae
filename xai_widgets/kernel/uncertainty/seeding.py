"""Reproducible random draws without touching the caller's random stream.

Dropout modules draw from torch's global generator and accept no ``torch.Generator``, so a seeded
call saves the global state of the device it runs on, seeds it, and puts the caller's state back
afterwards (what ``torch.random.fork_rng`` does, done directly: on the CPU the seeded state is
kept per seed and set in one step, which is cheaper than seeding again).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np
import torch

# The CPU generator's state right after ``manual_seed(seed)``, for the last few seeds used.
_SEEDED_STATES: OrderedDict[int, torch.Tensor] = OrderedDict()
_KEPT_SEEDS = 16


def _seeded_cpu_state(seed: int) -> torch.Tensor:
    state = _SEEDED_STATES.get(seed)
    if state is None:
        generator = torch.Generator().manual_seed(seed)
        state = _SEEDED_STATES[seed] = generator.get_state()
        while len(_SEEDED_STATES) > _KEPT_SEEDS:
            _SEEDED_STATES.popitem(last=False)
    else:
        _SEEDED_STATES.move_to_end(seed)
    return state


@contextlib.contextmanager
def seeded(seed: int | None, device: torch.device) -> Iterator[None]:
    """Inside, draws on ``device`` (and the CPU) follow ``seed``; ``None`` leaves the stream alone."""
    if seed is None:
        yield
        return
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        with torch.random.fork_rng(devices=[index]):
            torch.default_generator.manual_seed(seed)
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
            yield
        return
    generator = torch.default_generator
    caller = generator.get_state()
    generator.set_state(_seeded_cpu_state(seed))
    try:
        yield
    finally:
        generator.set_state(caller)


def derived_seed(seed: int, *keys: int) -> int:
    """A seed for one part of a seeded call (a module, a member), distinct for each key."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1)[0])
