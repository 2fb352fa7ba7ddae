"""Activation function curves (against their formulas), the model's activation layers, and the
histogram of pre-activation values."""

import numpy as np
import pytest
import torch
from torch import nn

import xai_widgets as xw

from ..assertions import assert_same, snapshot
from ..models import OracleCNN

CURVES = {
    "ReLU": (nn.ReLU(inplace=True), lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    "Tanh": (nn.Tanh(), np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "Sigmoid": (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    "Softplus": (nn.Softplus(), lambda x: np.log1p(np.exp(x)), lambda x: 1 / (1 + np.exp(-x))),
    "ELU": (nn.ELU(), lambda x: np.where(x > 0, x, np.expm1(x)), lambda x: np.where(x > 0, 1.0, np.exp(x))),
    "LeakyReLU": (nn.LeakyReLU(0.1), lambda x: np.where(x > 0, x, 0.1 * x), lambda x: np.where(x > 0, 1.0, 0.1)),
    "SiLU": (
        nn.SiLU(),
        lambda x: x / (1 + np.exp(-x)),
        lambda x: (1 + np.exp(-x) + x * np.exp(-x)) / (1 + np.exp(-x)) ** 2,
    ),
}


@pytest.mark.parametrize("name", sorted(CURVES))
def test_curves_and_slopes_match_their_formulas(name):
    module, formula, slope = CURVES[name]
    curve = xw.activation_function_curve(module, range=(-3.0, 3.0), n=60)  # n even: x never hits 0
    assert curve.name == name and curve.x[0] == -3.0 and curve.x[-1] == 3.0 and curve.x.shape == (60,)
    np.testing.assert_allclose(curve.y, formula(curve.x), atol=1e-5)
    np.testing.assert_allclose(curve.slope, slope(curve.x), atol=1e-4)


def test_gelu_prelu_and_the_users_own():
    gelu = xw.activation_function_curve(nn.GELU(), n=9)
    np.testing.assert_allclose(gelu.y, torch.nn.functional.gelu(torch.tensor(gelu.x)).numpy(), atol=1e-6)

    class Square(nn.Module):
        def forward(self, x):
            return x * x

    square = xw.activation_function_curve(Square(), range=(-2, 2), n=5)
    np.testing.assert_allclose(square.slope, 2 * square.x, atol=1e-6)
    prelu = nn.PReLU(init=0.2)
    prelu.train()
    before = snapshot(prelu)
    np.testing.assert_allclose(xw.activation_function_curve(prelu, n=3).y, [-0.8, 0.0, 4.0], atol=1e-6)
    assert_same(before, snapshot(prelu))
    assert xw.activation_function_curve(torch.tanh).name == "tanh"


def test_non_elementwise_modules_and_bad_arguments_raise():
    with pytest.raises(xw.ExplainerError, match="not an elementwise"):
        xw.activation_function_curve(nn.Softmax(dim=-1))
    with pytest.raises(xw.ExplainerError, match="elementwise"):
        xw.activation_function_curve(nn.Linear(3, 3))
    with pytest.raises(xw.ParameterError, match="range"):
        xw.activation_function_curve(nn.ReLU(), range=(1, -1))
    with pytest.raises(xw.ParameterError, match="n must"):
        xw.activation_function_curve(nn.ReLU(), n=1)


def test_activation_layers_and_preactivation_histogram(user_model):
    assert xw.activation_layer_names(user_model) == ["stem.2", "block.relu", "relu"]
    before = snapshot(user_model)
    explainer = xw.Explainer(user_model)
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    hist = xw.preactivation_histogram(explainer, x, "relu", bins=20)
    user_model.eval()
    expected = user_model.down(user_model.block(user_model.stem(x))).detach().flatten().double().numpy()
    user_model.train()
    assert hist.layer == "relu" and hist.n_values == expected.size == hist.counts.sum()
    np.testing.assert_allclose([hist.minimum, hist.maximum], [expected.min(), expected.max()], rtol=1e-5)
    counts, _ = np.histogram(expected, bins=20, range=(hist.edges[0], hist.edges[-1]))
    np.testing.assert_array_equal(hist.counts, counts)
    aligned = xw.preactivation_histogram(explainer, x, user_model.relu, bins=8, range=(-0.1, 0.1))
    assert aligned.edges[0] == -0.1 and aligned.counts.sum() + aligned.below + aligned.above == expected.size
    assert aligned.below == int((expected < -0.1).sum())
    assert_same(before, snapshot(user_model))
    with pytest.raises(xw.ExplainerError, match="runs 2 times"):
        xw.preactivation_histogram(explainer, x, "block.relu")
    with pytest.raises(xw.LayerNotFoundError):
        xw.preactivation_histogram(explainer, x, "relu9")


def test_stem_histogram_sees_batchnorm_output_before_the_in_place_relu():
    model = OracleCNN().eval()
    x = torch.rand(1, 3, 16, 16)
    hist = xw.preactivation_histogram(xw.Explainer(model), x, "stem.2")
    assert hist.minimum < 0  # the values entering the ReLU, not what it leaves behind
