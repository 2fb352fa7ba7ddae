"""xw.Ensemble: forward is the mean of the members, predict_uncertainty(method="ensemble") is
their spread, and attribution methods work on it unchanged."""

import pytest
import torch
from torch import nn

import xai_widgets as xw

from ..assertions import assert_same, snapshot


def members(n_members: int = 5, n_outputs: int = 3) -> list[nn.Module]:
    models = []
    for seed in range(n_members):
        torch.manual_seed(seed)
        models.append(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, n_outputs)))
    return models


def test_forward_is_the_mean_of_the_members_raw_outputs():
    models = members()
    x = torch.randn(6, 4)
    expected = torch.stack([m(x) for m in models]).mean(0)
    torch.testing.assert_close(xw.Ensemble(models)(x), expected)


@pytest.mark.parametrize("budget", [None, 1])
def test_classifier_samples_are_the_members_probabilities_batched_or_not(budget):
    models = members()
    ensemble = xw.Ensemble(models)
    x = torch.randn(6, 4)
    result = xw.Explainer(ensemble, memory_budget=budget).predict_uncertainty(x, method="ensemble")
    expected = torch.stack([torch.softmax(m(x), 1) for m in models]).detach()
    torch.testing.assert_close(result.samples, expected)
    torch.testing.assert_close(result.mean, expected.mean(0))
    torch.testing.assert_close(result.std, expected.std(0))  # unbiased, as torch.std
    assert result.n_samples == 5 and result.method == "ensemble" and result.seed is None


def test_regression_std_is_the_members_std():
    models = members(n_outputs=1)
    x = torch.randn(10, 4)
    result = xw.Explainer(xw.Ensemble(models)).predict_uncertainty(x, method="ensemble")
    outputs = torch.stack([m(x) for m in models]).detach()
    assert result.kind == "regression"
    torch.testing.assert_close(result.std, outputs.std(0))
    torch.testing.assert_close(result.mean, outputs.mean(0))


def test_progress_and_a_model_left_unchanged():
    ensemble = xw.Ensemble(members())
    ensemble.train()
    before = snapshot(ensemble)
    fractions = []
    xw.Explainer(ensemble, memory_budget=1).predict_uncertainty(
        torch.randn(3, 4), method="ensemble", progress=fractions.append
    )
    assert fractions == [1 / 3, 2 / 3, 1.0]
    assert_same(before, snapshot(ensemble))


def test_attribution_of_an_ensemble_is_the_mean_of_the_members_for_a_linear_method():
    # Integrated gradients is linear in the model, so the ensemble's is the members' mean.
    models = members()
    x = torch.randn(2, 4)
    ours = xw.Explainer(xw.Ensemble(models)).attribute(x, "integrated_gradients", target=1, n_steps=16).values
    each = torch.stack(
        [xw.Explainer(m).attribute(x, "integrated_gradients", target=1, n_steps=16).values for m in models]
    )
    torch.testing.assert_close(ours, each.mean(0), rtol=1e-5, atol=1e-6)


def test_ensemble_needs_two_modules():
    with pytest.raises(xw.ExplainerError, match="at least two"):
        xw.Ensemble([nn.Linear(2, 2)])
    with pytest.raises(xw.ExplainerError, match="member 1"):
        xw.Ensemble([nn.Linear(2, 2), "model"])
