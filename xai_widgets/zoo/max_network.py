"""An exact ReLU network computing max(x1, x2) for x >= 0: the continuity example of Montavon et
al. (2018), where sensitivity and gradient x input jump across the diagonal and LRP does not."""

from __future__ import annotations

import torch
from torch import nn

# Rows of the hidden layer: x1, x2, x1 - x2, x2 - x1 (each through a ReLU).
_HIDDEN_WEIGHTS = ((1.0, 0.0), (0.0, 1.0), (1.0, -1.0), (-1.0, 1.0))


class MaxNetwork(nn.Sequential):
    """``0.5 * (relu(x1) + relu(x2) + relu(x1 - x2) + relu(x2 - x1))``, which is max(x1, x2) when
    both inputs are >= 0: exactly on a dyadic grid (k / 64...), where no sum rounds, and to float32
    rounding elsewhere. Input (N, 2), output (N, 1); no biases, no trainable parameters.

    Under LRP with the z⁺ rule on both Linear layers (deep Taylor; the ``excitation_backprop``
    composite), for x1 > x2 the relevances are (x1 - x2 / 2, x2 / 2), and symmetrically for
    x2 > x1: both t / 2 at (t, t), so the explanation is continuous across the diagonal, while the
    gradient ((1, 0) against (0, 1)) and gradient x input ((x1, 0) against (0, x2)) jump.
    """

    def __init__(self) -> None:
        hidden = nn.Linear(2, len(_HIDDEN_WEIGHTS), bias=False)
        output = nn.Linear(len(_HIDDEN_WEIGHTS), 1, bias=False)
        with torch.no_grad():
            hidden.weight.copy_(torch.tensor(_HIDDEN_WEIGHTS))
            output.weight.fill_(0.5)
        super().__init__(hidden, nn.ReLU(), output)
        self.requires_grad_(False)
        self.eval()


def max_network() -> MaxNetwork:
    """A fresh :class:`MaxNetwork`, in eval mode, on the CPU."""
    return MaxNetwork()
