"""The result of one attribution call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch


@dataclass
class Attribution:
    """Attribution values for a batch, with how they were computed.

    ``values`` is a float32 CPU tensor broadcastable to the input (batch dim kept);
    ``target`` holds the explained output index per sample; ``delta`` is the completeness
    error per sample (sum of attributions minus the output difference) where the method has
    one, else ``None``.
    """

    values: torch.Tensor
    method: str
    params: dict[str, Any]
    target: torch.Tensor
    elapsed_ms: float
    delta: torch.Tensor | None = None
    signed: bool = field(default=True, repr=False)

    def numpy(self) -> np.ndarray:
        return self.values.numpy()

    def __repr__(self) -> str:
        delta = "None" if self.delta is None else f"max|delta|={self.delta.abs().max().item():.3g}"
        return (
            f"Attribution(method={self.method!r}, shape={tuple(self.values.shape)}, "
            f"target={self.target.tolist()}, elapsed_ms={self.elapsed_ms:.1f}, {delta})"
        )
