"""Each LRP rule on one Linear layer against its formula written out by hand, element by element:
the bias as the j = 0 input, a positive and a negative output, inputs of both signs (and without
negative inputs, the rules' fast path)."""

import pytest
import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.core.runner import ModelRunner
from xai_widgets.kernel.methods.propagation.lrp.method import relevance
from xai_widgets.kernel.methods.propagation.lrp.rules import LinearOp

STAB = 1e-6
WEIGHT = torch.tensor([[1.0, -2.0, 0.5], [-1.0, 0.5, 2.0]])  # (outputs k, inputs j)
BIAS = torch.tensor([0.3, -0.4])
# z = (3.8, -0.65) and (2.8, -0.4): one positive and one negative output each.
INPUTS = {"mixed signs": torch.tensor([2.0, -0.5, 1.0]), "non-negative": torch.tensor([2.0, 0.0, 1.0])}
R_OUT = torch.tensor([1.0, 2.0])  # relevance arriving at both outputs


def layer() -> nn.Linear:
    module = nn.Linear(3, 2)
    with torch.no_grad():
        module.weight.copy_(WEIGHT)
        module.bias.copy_(BIAS)
    return module


def stab(value: float, epsilon: float = STAB) -> float:
    return value + epsilon if value >= 0 else value - epsilon


def pos(value: float) -> float:
    return max(value, 0.0)


def neg(value: float) -> float:
    return min(value, 0.0)


def by_hand(contribution, denominator) -> torch.Tensor:
    """R_j = Σ_k contribution(j, k) / denominator(k) · R_k over the layer's two outputs."""
    return torch.tensor(
        [sum(contribution(j, k) / denominator(k) * R_OUT[k].item() for k in range(2)) for j in range(3)]
    )


def apply(rule, a: torch.Tensor) -> torch.Tensor:
    module = layer()
    z = module(a[None]).detach()
    return rule.linear(LinearOp(module), a[None], z, R_OUT[None])[0]


def w(k: int, j: int) -> float:
    return WEIGHT[k, j].item()


def z_of(a: torch.Tensor, k: int) -> float:
    return sum(a[j].item() * w(k, j) for j in range(3)) + BIAS[k].item()


@pytest.mark.parametrize("inputs", sorted(INPUTS))
@pytest.mark.parametrize("epsilon", [STAB, 0.5])
def test_epsilon(inputs, epsilon):
    a = INPUTS[inputs]
    expected = by_hand(lambda j, k: a[j].item() * w(k, j), lambda k: stab(z_of(a, k), epsilon))
    torch.testing.assert_close(apply(xw.lrp.Epsilon(epsilon), a), expected)
    # Without the bias in z, the inputs share the whole output.
    no_bias = by_hand(lambda j, k: a[j].item() * w(k, j), lambda k: stab(z_of(a, k) - BIAS[k].item(), epsilon))
    torch.testing.assert_close(apply(xw.lrp.Epsilon(epsilon, zero_bias=True), a), no_bias)


@pytest.mark.parametrize("inputs", sorted(INPUTS))
@pytest.mark.parametrize("gamma", [0.25, 1.0])
def test_generalised_gamma_switches_weights_with_the_output_sign(inputs, gamma):
    a = INPUTS[inputs]

    def contribution(j, k):
        aj, wkj = a[j].item(), w(k, j)
        if z_of(a, k) > 0:  # favour positive contributions: w + γw⁺ for a⁺, w + γw⁻ for a⁻
            return pos(aj) * (wkj + gamma * pos(wkj)) + neg(aj) * (wkj + gamma * neg(wkj))
        return pos(aj) * (wkj + gamma * neg(wkj)) + neg(aj) * (wkj + gamma * pos(wkj))

    def denominator(k):
        b = BIAS[k].item()
        bias = b + gamma * (pos(b) if z_of(a, k) > 0 else neg(b))
        return stab(sum(contribution(j, k) for j in range(3)) + bias)

    ours = apply(xw.lrp.Gamma(gamma), a)
    torch.testing.assert_close(ours, by_hand(contribution, denominator))
    # Each denominator keeps its output's sign and size: the plain w + γw⁺ would not on z < 0.
    assert all((denominator(k) > 0) == (z_of(a, k) > 0) and abs(denominator(k)) >= abs(z_of(a, k)) for k in range(2))


def test_gamma_hands_on_nothing_from_a_zero_output():
    module = layer()
    a = torch.tensor([[0.0, 0.0, 0.0]])
    z = torch.tensor([[0.0, 0.0]])  # as with zero biases
    assert torch.equal(xw.lrp.Gamma().linear(LinearOp(module), a, z, R_OUT[None]), torch.zeros(1, 3))


