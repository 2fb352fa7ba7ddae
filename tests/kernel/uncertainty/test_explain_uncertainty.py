"""Attributing uncertainty (of="std" / "entropy"): the quantity over fixed dropout masks is a
deterministic function of x whose gradient matches finite differences and the closed form."""

import pytest
import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.uncertainty.explain_uncertainty import uncertainty_model

from ..assertions import assert_same, snapshot
from .models import DropoutLinear, dropout_mlp

pytestmark = pytest.mark.usefixtures("float64")


def finite_differences(function, x: torch.Tensor, column: int, step: float = 1e-6) -> torch.Tensor:
    """Central differences of ``function(x)[:, column]`` with respect to each feature of x (N, F)."""
    gradient = torch.empty_like(x)
    for feature in range(x.shape[1]):
        shift = torch.zeros_like(x)
        shift[:, feature] = step
        gradient[:, feature] = (function(x + shift)[:, column] - function(x - shift)[:, column]) / (2 * step)
    return gradient


@pytest.mark.parametrize(
    "quantity, kind, n_outputs, target",
    [("std", "regression", 1, 0), ("std", "classification", 3, 2), ("entropy", "classification", 3, 0)],
)
def test_gradient_of_the_quantity_matches_finite_differences(quantity, kind, n_outputs, target):
    model = dropout_mlp(n_outputs=n_outputs).eval()
    of = xw.UncertaintyOf(quantity, n_samples=12, seed=5)
    x = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    task = "regression" if kind == "regression" else "classification"
    gradient = xw.Explainer(model, task=task).attribute(x, "gradient", target=target, of=of).values
    with torch.no_grad(), uncertainty_model(model, of, kind) as function:
        expected = finite_differences(function, x, target if quantity == "std" else 0)
    torch.testing.assert_close(gradient.double(), expected, rtol=1e-4, atol=1e-6)


def test_many_fixed_masks_give_the_gradient_of_the_closed_form_std():
    # Over S masks the std tends to sqrt(c * sum_i w_i^2 x_i^2), c = p / (1 - p), whose gradient
    # is c * w_i^2 x_i / std.
    p = 0.3
    model = DropoutLinear(p=p)
    x = torch.randn(2, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    of = xw.UncertaintyOf("std", n_samples=20_000, seed=0)
    gradient = xw.Explainer(model).attribute(x, "gradient", of=of).values.double()
    w = model.linear.weight[0].detach()
    c = p / (1 - p)
    std = (c * (w**2 * x**2).sum(1, keepdim=True)).sqrt()
    expected = c * w**2 * x / std
    assert (gradient - expected).abs().max() < 0.05 * expected.abs().max()


def test_the_same_masks_are_used_on_every_call_and_for_every_method_pass():
    model = dropout_mlp()
    explainer = xw.Explainer(model)
    x = torch.randn(2, 4, dtype=torch.float64)
    first = explainer.attribute(x, "integrated_gradients", of="entropy", n_steps=8)
    again = explainer.attribute(x, "integrated_gradients", of="entropy", n_steps=8)
    torch.testing.assert_close(first.values, again.values)
    # Completeness holds only if every step of the path saw the same function.
    assert first.delta.abs().max() < 0.05 * first.values.abs().sum(1).max()
    other = explainer.attribute(x, "integrated_gradients", of=xw.UncertaintyOf("entropy", seed=1), n_steps=8)
    assert not torch.allclose(first.values, other.values)


def test_ensemble_std_is_explained_through_the_members():
    torch.manual_seed(0)
    members = [nn.Linear(3, 1) for _ in range(4)]
    x = torch.randn(5, 3, requires_grad=True)
    std = torch.stack([m(x) for m in members]).std(0).sum()
    (expected,) = torch.autograd.grad(std, x)
    values = xw.Explainer(xw.Ensemble(members)).attribute(x.detach(), "gradient", of="std").values
    torch.testing.assert_close(values, expected, check_dtype=False)


@pytest.mark.parametrize(
    "method, of, message",
    [
        ("grad_cam", "std", "cannot explain"),
        ("gradient", "variance", "of must be"),
        ("gradient", 3, "of must be"),
    ],
)
def test_unsupported_requests_say_what_to_use(method, of, message):
    model = dropout_mlp()
    before = snapshot(model)
    with pytest.raises(xw.ParameterError, match=message):
        xw.Explainer(model).attribute(torch.randn(2, 4, dtype=torch.float64), method, of=of)
    assert_same(before, snapshot(model))


def test_entropy_is_for_classifiers_and_masks_need_dropout():
    with pytest.raises(xw.ParameterError, match="use of='std'"):
        xw.Explainer(DropoutLinear()).attribute(torch.randn(2, 5, dtype=torch.float64), "gradient", of="entropy")
    with pytest.raises(xw.ExplainerError, match="add dropout"):
        xw.Explainer(nn.Linear(3, 2)).attribute(torch.randn(2, 3), "gradient", of="std")
    with pytest.raises(xw.ParameterError, match="at least 2"):
        xw.UncertaintyOf("std", n_samples=1)
    with pytest.raises(xw.TargetError, match="single output: leave target None"):
        xw.Explainer(dropout_mlp()).attribute(torch.randn(2, 4, dtype=torch.float64), "gradient", 2, of="entropy")


def test_variance_head_std_is_the_total_std():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Dropout(0.2), nn.Linear(8, 2)).double()
    of = xw.UncertaintyOf("std", n_samples=10, seed=0)
    x = torch.randn(2, 3, dtype=torch.float64)
    gradient = xw.Explainer(model, task="gaussian").attribute(x, "gradient", of=of)
    assert gradient.target.tolist() == [0, 0]
    with torch.no_grad(), uncertainty_model(model.eval(), of, "gaussian") as function:
        values = function(x)
        expected = finite_differences(function, x, 0)
    assert values.shape == (2, 1)
    torch.testing.assert_close(gradient.values.double(), expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    "method", ["saliency", "grad_x_input", "smoothgrad", "occlusion", "kernel_shap", "guided_backprop"]
)
def test_other_families_run_on_the_quantity(method):
    params = {"smoothgrad": {"n_samples": 4}, "occlusion": {"window": 1}, "kernel_shap": {"n_samples": 16}}
    result = xw.Explainer(dropout_mlp()).attribute(
        torch.randn(2, 4, dtype=torch.float64), method, of="entropy", **params.get(method, {})
    )
    assert result.values.shape == (2, 4) and torch.isfinite(result.values).all()
