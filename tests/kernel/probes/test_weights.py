"""Reading weights: a linear model's weights per feature, top-k, correlated pairs, layer arrays."""

import numpy as np
import pytest
import torch
from torch import nn

from xai_widgets.kernel.core.errors import ExplainerError, InputError, LayerNotFoundError
from xai_widgets.kernel.probes.weights import correlated_features, layer_weights, linear_weights, top_k_weights

NAMES = ["a", "b", "c", "d"]


def linear_with(weights, bias=0.0):
    layer = nn.Linear(len(weights[0]), len(weights))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weights))
        layer.bias.fill_(bias)
    return layer


def test_linear_weights_are_read_and_sorted_most_positive_first():
    weights = linear_weights(linear_with([[0.5, -2.0, 1.5, 0.1]]), NAMES)
    assert [fw.name for fw in weights] == ["c", "a", "d", "b"]
    assert [fw.index for fw in weights] == [2, 0, 3, 1]
    assert [fw.weight for fw in weights] == pytest.approx([1.5, 0.5, 0.1, -2.0])


def test_a_model_whose_only_weighted_layer_is_linear_counts_as_linear():
    layer = linear_with([[1.0, 2.0], [3.0, -4.0]])
    model = nn.Sequential(nn.Dropout(0.1), layer, nn.Identity())
    weights = linear_weights(model, output=1)
    assert [(fw.name, fw.weight) for fw in weights] == [("x0", 3.0), ("x1", -4.0)]


def test_top_k_is_by_absolute_value():
    top = top_k_weights(linear_with([[0.5, -2.0, 1.5, 0.1]]), NAMES, k=2)
    assert [(fw.name, fw.weight) for fw in top] == [("b", -2.0), ("c", 1.5)]
    assert len(top_k_weights(linear_with([[0.5, -2.0, 1.5, 0.1]]), k=10)) == 4


def test_non_linear_models_and_bad_arguments_raise_clear_errors():
    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    with pytest.raises(ExplainerError, match="layer="):
        linear_weights(mlp)
    with pytest.raises(ExplainerError, match="linear model"):
        linear_weights(nn.Conv2d(1, 1, 3))
    with pytest.raises(ExplainerError, match="out of range"):
        linear_weights(linear_with([[1.0, 2.0]]), output=1)
    with pytest.raises(InputError, match="3 feature names for 4"):
        linear_weights(linear_with([[1.0, 2.0, 3.0, 4.0]]), NAMES[:3])
    with pytest.raises(ExplainerError, match="at least 1"):
        top_k_weights(linear_with([[1.0, 2.0]]), k=0)


def test_correlated_pairs_on_a_constructed_data_set():
    generator = np.random.default_rng(0)
    a = generator.normal(size=500)
    b = 2.0 * a + 0.05 * generator.normal(size=500)  # corr ~ +1
    c = generator.normal(size=500)  # independent
    d = -a + 0.3 * generator.normal(size=500)  # corr ~ -0.96 with a
    X = torch.tensor(np.stack([a, b, c, d], axis=1), dtype=torch.float32)
    pairs = correlated_features(X, NAMES, threshold=0.9)
    assert {(p[0], p[1]) for p in pairs} == {("a", "b"), ("a", "d"), ("b", "d")}  # never c
    assert [abs(p[2]) for p in pairs] == sorted((abs(p[2]) for p in pairs), reverse=True)
    assert pairs[0][2] > 0.99 and all(abs(corr) > 0.9 for *_, corr in pairs)
    assert {(p[0], p[1]): p[2] for p in pairs}[("a", "d")] < -0.9
    np.testing.assert_allclose(pairs[0][2], np.corrcoef(a, b)[0, 1], rtol=1e-5)
    assert correlated_features(X, NAMES, threshold=0.9999) == []


def test_a_constant_column_is_correlated_with_nothing():
    X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    assert correlated_features(X, threshold=0.0) == []
    with pytest.raises(InputError):
        correlated_features(np.ones(4))


def test_layer_weights_for_linear_and_conv_by_name_or_module():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(16, 2))
    conv = layer_weights(model, "0")
    assert conv.shape == (4, 3, 3, 3) and conv.dtype == np.float32
    np.testing.assert_array_equal(conv, model[0].weight.detach().numpy())
    linear = layer_weights(model, model[3])
    assert linear.shape == (2, 16)
    np.testing.assert_array_equal(linear, model[3].weight.detach().numpy())
    linear[0, 0] = 99.0  # a copy: the model is untouched
    assert model[3].weight[0, 0].item() != 99.0


def test_layer_weights_errors():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    with pytest.raises(LayerNotFoundError):
        layer_weights(model, "fc")
    with pytest.raises(LayerNotFoundError):
        layer_weights(model, nn.Linear(2, 2))
    with pytest.raises(ExplainerError, match="ReLU"):
        layer_weights(model, "1")
