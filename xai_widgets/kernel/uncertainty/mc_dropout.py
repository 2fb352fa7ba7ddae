"""MC dropout: the model's outputs with only its dropout modules on, many samples per input,
in as few batched passes as the memory budget allows."""

from __future__ import annotations

import torch
from torch import nn

from ..core.runner import ModelRunner
from .dropout import require_dropout, switch_on
from .seeding import seeded


def mc_dropout_outputs(
    runner: ModelRunner,
    batch: torch.Tensor,
    n_samples: int,
    seed: int | None,
    modules: list[nn.Module] | None = None,
) -> torch.Tensor:
    """Raw outputs (n_samples, N, outputs) of ``runner.model`` with its dropout modules in training
    mode and everything else (BatchNorm included) as the caller left it, which is eval mode.

    The batch is repeated ``n_samples`` times along the batch dim and goes through the model in
    memory-budgeted chunks (usually one pass), so each input of each sample gets its own dropout
    masks, as separate passes would give. With a ``seed`` the masks are reproducible for the same
    device and memory budget (the chunking decides how draws are split between passes) and the
    caller's random stream is left as it was; the dropout flags are restored on exit, also on errors.
    ``modules``: ``runner.model``'s modules, when the caller has walked them already.
    """
    dropouts = require_dropout(runner.model, modules)
    flags = [m.training for m in dropouts]
    n = batch.shape[0]
    parts: list[torch.Tensor] = []

    def work(start: int, stop: int) -> None:
        # Item i is input i % N of sample i // N: a chunk is a run of whole or partial repeats.
        if start % n == 0 and stop % n == 0:
            inputs = batch.repeat((stop - start) // n, *([1] * (batch.ndim - 1)))
        else:
            inputs = batch.index_select(0, torch.arange(start, stop, device=batch.device) % n)
        with torch.no_grad():
            parts.append(runner.forward(inputs))

    try:
        switch_on(dropouts)
        with seeded(seed, runner.device):
            runner.chunks(n_samples * n, batch.shape[1:], backward=False, work=work)
    finally:
        for module, flag in zip(dropouts, flags, strict=True):
            module.training = flag
    return (parts[0] if len(parts) == 1 else torch.cat(parts)).view(n_samples, n, -1)
