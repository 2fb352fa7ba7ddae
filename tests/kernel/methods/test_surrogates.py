"""LIME and KernelSHAP against analytic truth, exact Shapley values and Captum's KernelShap."""

import itertools
import math

import pytest
import torch
from torch import nn

import xai_widgets as xw

from ..assertions import assert_same, snapshot
from ..models import ReluCNN


def linear(weights):
    model = nn.Linear(len(weights), 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([weights]))
        model.bias.fill_(0.3)
    return model.eval()


class TinyNonlinear(nn.Module):
    """Interactions between features, so Shapley values differ from any single marginal effect."""

    def forward(self, x):
        out = x[:, 0] * x[:, 1] + torch.relu(x[:, 2] - 0.5 * x[:, 3]) + 0.7 * x[:, 0] * x[:, 2] * x[:, 3]
        if x.shape[1] > 4:
            out = out + torch.tanh(x[:, 4:]).prod(1) + (x[:, 4:] ** 2).sum(1) * x[:, 1]
        return out[:, None]


def exact_shapley(model, x, baseline):
    """Shapley values of one sample (F,) by enumerating all 2^F coalitions."""
    f = x.shape[0]
    masks = torch.tensor(list(itertools.product([0, 1], repeat=f)), dtype=torch.bool)
    with torch.no_grad():
        scores = model(torch.where(masks, x, baseline))[:, 0].double()
    value = {tuple(m.tolist()): s for m, s in zip(masks, scores, strict=True)}
    phi = torch.zeros(f, dtype=torch.float64)
    for mask in value:
        for i in range(f):
            if mask[i]:
                continue
            k = sum(mask)
            weight = math.factorial(k) * math.factorial(f - k - 1) / math.factorial(f)
            with_i = mask[:i] + (True,) + mask[i + 1 :]
            phi[i] += weight * (value[with_i] - value[mask])
    return phi.float()


def test_kernel_shap_linear_model_is_w_times_x():
    weights = [float(w) for w in torch.linspace(-2, 2, 16)]
    model = linear(weights)
    x = torch.randn(2, 16, generator=torch.Generator().manual_seed(1))
    truth = torch.tensor(weights) * x
    explainer = xw.Explainer(model)
    errors = {}
    for n_samples in (100, 2000):
        a = explainer.attribute(x, "kernel_shap", target=0, n_samples=n_samples)
        errors[n_samples] = (a.values - truth).abs().max().item() / truth.abs().max().item()
        assert a.delta.abs().max() < 1e-5
    # A linear model is fitted exactly by any coalitions that span the segments.
    assert errors[2000] < 1e-4 and errors[100] < 1e-4, errors


def test_kernel_shap_converges_to_exact_shapley_values():
    model = TinyNonlinear()
    x = torch.rand(1, 10, generator=torch.Generator().manual_seed(2)) * 2
    baseline = torch.full((10,), 0.2)
    truth = exact_shapley(model, x[0], baseline)
    explainer = xw.Explainer(model)
    errors = {}
    for n_samples in (60, 800):  # both below the 1022 coalitions, so sampled
        runs = [
            explainer.attribute(x, "kernel_shap", target=0, n_samples=n_samples, baseline=baseline, seed=seed).values[0]
            for seed in range(3)
        ]
        errors[n_samples] = sum((r - truth).abs().max().item() for r in runs) / len(runs) / truth.abs().max().item()
    assert errors[800] < errors[60], errors
    assert errors[800] < 0.1, errors


def test_kernel_shap_exact_on_four_features():
    model = TinyNonlinear()
    x = torch.tensor([[1.5, -0.8, 2.0, 0.4], [0.3, 1.1, -0.5, 1.7]])
    baseline = torch.tensor([0.1, 0.2, 0.0, -0.3])
    explainer = xw.Explainer(model)
    a = explainer.attribute(x, "kernel_shap", target=0, n_samples=1000, baseline=baseline)
    for i in range(2):
        torch.testing.assert_close(a.values[i], exact_shapley(model, x[i], baseline), rtol=1e-4, atol=1e-5)
    # Fewer samples than coalitions: the sampled path, still close.
    sampled = explainer.attribute(x, "kernel_shap", target=0, n_samples=12, baseline=baseline)
    assert sampled.delta.abs().max() < 1e-5
    assert torch.isfinite(sampled.values).all()


def test_lime_recovers_sign_and_order_on_linear_model():
    weights = [3.0, -0.2, 1.0, -5.0, 0.5, -2.0]
    model = linear(weights)
    x = torch.ones(1, 6)
    a = xw.Explainer(model).attribute(x, "lime", target=0, n_samples=300)
    truth = torch.tensor(weights)
    assert torch.equal(a.values[0].sign(), truth.sign())
    assert torch.equal(a.values[0].abs().argsort(), truth.abs().argsort())


def test_kernel_shap_near_captum():
    from captum.attr import KernelShap

    model = TinyNonlinear()
    x = torch.tensor([[1.5, -0.8, 2.0, 0.4, 0.9, -1.2]])
    baseline = torch.tensor([[0.1, 0.2, 0.0, -0.3, 0.0, 0.5]])
    ours = xw.Explainer(model).attribute(x, "kernel_shap", target=0, n_samples=40, baseline=baseline).values
    torch.manual_seed(0)
    reference = KernelShap(model).attribute(
        x, baselines=baseline, target=0, n_samples=600, feature_mask=torch.arange(6)[None]
    )
    truth = exact_shapley(model, x[0], baseline[0])
    scale = truth.abs().max()
    assert (reference[0] - truth).abs().max() < 0.15 * scale
    assert (ours[0] - reference[0]).abs().max() < 0.15 * scale


def test_model_passes_are_few():
    model = ReluCNN().eval()
    calls = []
    handle = model.register_forward_hook(lambda module, inputs, output: calls.append(inputs[0].shape[0]))
    runner_budget = 3 * 1024**2
    explainer = xw.Explainer(model, memory_budget=runner_budget)
    x = torch.rand(1, 3, 16, 16)
    n_samples = 300
    try:
        for name in ("lime", "kernel_shap"):
            calls.clear()
            explainer.attribute(x, name, target=0, n_samples=n_samples)
            chunk = explainer._runner.chunk_size(x.shape[1:], backward=False)
            assert 1 < chunk < n_samples, chunk  # the budget forces several chunks
            assert len(calls) <= math.ceil(n_samples / chunk) + 2, (name, calls, chunk)
    finally:
        handle.remove()


@pytest.mark.parametrize("name", ["lime", "kernel_shap"])
def test_model_unchanged(name):
    from ..models import OracleCNN

    model = OracleCNN()
    model.train()
    model.stem[0].weight.requires_grad_(False)
    model.fc.register_forward_hook(lambda module, inputs, output: None)
    model.fc.weight.grad = torch.ones_like(model.fc.weight)
    before = snapshot(model)
    xw.Explainer(model).attribute(torch.rand(2, 3, 16, 16), name, target=1, n_samples=20, segment_size=8)
    assert_same(before, snapshot(model))