@pytest.mark.parametrize("inputs", sorted(INPUTS))
@pytest.mark.parametrize("alpha, beta", [(1.0, 0.0), (2.0, 1.0), (3.0, 2.0)])
def test_alpha_beta_and_z_plus_count_the_bias_parts(inputs, alpha, beta):
    a = INPUTS[inputs]

    def positive(j, k):
        return pos(a[j].item()) * pos(w(k, j)) + neg(a[j].item()) * neg(w(k, j))

    def negative(j, k):
        return pos(a[j].item()) * neg(w(k, j)) + neg(a[j].item()) * pos(w(k, j))

    def positive_sum(k):
        return stab(sum(positive(j, k) for j in range(3)) + pos(BIAS[k].item()))

    def negative_sum(k):
        return stab(sum(negative(j, k) for j in range(3)) + neg(BIAS[k].item()))

    expected = alpha * by_hand(positive, positive_sum) - beta * by_hand(negative, negative_sum)
    torch.testing.assert_close(apply(xw.lrp.AlphaBeta(alpha, beta), a), expected)
    if beta == 0:
        torch.testing.assert_close(apply(xw.lrp.ZPlus(), a), expected)
    # zero_bias: the old convention, the bias left out of both sums
    no_bias = alpha * by_hand(positive, lambda k: stab(sum(positive(j, k) for j in range(3))))
    no_bias -= beta * by_hand(negative, lambda k: stab(sum(negative(j, k) for j in range(3))))
    torch.testing.assert_close(apply(xw.lrp.AlphaBeta(alpha, beta, zero_bias=True), a), no_bias)


def test_alpha_beta_refuses_parameters_that_do_not_differ_by_one():
    with pytest.raises(ValueError, match="alpha - beta"):
        xw.lrp.AlphaBeta(2.0, 2.0)
    with pytest.raises(ValueError, match=">= 0"):
        xw.lrp.AlphaBeta(-1.0, -2.0)


@pytest.mark.parametrize("bounds", [(None, None), (-3.0, 3.0), (torch.tensor([-1.0, -2.0, -3.0]), 2.5)])
def test_z_box_bounds_the_inputs(bounds):
    a = INPUTS["mixed signs"]
    low = [a.min().item()] * 3 if bounds[0] is None else torch.as_tensor(bounds[0]).expand(3).tolist()
    high = [a.max().item()] * 3 if bounds[1] is None else torch.as_tensor(bounds[1]).expand(3).tolist()

    def contribution(j, k):
        return a[j].item() * w(k, j) - low[j] * pos(w(k, j)) - high[j] * neg(w(k, j))

    expected = by_hand(contribution, lambda k: stab(sum(contribution(j, k) for j in range(3))))
    torch.testing.assert_close(apply(xw.lrp.ZBox(*bounds), a), expected)


def test_flat_spreads_evenly_and_w_square_by_squared_weights_with_the_bias():
    a = INPUTS["mixed signs"]
    torch.testing.assert_close(apply(xw.lrp.Flat(), a), by_hand(lambda j, k: 1.0, lambda k: stab(3.0)))

    def squares(k):
        return sum(w(k, j) ** 2 for j in range(3))

    expected = by_hand(lambda j, k: w(k, j) ** 2, lambda k: stab(squares(k) + BIAS[k].item() ** 2))
    torch.testing.assert_close(apply(xw.lrp.WSquare(), a), expected)
    no_bias = by_hand(lambda j, k: w(k, j) ** 2, lambda k: stab(squares(k)))
    torch.testing.assert_close(apply(xw.lrp.WSquare(zero_bias=True), a), no_bias)


def test_elementwise_rules_on_a_relu():
    out = torch.tensor([0.0, 1.0, 2.0, 0.0])
    incoming = torch.tensor([3.0, -1.0, 2.0, -4.0])
    assert torch.equal(xw.lrp.Pass().backward(out)(incoming), incoming)
    assert torch.equal(xw.lrp.ReLUGuidedBackprop().backward(out)(incoming), torch.tensor([0.0, 0.0, 2.0, 0.0]))
    assert torch.equal(xw.lrp.ReLUDeconvNet().backward(out)(incoming), torch.tensor([3.0, 0.0, 2.0, 0.0]))


def test_a_rule_through_the_lrp_method_starts_from_the_target_output():
    """End to end, one output: R_out = f(x) at the target only, here the negative one."""
    a = INPUTS["mixed signs"]
    composite = xw.lrp.Composite([(nn.Linear, xw.lrp.Gamma(0.25))])
    ours, delta = relevance(ModelRunner(layer(), torch.device("cpu")), a[None], torch.tensor([1]), composite)
    gamma = 0.25

    def contribution(j, k):  # z_1 < 0: w + γw⁻ for a⁺, w + γw⁺ for a⁻
        aj, wkj = a[j].item(), w(k, j)
        return pos(aj) * (wkj + gamma * neg(wkj)) + neg(aj) * (wkj + gamma * pos(wkj))

    b = BIAS[1].item()
    denominator = stab(sum(contribution(j, 1) for j in range(3)) + b + gamma * neg(b))
    expected = torch.tensor([contribution(j, 1) / denominator * z_of(a, 1) for j in range(3)])
    torch.testing.assert_close(ours[0], expected)
    torch.testing.assert_close(delta, (expected.sum() - z_of(a, 1)).reshape(1))
