"""Reading weights: a linear model's weights per feature, top-k, correlated pairs, layer arrays."""

import numpy as np
import pytest
import torch
from torch import nn

from xai_widgets.kernel.core.errors import ExplainerError, InputError, LayerNotFoundError
from xai_widgets.kernel.probes.weights import (
    correlated_features,
    layer_weight_view,
    layer_weights,
    linear_weights,
    top_k_weights,
    weighted_layer_names,
)

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


def test_layer_weights_reads_every_parameterised_layer():
    model = nn.Sequential(nn.Embedding(5, 3), nn.LayerNorm(3), nn.MultiheadAttention(3, 1), nn.BatchNorm1d(3))
    assert layer_weights(model, "0").shape == (5, 3)
    np.testing.assert_array_equal(layer_weights(model, "3"), model[3].weight.detach().numpy())
    assert layer_weights(model, "2", parameter="in_proj_weight").shape == (9, 3)
    with pytest.raises(ExplainerError, match="in_proj_weight"):
        layer_weights(model, "2")
    assert weighted_layer_names(model) == ["0", "1", "2", "2.out_proj", "3"]


def test_weight_view_of_a_linear_layer_reorders_rows_and_columns():
    layer = linear_with([[0.1, 3.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, -5.0], [1.0, 1.0, 0.0]], bias=0.5)
    model = nn.Sequential(layer)
    plain = layer_weight_view(model, "0")
    assert plain.kind == "matrix" and plain.tiles is None and plain.order is None
    np.testing.assert_array_equal(plain.matrix, layer.weight.detach().numpy())
    by_norm = layer_weight_view(model, "0", order="norm")
    assert by_norm.row_order.tolist() == [2, 0, 1, 3]  # norms 5, 3.0017, 2, 1.41
    assert by_norm.column_order.tolist() == [2, 1, 0]  # norms 5, 3.16, 2.24
    np.testing.assert_array_equal(by_norm.matrix, plain.matrix[by_norm.row_order][:, by_norm.column_order])
    np.testing.assert_array_equal(by_norm.bias, np.full(4, 0.5, dtype=np.float32))
    with pytest.raises(ExplainerError, match="order"):
        layer_weight_view(model, "0", order="random")


def test_weight_view_clustering_puts_similar_rows_together():
    generator = np.random.default_rng(0)
    a, b = generator.normal(size=8), generator.normal(size=8)
    rows = [a, b, a + 0.01, b + 0.01, a - 0.01, b - 0.01]
    model = nn.Sequential(linear_with(np.array(rows, dtype=np.float32).tolist()))
    order = layer_weight_view(model, "0", order="cluster").row_order.tolist()
    assert sorted(order) == list(range(6))
    groups = ["a" if i % 2 == 0 else "b" for i in order]
    assert groups in (["a"] * 3 + ["b"] * 3, ["b"] * 3 + ["a"] * 3)


def test_weight_view_of_conv_layers_as_tiles_and_vectors_as_a_row():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Conv1d(4, 2, 5), nn.Conv3d(2, 2, 3))
    conv = layer_weight_view(model, "0", order="norm")
    assert conv.kind == "tiles" and conv.tiles.shape == (4, 3, 3, 3) and conv.matrix.shape == (4, 3)
    kernels = model[0].weight.detach().numpy()[conv.row_order][:, conv.column_order]
    np.testing.assert_allclose(conv.tiles, kernels)
    np.testing.assert_allclose(conv.matrix, np.sqrt((kernels**2).sum((2, 3))), rtol=1e-6)
    assert np.all(np.diff(np.linalg.norm(conv.tiles.reshape(4, -1), axis=1)) <= 0)
    assert layer_weight_view(model, "2").tiles.shape == (2, 4, 1, 5)
    assert layer_weight_view(model, "3").tiles.shape == (2, 2, 3, 3)  # the middle depth slice
    vector = layer_weight_view(model, "1")
    assert vector.kind == "vector" and vector.matrix.shape == (1, 4)
