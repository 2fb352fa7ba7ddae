"""LRP rules: how one layer hands the relevance at its output to its input, as small objects that
composites (:mod:`.composites`) assign to layers, after Zennit's rules (``zennit.rules``).

Three kinds:

- :class:`LinearRule`: a Linear or ConvNd layer (with a following BatchNorm folded in, see
  :class:`LinearOp`); maps (layer, input ``a``, output ``z``, output relevance ``R``) to the input
  relevance. :class:`Epsilon`, :class:`Norm`, :class:`ZPlus`, :class:`AlphaBeta`, :class:`Gamma`,
  :class:`ZBox`, :class:`Flat`, :class:`WSquare`, and :class:`Gradient` (the layer's own gradient).
  :class:`Epsilon` and :class:`Norm` also apply to layers without weights (pooling, a lone
  BatchNorm, residual additions) through the layer's own forward.
- :class:`ElementwiseRule`: a layer whose output has its input's shape (activations, a lone
  BatchNorm): :class:`Pass`, :class:`ReLUGuidedBackprop`, :class:`ReLUDeconvNet`.
- :class:`Gradient` on any other layer: leave its gradient alone.

Conventions are Zennit's (checked against zennit 0.5.1): every denominator is stabilised as
``z + stabilizer * sign(z)`` with sign(0) = +1; the bias is the j = 0 input of the z⁺, αβ, γ and
w² rules (its positive part in the positive denominator, its negative part in the negative one,
its square in w²), ``zero_bias=True`` leaves it out; the γ rule is the generalised one (w + γw⁺
for positive outputs, w + γw⁻ for negative outputs, the inputs' signs to match).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.grad import conv1d_input, conv2d_input, conv3d_input

# Zennit's default stabiliser: added to every denominator of the rules with its sign.
STABILIZER = 1e-6

_CONV_INPUT_GRAD = {nn.Conv1d: conv1d_input, nn.Conv2d: conv2d_input, nn.Conv3d: conv3d_input}
CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
LINEAR_LAYERS = (nn.Linear, *CONVOLUTIONS)
LinearLayer = nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d


def stabilize(z: torch.Tensor, epsilon: float) -> torch.Tensor:
    """``z + epsilon * sign(z)``, with sign(0) = +1 (Zennit's and Captum's stabiliser).

    Written as (|z| + ε) with z's sign bit: ``torch.where`` is many times slower on the CPU. A
    −0.0 counts as negative here; it only arises where every contribution is zero, whose
    relevance share is zero whichever sign divides it.
    """
    return z.abs().add_(epsilon).copysign_(z)


class LinearOp:
    """A Linear or Conv layer as the rules see it: weights, bias, forward and transpose.

    ``fold`` = (scale, shift) folds an eval-mode BatchNorm that follows the layer into it: the
    folded layer computes ``scale * layer(a) + shift`` per output channel, with weight ``scale * W``
    and bias ``scale * b + shift`` (exactly: BatchNorm's eps is in ``scale``). The model's own
    parameters are only read. Tensors derived from the weights (positive parts, squares) are
    computed once per op, and the relevance pass keeps one op per layer for the whole call.
    """

    def __init__(self, module: LinearLayer, fold: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
        self.module = module
        self.fold = fold
        weight = module.weight.detach()
        bias = module.bias.detach() if module.bias is not None else weight.new_zeros(weight.shape[0])
        if fold is not None:
            scale, shift = fold
            weight = weight * scale.view(-1, *([1] * (weight.ndim - 1)))
            bias = bias * scale + shift
        self.weight, self.bias = weight, bias
        self._derived: dict[str, torch.Tensor] = {}

    def derived(self, key: str, make: Callable[[], torch.Tensor]) -> torch.Tensor:
        """``make()``, computed once per op under ``key``."""
        value = self._derived.get(key)
        if value is None:
            value = self._derived[key] = make()
        return value

    @property
    def weight_pos(self) -> torch.Tensor:
        return self.derived("w+", lambda: self.weight.clamp(min=0))

    @property
    def weight_neg(self) -> torch.Tensor:
        return self.derived("w-", lambda: self.weight.clamp(max=0))

    def bias_part(self, sign: int, zero_bias: bool) -> torch.Tensor | None:
        """The bias's positive (sign > 0) or negative part, or None when the rule leaves it out."""
        if zero_bias:
            return None
        if sign > 0:
            return self.derived("b+", lambda: self.bias.clamp(min=0))
        return self.derived("b-", lambda: self.bias.clamp(max=0))

    def bias_shape(self, z: torch.Tensor) -> torch.Tensor:
        """The bias broadcastable against an output ``z``."""
        return self.bias.view(-1, *([1] * (z.ndim - 2))) if not isinstance(self.module, nn.Linear) else self.bias

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


def _has_negative(a: torch.Tensor) -> bool:
    """Whether ``a`` has negative entries: after a ReLU it has none, and half the work goes."""
    return bool(a.min() < 0)


# ---- the kinds of rules ------------------------------------------------------------------------
class Rule:
    """Base of every rule; a rule is a small immutable object, shared by every layer it is given to."""


class LinearRule(Rule):
    """A rule for Linear and ConvNd layers (BatchNorm folded in)."""

    def linear(self, op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class ElementwiseRule(Rule):
    """A rule for a layer whose output has its input's shape (an activation, a lone BatchNorm)."""

    def backward(self, out: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        """Given the layer's output, the map from output relevance to input relevance."""
        raise NotImplementedError


# ---- rules for any layer -----------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Gradient(LinearRule):
    """The layer's own gradient: no LRP rule (what Zennit does for a layer no composite entry matches)."""

    def linear(self, op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        return op.transpose(a, op.weight, relevance)


@dataclass(frozen=True, eq=False)
class Epsilon(LinearRule):
    """LRP-ε: R_j = Σ_k a_j w_jk / (z_k + ε·sign z_k) · R_k; ε absorbs weak, contradictory relevance.

    ε → 0 is LRP-0 (gradient x input on ReLU networks). On a layer without weights (pooling, a
    lone BatchNorm) the same through the layer's forward; on a residual addition each summand's
    share of the sum. ``zero_bias`` leaves the bias out of z (Zennit's ``zero_params=['bias']``).
    """

    epsilon: float = 1e-6
    zero_bias: bool = False

    def linear(self, op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        if self.zero_bias:
            z = z - op.bias_shape(z)
        return a * op.transpose(a, op.weight, relevance / stabilize(z, self.epsilon))

    def through(
        self, forward: Callable[[torch.Tensor], torch.Tensor], a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor
    ) -> torch.Tensor:
        """The rule through an operation without weights, by the gradient of ``forward`` at ``a``."""
        return epsilon_through(forward, self.epsilon, a, z, relevance)


class Norm(Epsilon):
    """Relevance split in proportion to each input's contribution, ``stabilizer`` as the ε (Zennit's
    Norm: what its composites give average pooling and residual sums)."""

    def __init__(self, stabilizer: float = STABILIZER) -> None:
        super().__init__(epsilon=stabilizer)

    def __repr__(self) -> str:
        return f"Norm(stabilizer={self.epsilon})"


# ---- rules for Linear and Conv layers ---------------------------------------------------------
@dataclass(frozen=True, eq=False)
class AlphaBeta(LinearRule):
    """LRP-αβ: positive contributions (a⁺w⁺, a⁻w⁻ and the bias's positive part) share α·R, the
    negative ones (a⁺w⁻, a⁻w⁺, the bias's negative part) −β·R, each in proportion to its own sum.

    α − β = 1 and both ≥ 0, as Zennit requires; α = 1, β = 0 is :class:`ZPlus`.
    """

    alpha: float = 2.0
    beta: float = 1.0
    stabilizer: float = STABILIZER
    zero_bias: bool = False

    def __post_init__(self) -> None:
        if self.alpha < 0 or self.beta < 0:
            raise ValueError(f"AlphaBeta needs alpha and beta >= 0, got alpha={self.alpha}, beta={self.beta}")
        if self.alpha - self.beta != 1:
            raise ValueError(f"AlphaBeta needs alpha - beta == 1, got alpha={self.alpha}, beta={self.beta}")

    def linear(self, op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        result = self._share(op, a, relevance, 1, self.alpha)
        if self.beta:
            result = result - self._share(op, a, relevance, -1, self.beta)
        return result

    def _share(self, op: LinearOp, a: torch.Tensor, relevance: torch.Tensor, sign: int, factor: float) -> torch.Tensor:
        """factor·R split over the contributions of one sign: (a⁺, w±) and (a⁻, w∓) and the bias part."""
        same, opposite = (op.weight_pos, op.weight_neg) if sign > 0 else (op.weight_neg, op.weight_pos)
        bias = op.bias_part(sign, self.zero_bias)
        if factor != 1:
            relevance = relevance * factor
        if not _has_negative(a):
            s = relevance / stabilize(op.forward(a, same, bias), self.stabilizer)
            return a * op.transpose(a, same, s)
        a_pos, a_neg = a.clamp(min=0), a.clamp(max=0)
        z = op.forward(a_pos, same, bias) + op.forward(a_neg, opposite)
        s = relevance / stabilize(z, self.stabilizer)
        return a_pos * op.transpose(a, same, s) + a_neg * op.transpose(a, opposite, s)


class ZPlus(AlphaBeta):
    """LRP-z⁺ (deep Taylor for ReLU layers): :class:`AlphaBeta` with α = 1, β = 0."""

    def __init__(self, stabilizer: float = STABILIZER, zero_bias: bool = False) -> None:
        super().__init__(alpha=1.0, beta=0.0, stabilizer=stabilizer, zero_bias=zero_bias)

    def __repr__(self) -> str:
        return f"ZPlus(stabilizer={self.stabilizer}, zero_bias={self.zero_bias})"


@dataclass(frozen=True, eq=False)
class Gamma(LinearRule):
    """Generalised LRP-γ (Montavon et al. 2019; Andéol et al. 2021; Zennit's Gamma).

    For an output z_k > 0 the inputs share R_k by a⁺(w + γw⁺) + a⁻(w + γw⁻) + (b + γb⁺), favouring
    contributions of z's sign; for z_k < 0 by a⁺(w + γw⁻) + a⁻(w + γw⁺) + (b + γb⁻); z_k = 0 hands
    on nothing. Each denominator has z's sign and at least its size, so relevance is conserved
    where the plain w + γw⁺ (Captum's GammaRule) divides by near-zero sums on negative outputs.
    """

    gamma: float = 0.25
    stabilizer: float = STABILIZER
    zero_bias: bool = False

    def linear(self, op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        gamma = self.gamma
        if self.zero_bias:
            z = z - op.bias_shape(z)
        negative_inputs = _has_negative(a)
        a_pos, a_neg = (a.clamp(min=0), a.clamp(max=0)) if negative_inputs else (a, None)
        # p = a⁺w⁺ + a⁻w⁻ + b⁺, the contributions of positive sign. With those of negative sign,
        # z − p, both denominators follow from one forward: z + γp for z > 0 and z + γ(z − p) for
        # z < 0 (the b + γb± of each is in them: b = b⁺ + b⁻).
        p = op.forward(a_pos, op.weight_pos, op.bias_part(1, self.zero_bias))
        if a_neg is not None:
            p = p + op.forward(a_neg, op.weight_neg)
        s_pos = (relevance * (z > 0)).div_(stabilize(torch.add(z, p, alpha=gamma), self.stabilizer))
        s_neg = (relevance * (z < 0)).div_(stabilize(torch.lerp(z, p, -gamma), self.stabilizer))
        # Σ over the four (input part, weight) pairs, written with Wᵀ and W⁺ᵀ only (W⁻ = W − W⁺).
        if a_neg is None:
            return a * op.transpose(a, op.weight, torch.add(s_pos, s_neg, alpha=1 + gamma)).add_(
                op.transpose(a, op.weight_pos, s_pos.sub_(s_neg)), alpha=gamma
            )
        t_pos, t_neg = op.transpose(a, op.weight, s_pos), op.transpose(a, op.weight, s_neg)
        t_diff = op.transpose(a, op.weight_pos, s_pos - s_neg)
        return a * (t_pos + t_neg) + gamma * (a_pos * (t_diff + t_neg) + a_neg * (t_pos - t_diff))


@dataclass(frozen=True, eq=False)
class ZBox(LinearRule):
    """z^B rule for an input layer whose inputs lie in [low, high]:
    R_i = Σ_k (a_i w_ik − l_i w⁺_ik − h_i w⁻_ik) / z_k · R_k, z_k the sum of those terms.

    ``low``/``high``: numbers or tensors broadcastable to the input (per channel: shape (1, C, 1, 1));
    None takes each sample's own minimum and maximum (the default of the ``epsilon_gamma_box``
    composite, since the ``lrp`` method has no bounds parameter; Zennit always needs them given).
    The bias cancels from z (b − b⁺ − b⁻ = 0), as in Zennit.
    """

    low: float | torch.Tensor | None = None
    high: float | torch.Tensor | None = None
    stabilizer: float = STABILIZER

    def linear(self, op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        low, high = self._bound(a, self.low, torch.amin), self._bound(a, self.high, torch.amax)
        w_pos, w_neg = op.weight_pos, op.weight_neg
        z = z - op.bias_shape(z) - op.forward(low, w_pos) - op.forward(high, w_neg)
        s = relevance / stabilize(z, self.stabilizer)
        # a·Wᵀs − l·W⁺ᵀs − h·W⁻ᵀs with W⁻ = W − W⁺: two transposes instead of three.
        return (a - high) * op.transpose(a, op.weight, s) + (high - low) * op.transpose(a, w_pos, s)

    @staticmethod
    def _bound(a: torch.Tensor, value: Any, reduce: Callable[..., torch.Tensor]) -> torch.Tensor:
        if value is None:
            return reduce(a, dim=tuple(range(1, a.ndim)), keepdim=True).expand_as(a)
        return torch.as_tensor(value, dtype=a.dtype, device=a.device).expand_as(a)


@dataclass(frozen=True, eq=False)
class Flat(LinearRule):
    """Flat rule: relevance spread evenly over each output's receptive field (inputs and weights 1,
    no bias), as Zennit's Flat."""

    stabilizer: float = STABILIZER

    def linear(self, op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        ones = op.derived("1", lambda: torch.ones_like(op.weight))
        # The receptive-field sizes are the same for every sample: one sample's worth, broadcast.
        sizes = op.forward(torch.ones_like(a[:1]), ones)
        return op.transpose(a, ones, relevance / stabilize(sizes, self.stabilizer))


@dataclass(frozen=True, eq=False)
class WSquare(LinearRule):
    """w²-rule: R_i = Σ_k w_ik² / (Σ_i' w_i'k² + b_k²) · R_k, independent of the input (Zennit's
    WSquare, the bias squared as the j = 0 input; ``zero_bias`` leaves it out)."""

    stabilizer: float = STABILIZER
    zero_bias: bool = False

    def linear(self, op: LinearOp, a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        squared = op.derived("w2", lambda: op.weight.square())
        bias = None if self.zero_bias else op.derived("b2", lambda: op.bias.square())
        sizes = op.forward(torch.ones_like(a[:1]), squared, bias)
        return op.transpose(a, squared, relevance / stabilize(sizes, self.stabilizer))


# ---- rules for elementwise layers ---------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Pass(ElementwiseRule):
    """Relevance passes through unchanged (Zennit's Pass: its composites' rule for activations and
    merged BatchNorms)."""

    def backward(self, out: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        return _identity


@dataclass(frozen=True, eq=False)
class ReLUGuidedBackprop(ElementwiseRule):
    """Guided backpropagation's ReLU (Springenberg et al. 2015): the gradient, where it is positive."""

    def backward(self, out: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        active = out > 0
        return lambda relevance: relevance.clamp(min=0) * active


@dataclass(frozen=True, eq=False)
class ReLUDeconvNet(ElementwiseRule):
    """DeconvNet's ReLU (Zeiler and Fergus 2014): the ReLU applied to the upper gradient."""

    def backward(self, out: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        return _clamp_positive


def _identity(relevance: torch.Tensor) -> torch.Tensor:
    return relevance


def _clamp_positive(relevance: torch.Tensor) -> torch.Tensor:
    return relevance.clamp(min=0)


# ---- helpers shared with the canonizers ----------------------------------------------------------
def epsilon_through(
    forward: Callable[[torch.Tensor], torch.Tensor], epsilon: float, a: torch.Tensor, z: torch.Tensor, relevance
) -> torch.Tensor:
    """LRP-ε through an operation without weights (pooling, a mean, a lone BatchNorm), by the
    gradient of ``forward`` (the operation, run again) at ``a``; ``z`` is its output there."""
    with torch.enable_grad():
        leaf = a.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(forward(leaf), leaf, relevance / stabilize(z, epsilon))
    return a * grad


def split_sum(
    a: torch.Tensor, b: torch.Tensor, relevance: torch.Tensor, epsilon: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """ε-rule for ``a + b`` (a residual addition): each summand gets relevance in proportion to itself."""
    s = relevance / stabilize(a + b, epsilon)
    return (a * s).sum_to_size(a.shape), (b * s).sum_to_size(b.shape)
