"""One number per sequence position from a (N, A, L) attribution map, for drawing letters."""

from __future__ import annotations

from typing import Any

import torch

from ..core.errors import InputError

# Maps with one value per letter and position that say what a substitution would do, not what
# the observed letter contributes: their score is read differently (see base_scores).
SUBSTITUTION_METHODS = ("in_silico_mutagenesis",)


def base_scores(values: Any, x: Any, method: str | None = None) -> torch.Tensor:
    """The score of the observed base at each position, (N, L) float32 on the CPU.

    ``values`` is an attribution map (N, A, L) (or an ``Attribution``, whose method is then used
    when ``method`` is None) of one-hot sequences ``x`` (N, A, L).

    - Gradient-style maps (saliency, gradient x input, integrated gradients, DeepLIFT, ...):
      the value at the observed base, ``sum over letters of values * x``.
    - ``"in_silico_mutagenesis"``: minus the mean effect of the A - 1 substitutions at the
      position, so a positive score means the observed base supports the output (changing it
      lowers the output on average) and a negative one that it works against it.

    An all-zero column of ``x`` (an unknown base) scores 0 for gradient-style maps.
    """
    if method is None and hasattr(values, "method") and hasattr(values, "values"):
        method = values.method
    if hasattr(values, "values") and not isinstance(values, torch.Tensor):
        values = values.values
    v = torch.as_tensor(values).detach().float().cpu()
    seq = torch.as_tensor(x).detach().float().cpu()
    if seq.ndim == 2:
        seq = seq[None]
    if v.ndim == 2:
        v = v[None]
    if seq.ndim != 3 or v.shape != seq.shape:
        raise InputError(
            f"base_scores needs an attribution map and one-hot sequences of one shape (N, A, L); "
            f"got values {tuple(v.shape)} and x {tuple(seq.shape)}"
        )
    if method in SUBSTITUTION_METHODS:
        n_letters = seq.shape[1]
        # The observed base's own entry is 0, so the sum over letters is the sum over substitutions.
        return -v.sum(dim=1) / max(n_letters - 1, 1)
    return (v * seq).sum(dim=1)
