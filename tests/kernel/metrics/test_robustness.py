"""Max-sensitivity and continuity: against Quantus on the same noise draws and shifts, against
analytic truth (a linear model's gradient never moves), batched, and batch against per sample."""

import pytest
import torch

import xai_widgets as xw
from xai_widgets.kernel.metrics.continuity import shifted
from xai_widgets.kernel.metrics.robustness import uniform_noise

from ..counting import count_forwards
from ..models import FlatLinear
from .conftest import assert_close, quantus_explain, run_quantus


def replaying(noise: torch.Tensor):
    """A Quantus perturb_func adding our noise patterns in order: Quantus's own draws are numpy's
    global random state, so the same draws make the comparison exact."""
    patterns = noise.flatten(1).double().numpy()
    calls = iter(range(len(patterns)))

    def perturb(arr, indices, **_ignored):
        return arr + patterns[next(calls)][None]

    return perturb


@pytest.mark.parametrize("method, params", [("saliency", {}), ("integrated_gradients", {"n_steps": 4})])
def test_max_sensitivity_equals_quantus_on_the_same_noise(quantus, cnn, method, params):
    model, x = cnn
    y = [1, 2, 3]
    explainer = xw.Explainer(model)
    ours = xw.metrics.max_sensitivity(explainer, x, method, y, n_samples=12, seed=7, **params)
    noise = uniform_noise(x.shape[1:], 0.2, 12, 7, torch.device("cpu"))
    metric = quantus.MaxSensitivity(nr_samples=12, perturb_func=replaying(noise), disable_warnings=True)
    attribution = explainer.attribute(x, method, y, **params).values
    theirs = run_quantus(metric, model, x, y, a_batch=attribution, explain_func=quantus_explain(method, **params))
    assert ours.values.shape == (3,) and ours.sensitivities.shape == (3, 12)
    assert_close(ours.values, theirs)


def test_the_noise_is_uniform_within_the_radius_and_repeats_with_the_seed():
    noise = uniform_noise(torch.Size([3, 16, 16]), 0.2, 200, 42, torch.device("cpu"))
    assert noise.abs().max() <= 0.2 and noise.min() < -0.19 and noise.max() > 0.19
    assert abs(float(noise.mean())) < 0.01 and float(noise.std()) == pytest.approx(0.2 / 3**0.5, rel=0.01)
    assert torch.equal(noise, uniform_noise(torch.Size([3, 16, 16]), 0.2, 200, 42, torch.device("cpu")))


def test_a_linear_models_gradient_is_insensitive_and_continuous():
    model = FlatLinear(shape=(3, 8, 8))
    x = torch.rand(2, 3, 8, 8)
    explainer = xw.Explainer(model)
    sensitivity = xw.metrics.max_sensitivity(explainer, x, "gradient", 0, n_samples=5)
    assert sensitivity.values.tolist() == [0.0, 0.0]
    assert xw.metrics.continuity(explainer, x, "saliency", 0, n_steps=4).values.tolist() == [0.0, 0.0]


def test_all_noisy_copies_go_through_the_model_in_a_few_batched_passes(cnn):
    model, x = cnn
    explainer = xw.Explainer(model)
    explainer.outputs(x)
    calls, handle = count_forwards(model)
    xw.metrics.max_sensitivity(explainer, x, "gradient", 0, n_samples=50)
    handle.remove()
    # The 3 originals, then the 150 noisy copies in passes of even size (cache-sized on the CPU).
    assert calls[0] == 3 and sum(calls[1:]) == 150
    assert len(calls[1:]) <= 2 and max(calls[1:]) - min(calls[1:]) <= 1


def test_batch_equals_per_sample(cnn):
    model, x = cnn
    explainer = xw.Explainer(model)
    batch = xw.metrics.max_sensitivity(explainer, x, "saliency", 1, n_samples=8)
    alone = xw.metrics.max_sensitivity(explainer, x[2:], "saliency", 1, n_samples=8)
    torch.testing.assert_close(alone.sensitivities, batch.sensitivities[2:])
    batch = xw.metrics.continuity(explainer, x, "saliency", 1, n_steps=6)
    alone = xw.metrics.continuity(explainer, x[2:], "saliency", 1, n_steps=6)
    torch.testing.assert_close(alone.ratios, batch.ratios[2:])


@pytest.mark.parametrize("method", ["gradient", "grad_cam"])
def test_continuity_equals_quantus_on_its_batch_normalisation_and_on_one_sample_with_ours(quantus, cnn, method):
    model, x = cnn
    y = [0, 2, 4]
    explainer = xw.Explainer(model)
    metric = quantus.Continuity(disable_warnings=True)
    explain = quantus_explain(method)
    ours = xw.metrics.continuity(explainer, x, method, y, normalise="batch")
    assert ours.ratios.shape == (3, 28) and ours.shifts.tolist() == list(range(-15, 13))
    assert_close(ours.values, run_quantus(metric, model, x, y, explain_func=explain))
    alone = xw.metrics.continuity(explainer, x[:1], method, y[:1])
    assert_close(alone.values, run_quantus(metric, model, x[:1], y[:1], explain_func=explain))


def test_shifted_copies_move_along_the_last_axis_and_fill_the_uncovered_columns():
    x = torch.arange(8.0).view(1, 1, 2, 4)
    copies = shifted(x, torch.tensor([-1, 0, 2, 5]), torch.full_like(x, -9.0))
    assert copies[0, 0, 0, 0].tolist() == [1, 2, 3, -9]
    assert torch.equal(copies[1], x)
    assert copies[2, 0, 0, 1].tolist() == [-9, -9, 4, 5]
    assert (copies[3] == -9).all()


def test_robustness_errors_say_what_to_do(cnn):
    model, x = cnn
    explainer = xw.Explainer(model)
    with pytest.raises(xw.InputError, match="shifts images"):
        xw.metrics.continuity(xw.Explainer(torch.nn.Linear(6, 2)), torch.rand(2, 6), "gradient", 0)
    with pytest.raises(xw.ParameterError, match="n_steps=40 is more than 2 \\* width \\+ 1 = 33"):
        xw.metrics.continuity(explainer, x, "gradient", 0, n_steps=40)
    with pytest.raises(xw.ParameterError, match="radius"):
        xw.metrics.max_sensitivity(explainer, x, "gradient", 0, radius=-1.0)
    with pytest.raises(xw.UnknownMethodError):
        xw.metrics.max_sensitivity(explainer, x, "no_such_method", 0)
    assert torch.isfinite(xw.metrics.max_sensitivity(explainer, x, "gradient", 0, n_samples=1).values).all()
