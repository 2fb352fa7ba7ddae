"""The bundled tabular data sets load standardised, and the demo MLP learns them."""

import pytest
import torch

from xai_widgets.zoo import TABULAR_DATA_SETS, load_tabular, train_tabular_mlp


@pytest.mark.parametrize("name", TABULAR_DATA_SETS)
def test_data_sets_are_standardised_with_names(name):
    data = load_tabular(name)
    assert data.X.dtype == torch.float32 and data.X.shape[1] == len(data.feature_names)
    torch.testing.assert_close(data.X.mean(0), torch.zeros(data.X.shape[1]), atol=1e-4, rtol=0)
    torch.testing.assert_close(data.X.std(0), torch.ones(data.X.shape[1]), atol=1e-4, rtol=0)
    # mean and std give back the raw units
    raw = data.X * data.std + data.mean
    assert torch.isfinite(raw).all() and (raw.std(0) > 0).all()
    assert all(isinstance(name, str) for name in data.feature_names)
    assert len(data) == data.y.shape[0]


def test_diabetes_is_regression_and_wine_classification():
    diabetes, wine = load_tabular("diabetes"), load_tabular("wine")
    assert diabetes.task == "regression" and diabetes.n_outputs == 1 and diabetes.y.dtype == torch.float32
    assert wine.task == "classification" and wine.n_outputs == 3 and wine.y.dtype == torch.int64


def test_mlp_learns_better_than_chance_and_is_reproducible():
    wine = load_tabular("wine")
    model = train_tabular_mlp(wine, epochs=60)
    assert not model.training
    accuracy = (model(wine.X).argmax(1) == wine.y).float().mean().item()
    assert accuracy > 0.9
    again = train_tabular_mlp(wine, epochs=60)
    torch.testing.assert_close(model(wine.X), again(wine.X))
    diabetes = load_tabular("diabetes")
    fitted = train_tabular_mlp(diabetes, epochs=60)
    assert ((fitted(diabetes.X)[:, 0] - diabetes.y) ** 2).mean() < 0.7  # variance of y is 1


def test_unknown_data_set_is_named():
    with pytest.raises(ValueError, match="iris"):
        load_tabular("iris")
