"""The cascading model parameter randomisation and the random logit test: against Quantus's MPRT and
RandomLogit on the same model and method, the user's model left bit for bit as it was, and the
shape of what a view's slider needs."""

import numpy as np
import pytest
import torch

import xai_widgets as xw

from ..assertions import assert_same, snapshot
from .conftest import assert_close, quantus_explain, run_quantus


def test_the_cascade_on_the_shapes_model_equals_quantus_mprt_layer_by_layer(quantus, shapes, shapes_model):
    x, y = shapes.images[:1], shapes.labels[:1]
    ours = xw.metrics.model_parameter_randomisation(xw.Explainer(shapes_model), x, "saliency", y)
    theirs = run_quantus(
        quantus.MPRT(disable_warnings=True), shapes_model, x, y, a_batch=None, explain_func=quantus_explain("saliency")
    )
    assert ours.layers == [name for name in theirs if name != "original"]
    assert ours.layers[0] == "classifier" and ours.layers[-1] == "features.conv1"
    assert_close(ours.similarity[1:], np.array([theirs[name] for name in ours.layers]))
    assert ours.similarity[0].tolist() == [1.0]


@pytest.mark.parametrize("method, params", [("grad_cam", {}), ("integrated_gradients", {"n_steps": 4})])
def test_the_cascade_equals_quantus_mprt_for_other_methods(quantus, cnn, method, params):
    model, x = cnn
    y = [0, 1, 2]
    ours = xw.metrics.model_parameter_randomisation(xw.Explainer(model), x, method, y, **params)
    metric = quantus.MPRT(disable_warnings=True)
    theirs = run_quantus(metric, model, x, y, a_batch=None, explain_func=quantus_explain(method, **params))
    assert_close(ours.similarity[1:], np.array([theirs[name] for name in ours.layers]))


def test_the_cascade_returns_each_steps_maps_for_a_slider(cnn):
    model, x = cnn
    result = xw.metrics.model_parameter_randomisation(xw.Explainer(model), x, "integrated_gradients", 2, n_steps=4)
    assert result.layers == ["head.2", "features.2", "features.0"]
    assert result.similarity.shape == (4, 3) and result.maps.shape == (4, 3, 3, 16, 16)
    intact = xw.Explainer(model).attribute(x, "integrated_gradients", 2, n_steps=4).values
    torch.testing.assert_close(result.maps[0], intact)
    assert not torch.allclose(result.maps[-1], intact)
    assert result.target.tolist() == [2, 2, 2]


def test_the_users_model_and_the_global_random_state_are_left_exactly_as_they_were(user_model):
    before = snapshot(user_model)
    cpu_state = torch.get_rng_state()
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    result = xw.metrics.model_parameter_randomisation(xw.Explainer(user_model), x, "gradient", 1)
    assert len(result.layers) == 8
    assert_same(before, snapshot(user_model))
    assert torch.equal(torch.get_rng_state(), cpu_state)
    assert user_model.training and not user_model.stem[0].weight.requires_grad


def test_the_same_seed_gives_the_same_cascade_and_batch_equals_per_sample(cnn):
    model, x = cnn
    explainer = xw.Explainer(model)
    batch = xw.metrics.model_parameter_randomisation(explainer, x, "gradient", 1, seed=3)
    again = xw.metrics.model_parameter_randomisation(explainer, x, "gradient", 1, seed=3)
    torch.testing.assert_close(batch.similarity, again.similarity)
    alone = xw.metrics.model_parameter_randomisation(explainer, x[1:2], "gradient", 1, seed=3)
    torch.testing.assert_close(alone.similarity[:, 0], batch.similarity[:, 1])
    other = xw.metrics.model_parameter_randomisation(explainer, x, "gradient", 1, seed=4)
    assert not torch.allclose(other.similarity[1:], batch.similarity[1:])


def test_progress_covers_the_cascade_and_raising_stops_it_with_the_model_intact(user_model):
    seen = []
    x = torch.rand(1, 3, 16, 16)
    xw.metrics.model_parameter_randomisation(xw.Explainer(user_model), x, "saliency", 0, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) >= 8
    before = snapshot(user_model)

    def cancel(fraction):
        if fraction > 0.5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        xw.metrics.model_parameter_randomisation(xw.Explainer(user_model), x, "saliency", 0, progress=cancel)
    assert_same(before, snapshot(user_model))


