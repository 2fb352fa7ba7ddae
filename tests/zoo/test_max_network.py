"""The max network: exactly max(x1, x2) on x >= 0, and the relevances the continuity story rests
on, worked out by hand (gradient, gradient x input, LRP with z⁺ on Linear layers)."""

import torch

import xai_widgets as xw
from xai_widgets.zoo import MaxNetwork, max_network

# The registered composite with z⁺ on every Linear layer (deep Taylor), which the ContinuityView uses.
Z_PLUS = {"composite": "excitation_backprop"}


def dyadic_grid(n: int = 65) -> torch.Tensor:
    """Every (k / 64, l / 64) in [0, 1]²: no sum in the network rounds on these."""
    values = torch.arange(n, dtype=torch.float32) / (n - 1)
    return torch.cartesian_prod(values, values)


def test_is_exactly_max_on_a_dyadic_grid_and_close_everywhere_else():
    model = max_network()
    grid = dyadic_grid()
    assert torch.equal(model(grid)[:, 0], torch.maximum(grid[:, 0], grid[:, 1]))
    random = torch.rand(10_000, 2, generator=torch.Generator().manual_seed(0)) * 5
    torch.testing.assert_close(model(random)[:, 0], torch.maximum(random[:, 0], random[:, 1]), rtol=1e-6, atol=1e-6)


def test_layout_has_no_biases_and_nothing_to_train():
    model = max_network()
    assert isinstance(model, MaxNetwork) and not model.training
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [tuple(m.weight.shape) for m in linears] == [(4, 2), (1, 4)]
    assert all(m.bias is None for m in linears)
    assert not any(p.requires_grad for p in model.parameters())


def hand_relevances(x: torch.Tensor, method: str) -> torch.Tensor:
    """The relevances by hand, for x1 != x2 (gradient and gradient x input take the active side)."""
    x1, x2 = x[:, 0], x[:, 1]
    first = (x1 > x2).float()
    if method == "gradient":
        return torch.stack([first, 1 - first], 1)
    if method == "grad_x_input":
        return torch.stack([first * x1, (1 - first) * x2], 1)
    # z⁺ on both layers: the output's 0.5 * h_j goes to h_j; h1 = x1 -> x1, h2 = x2 -> x2, the
    # positive part of max - min goes to the larger input: (x1 - x2/2, x2/2) for x1 > x2.
    larger, smaller = torch.maximum(x1, x2), torch.minimum(x1, x2)
    big, small = larger - smaller / 2, smaller / 2
    return torch.stack([torch.where(x1 > x2, big, small), torch.where(x1 > x2, small, big)], 1)


def test_relevances_match_the_hand_formulas_off_the_diagonal():
    explainer = xw.Explainer(max_network())
    x = torch.rand(500, 2, generator=torch.Generator().manual_seed(1))
    x = x[(x[:, 0] - x[:, 1]).abs() > 1e-3]
    for method, params in (("gradient", {}), ("grad_x_input", {}), ("lrp", Z_PLUS)):
        values = explainer.attribute(x, method, target=0, **params).values
        torch.testing.assert_close(values, hand_relevances(x, method), atol=2e-5, rtol=1e-4, msg=method)
    # LRP is conservative here (no biases): the relevances sum to the output, up to z⁺'s stabiliser.
    lrp = explainer.attribute(x, "lrp", target=0, **Z_PLUS).values
    torch.testing.assert_close(lrp.sum(1), torch.maximum(x[:, 0], x[:, 1]), atol=2e-5, rtol=1e-4)


def test_lrp_is_continuous_across_the_diagonal_and_the_gradients_jump():
    explainer = xw.Explainer(max_network())
    delta = 1e-3
    for t in (0.2, 0.5, 0.9):
        across = torch.tensor([[t + delta, t], [t - delta, t]])
        gradient = explainer.attribute(across, "gradient", target=0).values
        grad_x_input = explainer.attribute(across, "grad_x_input", target=0).values
        lrp = explainer.attribute(across, "lrp", target=0, **Z_PLUS).values
        assert abs(float(gradient[0, 0] - gradient[1, 0]) - 1.0) < 1e-6
        assert abs(float(grad_x_input[0, 0] - grad_x_input[1, 0]) - t) < 2 * delta
        # Both sides near (t/2, t/2): R1 is t/2 + delta against t/2 - delta/2, 1.5 delta apart.
        assert abs(float(lrp[0, 0] - lrp[1, 0]) - 1.5 * delta) < 1e-5
        torch.testing.assert_close(lrp, torch.full_like(lrp, t / 2), atol=1.5 * delta, rtol=0)
