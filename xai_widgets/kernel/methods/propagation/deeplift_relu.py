"""DeepLIFT's rescale rule for ``nn.ReLU``: the multipliers Δout/Δin of input and baseline, and
the record of the last ReLU output that a max pooling right after it takes into its own node."""

from __future__ import annotations

import torch

# Below this input difference the multiplier Δout/Δin is ill-conditioned; the local gradient is
# used instead (Captum's DeepLift default).
EPS = 1e-10


class ReLUOutput:
    """The last ``nn.ReLU`` output of the pass and what its rule computed: a max pooling that takes
    exactly this tensor (unchanged since) applies both rules in one backward node."""

    __slots__ = ("out", "version", "pre", "delta_out", "multiplier")

    def __init__(self) -> None:
        self.out: torch.Tensor | None = None
        self.version = -1
        self.pre: torch.Tensor | None = None
        self.delta_out: torch.Tensor | None = None
        self.multiplier: torch.Tensor | None = None

    def keep(self, out: torch.Tensor, pre: torch.Tensor, delta_out: torch.Tensor, multiplier: torch.Tensor) -> None:
        self.out, self.version, self.pre = out, out._version, pre
        self.delta_out, self.multiplier = delta_out, multiplier

    def forget(self) -> None:
        self.out = self.pre = self.delta_out = self.multiplier = None
        self.version = -1

    def feeds(self, tensor: torch.Tensor) -> bool:
        return tensor is self.out and tensor._version == self.version


def relu_multiplier(delta_in: torch.Tensor, out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A ReLU's multipliers: Δout/Δin, ReLU's own gradient (out > 0, per half) where |Δin| < 1e-10;
    and Δout. ``delta_in``'s memory is reused.

    The multipliers are half the batch's size (the same for input and baseline) unless some |Δin|
    is that small. Masks are float 0/1 tensors made in place: boolean masks, ``where`` and
    ``masked_fill`` are many times slower on the CPU.
    """
    out_x, out_ref = out.chunk(2)
    delta_out = out_x - out_ref
    local_weight = small_mask(delta_in)
    if not has_ones(local_weight):
        return torch.div(delta_out, delta_in, out=delta_in), delta_out
    # Δin + 1 where it is small: a finite ratio there, zeroed next; exactly Δin elsewhere.
    ratio = torch.div(delta_out, delta_in.add_(local_weight), out=delta_in).mul_(1.0 - local_weight)
    multiplier = out.new_empty(out.shape)
    for half, out_half in zip(multiplier.chunk(2), (out_x, out_ref), strict=True):
        torch.addcmul(ratio, local_weight, torch.gt(out_half, 0, out=torch.empty_like(out_half)), out=half)
    return multiplier, delta_out


def small_mask(delta_in: torch.Tensor) -> torch.Tensor:
    """1.0 where |Δin| < 1e-10 (the rescale rule falls back to the local gradient there), else 0.0."""
    return delta_in.abs().lt_(EPS)


def has_ones(mask: torch.Tensor) -> bool:
    """Whether a 0/1 float mask has a 1 (its sum: several times faster than ``any`` on floats)."""
    return bool(mask.sum())


class ReLURescale(torch.autograd.Function):
    """A ReLU's output as it is (no copy), whose gradient to the pre-activation is ``multiplier``."""

    @staticmethod
    def forward(ctx, pre: torch.Tensor, out: torch.Tensor, multiplier: torch.Tensor) -> torch.Tensor:
        # ``out`` is a detached alias: marking it changed in place hands it this node's gradient,
        # and the model may go on changing it in place.
        ctx.mark_dirty(out)
        ctx.multiplier = multiplier
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        multiplier = ctx.multiplier
        if multiplier.shape[0] == grad_out.shape[0]:
            return grad_out * multiplier, None, None
        # One multiplier for both halves: broadcast it over them.
        halves = grad_out.view(2, *multiplier.shape)
        return (halves * multiplier).view_as(grad_out), None, None