@pytest.mark.parametrize("similarity", ["ssim", "spearman", "pearson"])
def test_random_logit_equals_quantus_with_the_same_draw_of_the_other_class(quantus, cnn, similarity):
    model, x = cnn
    y = [0, 3, 4]
    ours = xw.metrics.random_logit(xw.Explainer(model), x, "gradient", y, similarity=similarity, normalise="batch")
    functions = quantus.similarity_func
    chosen = {"ssim": functions.ssim, "spearman": functions.correlation_spearman}.get(
        similarity, functions.correlation_pearson
    )
    metric = quantus.RandomLogit(num_classes=5, similarity_func=chosen, disable_warnings=True)
    theirs = run_quantus(metric, model, x, y, a_batch=ours.maps, explain_func=quantus_explain("gradient"))
    assert_close(ours.values, theirs)
    assert (ours.off_target != torch.tensor(y)).all()


def test_random_logit_takes_given_other_classes_and_they_make_it_batch_independent(cnn):
    model, x = cnn
    explainer = xw.Explainer(model)
    batch = xw.metrics.random_logit(explainer, x, "saliency", [0, 1, 2], off_target=[4, 4, 3])
    assert batch.off_target.tolist() == [4, 4, 3] and batch.values.shape == (3,)
    alone = xw.metrics.random_logit(explainer, x[2:], "saliency", 2, off_target=3)
    torch.testing.assert_close(alone.values, batch.values[2:])
    torch.testing.assert_close(batch.off_maps[2:], explainer.attribute(x[2:], "saliency", 3).values)


def test_randomisation_errors_come_before_any_work_and_say_what_to_do(cnn):
    model, x = cnn
    explainer = xw.Explainer(model)
    with pytest.raises(xw.UnknownMethodError, match="no method 'salience'"):
        xw.metrics.model_parameter_randomisation(explainer, x, "salience", 0)
    with pytest.raises(xw.ParameterError, match="has no parameter 'n_step'"):
        xw.metrics.model_parameter_randomisation(explainer, x, "integrated_gradients", 0, n_step=4)
    with pytest.raises(xw.ParameterError, match="similarity"):
        xw.metrics.random_logit(explainer, x, "gradient", 0, similarity="cosine")
    with pytest.raises(xw.ExplainerError, match="no layer with parameters"):
        xw.metrics.model_parameter_randomisation(xw.Explainer(torch.nn.Flatten()), x, "gradient", 0)
    with pytest.raises(xw.ModelOutputError, match="at least two outputs"):
        xw.metrics.random_logit(
            xw.Explainer(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(768, 1))), x, "gradient"
        )


def test_the_cascade_of_several_methods_equals_each_methods_own(cnn):
    model, x = cnn
    explainer = xw.Explainer(model)
    methods = {"saliency": {}, "integrated_gradients": {"n_steps": 4}, "grad_cam": {}}
    fractions = []
    together = xw.metrics.randomisation_cascade(explainer, x, methods, [0, 1, 2], progress=fractions.append)
    assert list(together) == list(methods)
    for method, params in methods.items():
        alone = xw.metrics.model_parameter_randomisation(explainer, x, method, [0, 1, 2], **params)
        assert together[method].layers == alone.layers
        assert torch.equal(together[method].maps, alone.maps)
        torch.testing.assert_close(together[method].similarity, alone.similarity, rtol=0, atol=0, equal_nan=True)
    assert fractions[-1] == pytest.approx(1.0) and fractions == sorted(fractions)


def test_the_cascade_of_several_methods_checks_them_before_copying(cnn):
    model, x = cnn
    with pytest.raises(xw.ExplainerError, match="nope"):
        xw.metrics.randomisation_cascade(xw.Explainer(model), x, ["saliency", "nope"])
    with pytest.raises(xw.ExplainerError, match="at least one method"):
        xw.metrics.randomisation_cascade(xw.Explainer(model), x, [])
