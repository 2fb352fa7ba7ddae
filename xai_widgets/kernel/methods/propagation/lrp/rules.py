"""LRP propagation rules: how one linear layer hands its output relevance to its input.

Each rule maps (layer, input ``a``, output ``z``, output relevance ``R``) to the input relevance.
A linear layer here is an ``nn.Linear`` or ``nn.ConvNd``, possibly with a BatchNorm folded into
its weight and bias (see :class:`LinearOp`); every rule only needs the layer's forward with given
weights and its transpose (the vector-Jacobian product), so a rule is a few lines of algebra.
Conventions follow Montavon et al., "Layer-wise relevance propagation: an overview" (2019).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.grad import conv1d_input, conv2d_input, conv3d_input

# Added to every denominator with its sign (sign 0 counts as +), as Captum does, so that a zero
# pre-activation divides nothing by zero; small enough to leave relevance conserved.
STABILIZER = 1e-9

_CONV_INPUT_GRAD = {nn.Conv1d: conv1d_input, nn.Conv2d: conv2d_input, nn.Conv3d: conv3d_input}
LINEAR_LAYERS = (nn.Linear, *_CONV_INPUT_GRAD)
LinearLayer = nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d


def stabilize(z: torch.Tensor, epsilon: float) -> torch.Tensor:
    """``z + epsilon * sign(z)``, with sign(0) = +1."""
    return torch.where(z >= 0, z + epsilon, z - epsilon)


class LinearOp:
    """A Linear or Conv layer as the rules see it: weights, bias, forward and transpose.

    ``fold`` = (scale, shift) folds an eval-mode BatchNorm that follows the layer into it: the
    folded layer computes ``scale * layer(a) + shift`` per output channel, with weight ``scale * W``
    and bias ``scale * b + shift``. The model's own parameters are only read.
    """

    def __init__(self, module: LinearLayer, fold: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
        self.module = module
        weight = module.weight.detach()
        bias = module.bias.detach() if module.bias is not None else torch.zeros(weight.shape[0], device=weight.device)
        if fold is not None:
            scale, shift = fold
            weight = weight * scale.view(-1, *([1] * (weight.ndim - 1)))
            bias = bias * scale + shift
        self.weight, self.bias = weight, bias

    def forward(self, a: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        if isinstance(self.module, nn.Linear):
            return F.linear(a, weight, bias)
        return self.module._conv_forward(a, weight, bias)

    def transpose(self, a: torch.Tensor, weight: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """Jᵀs for the layer with ``weight`` at input ``a`` (the gradient of ⟨s, forward(a)⟩)."""
        module = self.module
        if isinstance(module, nn.Linear):
            return s @ weight
        if module.padding_mode == "zeros" and not isinstance(module.padding, str):
            grad_input = _CONV_INPUT_GRAD[type(module)]
            return grad_input(a.shape, weight, s, module.stride, module.padding, module.dilation, module.groups)
        with torch.enable_grad():  # 'same' padding or a non-zero padding mode: let autograd do it
            leaf = a.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(self.forward(leaf, weight), leaf, s)
        return grad


Rule = Callable[[LinearOp, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def epsilon_rule(epsilon: float) -> Rule:
    """LRP-ε: R_j = Σ_k a_j w_jk / (z_k + ε·sign z_k) · R_k; ε absorbs weak, contradictory relevance."""

    def rule(op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        return a * op.transpose(a, op.weight, relevance / stabilize(z, epsilon))

    return rule


def gamma_rule(gamma: float) -> Rule:
    """LRP-γ (as Captum's GammaRule): weights w + γ·w⁺ favour positive contributions; bias kept."""

    def rule(op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        weight = op.weight + gamma * op.weight.clamp(min=0)
        z = op.forward(a, weight, op.bias)
        return a * op.transpose(a, weight, relevance / stabilize(z, STABILIZER))

    return rule


def alpha_beta_rule(alpha: float, beta: float) -> Rule:
    """LRP-αβ (α − β = 1): positive contributions a⁺w⁺ + a⁻w⁻ get α, negative ones β; bias ignored.

    α = 1, β = 0 is the z⁺ rule (deep Taylor decomposition for ReLU layers).
    """

    def rule(op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        w_pos, w_neg = op.weight.clamp(min=0), op.weight.clamp(max=0)
        a_pos = a.clamp(min=0)
        # After a ReLU the input has no negative part: skip its half of the work.
        a_neg = a.clamp(max=0) if bool((a < 0).any()) else None
        result = alpha * _share(op, relevance, (a_pos, w_pos), (a_neg, w_neg))
        if beta:
            result = result - beta * _share(op, relevance, (a_pos, w_neg), (a_neg, w_pos))
        return result

    return rule


def _share(op: LinearOp, relevance: torch.Tensor, *pairs: tuple) -> torch.Tensor:
    """Relevance split in proportion to the contributions Σ a·w of the given (input, weight) pairs."""
    used = [(a, w) for a, w in pairs if a is not None]
    z = _total([op.forward(a, w) for a, w in used])
    s = relevance / stabilize(z, STABILIZER)
    return _total([a * op.transpose(a, w, s) for a, w in used])


def _total(terms: list[torch.Tensor]) -> torch.Tensor:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def flat_rule(op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
    """Flat rule: relevance spread evenly over each output's receptive field (inputs and weights = 1)."""
    ones, weight = torch.ones_like(a), torch.ones_like(op.weight)
    return op.transpose(a, weight, relevance / stabilize(op.forward(ones, weight), STABILIZER))


def z_box_rule(op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
    """z^B rule for the input layer: inputs bounded by [low, high], here each sample's min and max.

    R_i = Σ_k (a_i w_ik − l_i w⁺_ik − h_i w⁻_ik) / z_k · R_k, z_k the sum of those terms.
    """
    dims = tuple(range(1, a.ndim))
    low = a.amin(dim=dims, keepdim=True).expand_as(a)
    high = a.amax(dim=dims, keepdim=True).expand_as(a)
    w_pos, w_neg = op.weight.clamp(min=0), op.weight.clamp(max=0)
    z = op.forward(a, op.weight) - op.forward(low, w_pos) - op.forward(high, w_neg)
    s = relevance / stabilize(z, STABILIZER)
    return a * op.transpose(a, op.weight, s) - low * op.transpose(a, w_pos, s) - high * op.transpose(a, w_neg, s)


def epsilon_through(
    forward: Callable[[torch.Tensor], torch.Tensor], epsilon: float, a: torch.Tensor, z: torch.Tensor, relevance
) -> torch.Tensor:
    """LRP-ε through an operation without weights (pooling, a mean, a lone BatchNorm), by the
    gradient of ``forward`` (the operation, run again) at ``a``; ``z`` is its output there."""
    with torch.enable_grad():
        leaf = a.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(forward(leaf), leaf, relevance / stabilize(z, epsilon))
    return a * grad


def split_sum(a: torch.Tensor, b: torch.Tensor, relevance: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """z-rule for ``a + b`` (a residual addition): each summand gets relevance in proportion to itself."""
    s = relevance / stabilize(a + b, STABILIZER)
    return (a * s).sum_to_size(a.shape), (b * s).sum_to_size(b.shape)
