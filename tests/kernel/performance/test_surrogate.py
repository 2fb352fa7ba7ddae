"""Global surrogates: a tree or a sparse linear model fitted to the network's predictions."""

import numpy as np
import pytest
import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel import InputError, ParameterError


class Threshold(nn.Module):
    """Class 1 exactly when feature 1 > 0.5: a depth-1 tree is a perfect surrogate."""

    def forward(self, x):
        score = (x[:, 1:2] - 0.5) * 50.0
        return torch.cat([-score, score], dim=1)


def data(n=400, seed=0):
    return torch.as_tensor(np.random.default_rng(seed).random((n, 3)), dtype=torch.float32)


def test_tree_surrogate_finds_the_rule_and_is_faithful():
    surrogate = xw.global_surrogate(xw.Explainer(Threshold()), data(), max_depth=2, feature_names=["a", "b", "c"])
    assert surrogate.fidelity == 1.0 and surrogate.holdout_fidelity >= 0.97  # between fitted samples
    assert surrogate.tree.tree_.feature[0] == 1
    assert abs(surrogate.tree.tree_.threshold[0] - 0.5) < 0.02
    assert "IF b <= 0.5" in surrogate.rules and "THEN 0" in surrogate.rules
    assert surrogate.leaves is not None and surrogate.leaves.shape == (400,)
    assert len(surrogate.fit_index) == 300 and len(surrogate.holdout_index) == 100


def test_leaf_paths_match_the_samples_in_each_leaf():
    X = data()
    surrogate = xw.global_surrogate(xw.Explainer(Threshold()), X, max_depth=3)
    for leaf, conditions in xw.performance.tree_paths(surrogate.tree).items():
        inside = np.ones(len(X), bool)
        for feature, op, threshold in conditions:
            column = X[:, feature].numpy()
            inside &= column <= threshold if op == "<=" else column > threshold
        np.testing.assert_array_equal(inside, surrogate.leaves == leaf)


def test_linear_surrogate_uses_the_deciding_feature_most():
    surrogate = xw.global_surrogate(xw.Explainer(Threshold()), data(), kind="linear", feature_names=["a", "b", "c"])
    assert surrogate.fidelity > 0.95
    weights = surrogate.model[-1].coef_[0]
    assert np.argmax(np.abs(weights)) == 1
    assert "z(b)" in surrogate.rules.splitlines()[0]


def test_regression_fidelity_is_r_squared():
    model = nn.Linear(3, 1)
    surrogate = xw.global_surrogate(xw.Explainer(model, task="regression"), data(), kind="linear", holdout=0.0)
    assert surrogate.fidelity > 0.99 and np.isnan(surrogate.holdout_fidelity)
    assert surrogate.class_names is None and surrogate.rules.startswith("output =")


def test_errors():
    explainer = xw.Explainer(Threshold())
    with pytest.raises(ParameterError, match="kind"):
        xw.global_surrogate(explainer, data(), kind="forest")
    with pytest.raises(InputError, match=r"\(N, features\)"):
        xw.global_surrogate(explainer, torch.zeros(4, 1, 2, 2))
    with pytest.raises(InputError, match="feature_names"):
        xw.global_surrogate(explainer, data(), feature_names=["a"])
