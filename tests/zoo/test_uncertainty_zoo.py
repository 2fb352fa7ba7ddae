"""The uncertainty zoo: the noisy 1-D regression with a gap, its dropout, variance-head and ensemble
models, and the dropout shapes classifier with out-of-distribution images."""

import time

import pytest
import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.zoo import (
    OOD_KINDS,
    DropoutShapesCNN,
    load_dropout_shapes_model,
    make_noisy_regression,
    make_ood_images,
    make_shapes,
    train_dropout_mlp,
    train_gaussian_mlp,
    train_mlp_ensemble,
)
from xai_widgets.zoo.dropout_shapes import DROPOUT_SHAPES_WEIGHTS
from xai_widgets.zoo.regression1d import GAP, X_RANGE, noise_std, true_mean
from xai_widgets.zoo.train_shapes import accuracy

FRESH_SEED = 2024


@pytest.fixture(scope="module")
def data():
    return make_noisy_regression()


@pytest.fixture(scope="module")
def trained(data):
    """Each model with how long it took to train."""
    models = {}
    for name, train in [
        ("dropout", train_dropout_mlp),
        ("gaussian", train_gaussian_mlp),
        ("ensemble", train_mlp_ensemble),
    ]:
        started = time.perf_counter()
        models[name] = (train(data), time.perf_counter() - started)
    return models


def inside_and_gap(data):
    x = data.x_grid.flatten()
    gap = data.in_gap(data.x_grid)
    inside = ~gap & (x >= X_RANGE[0]) & (x <= X_RANGE[1])
    return inside, gap


def test_regression_data_is_reproducible_with_a_gap_and_the_stated_noise():
    data = make_noisy_regression(n_train=4000, seed=3)
    again = make_noisy_regression(n_train=4000, seed=3)
    assert torch.equal(data.x_train, again.x_train) and torch.equal(data.y_train, again.y_train)
    assert not data.in_gap(data.x_train).any() and not data.in_gap(data.x_test).any()
    assert data.x_train.min() >= X_RANGE[0] and data.x_train.max() <= X_RANGE[1]
    assert data.x_grid.min() < X_RANGE[0] and data.in_gap(data.x_grid).any()
    # Standardised residuals are unit normal: their std is 1 within sampling error (5/sqrt(2N)).
    residuals = (data.y_train - true_mean(data.x_train)) / noise_std(data.x_train)
    assert residuals.std().item() == pytest.approx(1.0, abs=5 / (2 * 4000) ** 0.5)
    assert noise_std(torch.tensor(X_RANGE[1])) > 5 * noise_std(torch.tensor(X_RANGE[0]))
    assert data.gap == GAP


def test_models_train_deterministically_in_seconds_and_fit_the_truth(data, trained):
    for name, (model, seconds) in trained.items():
        assert seconds < 20, f"{name} took {seconds:.1f} s to train"  # ~1 s on an idle 2-core CPU
        assert not model.training
        task = "gaussian" if name == "gaussian" else "regression"
        prediction = xw.Explainer(model, task=task).predict(data.x_test)
        assert (prediction - true_mean(data.x_test)).square().mean().sqrt() < 0.1, name
    again = train_dropout_mlp(data)
    assert all(
        torch.equal(a, b)
        for a, b in zip(again.state_dict().values(), trained["dropout"][0].state_dict().values(), strict=True)
    )


def test_epistemic_std_is_larger_in_the_gap_than_inside_the_data(data, trained):
    inside, gap = inside_and_gap(data)
    for name, method in [("dropout", "mc_dropout"), ("ensemble", "ensemble")]:
        result = xw.Explainer(trained[name][0]).predict_uncertainty(data.x_grid, method=method, n_samples=100, seed=0)
        assert result.std[gap].mean() > 1.3 * result.std[inside].mean(), name


def test_variance_head_learns_the_noise_and_covers_the_errors(data, trained):
    model = trained["gaussian"][0]
    explainer = xw.Explainer(model, task="gaussian")
    inside, _ = inside_and_gap(data)
    grid = explainer.predict_uncertainty(data.x_grid, n_samples=50, seed=0)
    ratio = grid.aleatoric[inside, 0] / noise_std(data.x_grid[inside, 0])
    assert (ratio - 1).abs().median() < 0.25
    test = explainer.predict_uncertainty(data.x_test, n_samples=50, seed=0)
    coverage = xw.performance.coverage(test.mean - data.y_test, test.total).item()
    assert 0.88 <= coverage <= 1.0  # 0.95 expected at 2 sigma


def test_ensemble_has_five_small_members(trained):
    ensemble = trained["ensemble"][0]
    assert isinstance(ensemble, xw.Ensemble) and len(ensemble) == 5
    assert not any(isinstance(m, nn.Dropout) for m in ensemble.modules())


def test_dropout_shapes_model_is_shipped_small_and_accurate():
    assert DROPOUT_SHAPES_WEIGHTS.stat().st_size < 300_000
    model = load_dropout_shapes_model()
    assert isinstance(model, DropoutShapesCNN) and not model.training
    names = dict(model.named_modules())
    assert isinstance(names["features.drop3"], nn.Dropout2d) and isinstance(names["dropout"], nn.Dropout)
    test = make_shapes(400, seed=FRESH_SEED)
    assert accuracy(model, test.images, test.labels) >= 0.95


def test_ood_images_are_reproducible_and_of_every_kind():
    images = make_ood_images(12, seed=1)
    assert torch.equal(images.images, make_ood_images(12, seed=1).images)
    assert images.images.shape == (12, 3, 64, 64) and images.images.min() >= 0 and images.images.max() <= 1
    assert images.kinds.tolist() == list(range(len(OOD_KINDS))) * 2
    with pytest.raises(ValueError, match="kinds"):
        make_ood_images(2, kinds=("dragon",))


def test_ood_images_are_more_uncertain_than_test_images():
    explainer = xw.Explainer(load_dropout_shapes_model())
    kinds = ("noise", "blank", "crescent", "l_shape")
    test = explainer.predict_uncertainty(make_shapes(24, seed=FRESH_SEED).images, n_samples=16, seed=0)
    ood = make_ood_images(24, seed=0, kinds=kinds)
    result = explainer.predict_uncertainty(ood.images, n_samples=16, seed=0)
    for name in kinds:
        chosen = ood.kinds == OOD_KINDS.index(name)
        assert result.entropy[chosen].mean() > 2 * test.entropy.mean(), name
