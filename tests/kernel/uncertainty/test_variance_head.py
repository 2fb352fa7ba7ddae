"""task="gaussian": a model with (mean, log-variance) outputs; predict gives the mean, attributions
target either output, and predict_uncertainty separates aleatoric from epistemic."""

import pytest
import torch
from torch import nn

import xai_widgets as xw

from .models import ConstantNoiseHead

pytestmark = pytest.mark.usefixtures("float64")


def test_predict_returns_the_mean_and_is_read_as_regression():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    explainer = xw.Explainer(model, task="gaussian")
    x = torch.randn(5, 3)
    prediction = explainer.predict(x)
    torch.testing.assert_close(prediction, model(x)[:, :1].detach(), check_dtype=False)
    assert explainer.is_regression(explainer.outputs(x))


def test_attributions_target_the_mean_by_default_or_the_log_variance():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    explainer = xw.Explainer(model, task="gaussian")
    x = torch.randn(4, 3)
    default = explainer.attribute(x, "gradient")
    assert default.target.tolist() == [0] * 4
    torch.testing.assert_close(default.values, model.weight[0].detach().expand(4, 3), check_dtype=False)
    noise = explainer.attribute(x, "gradient", target=1)
    torch.testing.assert_close(noise.values, model.weight[1].detach().expand(4, 3), check_dtype=False)


def test_a_gaussian_task_needs_two_outputs():
    explainer = xw.Explainer(nn.Linear(3, 3), task="gaussian")
    for call in (
        lambda: explainer.predict(torch.randn(2, 3)),
        lambda: explainer.attribute(torch.randn(2, 3), "gradient"),
        lambda: explainer.predict_uncertainty(torch.randn(2, 3)),
    ):
        with pytest.raises(xw.ModelOutputError, match="two outputs"):
            call()


def test_aleatoric_and_total_combine_the_predicted_noise_with_the_samples_spread():
    log_variance = -1.5
    model = ConstantNoiseHead(log_variance=log_variance)
    x = torch.randn(3, 5, dtype=torch.float64)
    result = xw.Explainer(model, task="gaussian").predict_uncertainty(x, n_samples=64, seed=0)
    assert result.kind == "gaussian" and result.samples.shape == (64, 3, 1)
    aleatoric = torch.full((3, 1), log_variance).exp().sqrt()
    torch.testing.assert_close(result.aleatoric, aleatoric, check_dtype=False)
    torch.testing.assert_close(result.total, (result.std**2 + aleatoric**2).sqrt(), check_dtype=False)
    torch.testing.assert_close(result.mean, result.samples.mean(0))
