"""Every uncertainty call, and every error, leaves the user's model exactly as it was."""

import pytest
import torch

import xai_widgets as xw

from ..assertions import assert_same, snapshot

X = torch.rand(2, 3, 16, 16)

CALLS = {
    "mc dropout": lambda ex: ex.predict_uncertainty(X, n_samples=4, seed=0),
    "mc dropout, one input per pass": lambda ex: xw.Explainer(ex.model, memory_budget=1).predict_uncertainty(
        X, n_samples=3
    ),
    "std by gradient": lambda ex: ex.attribute(X, "gradient", target=1, of=xw.UncertaintyOf("std", n_samples=4)),
    "entropy by integrated gradients": lambda ex: ex.attribute(
        X, "integrated_gradients", of=xw.UncertaintyOf("entropy", n_samples=3), n_steps=4
    ),
    "entropy by occlusion": lambda ex: ex.attribute(
        X, "occlusion", of=xw.UncertaintyOf("entropy", n_samples=3), window=8, stride=8
    ),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_model_unchanged_after_each_call(user_model, call):
    before = snapshot(user_model)
    CALLS[call](xw.Explainer(user_model))
    assert_same(before, snapshot(user_model))


BAD_CALLS = {
    "nan input": lambda ex: ex.predict_uncertainty(torch.full((1, 3, 16, 16), float("nan"))),
    "wrong shape": lambda ex: ex.predict_uncertainty(torch.rand(1, 5, 16, 16)),
    "bad n_samples": lambda ex: ex.predict_uncertainty(X, n_samples=0),
    "not an ensemble": lambda ex: ex.predict_uncertainty(X, method="ensemble"),
    "entropy of a regression": lambda ex: xw.Explainer(ex.model, task="regression").attribute(X, of="entropy"),
    "a CAM of the std": lambda ex: ex.attribute(X, "grad_cam", of="std"),
    "target out of range": lambda ex: ex.attribute(X, "gradient", target=9, of="std"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_model_unchanged_after_each_error(user_model, case):
    before = snapshot(user_model)
    with pytest.raises(xw.ExplainerError):
        BAD_CALLS[case](xw.Explainer(user_model))
    assert_same(before, snapshot(user_model))


@pytest.mark.parametrize("call", ["predict", "attribute"])
def test_model_unchanged_when_the_model_itself_raises_mid_call(user_model, call):
    calls = {"n": 0}

    def fail_on_third_call(module, inputs, output):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom inside the model")

    handle = user_model.fc.register_forward_hook(fail_on_third_call)
    before = snapshot(user_model)
    explainer = xw.Explainer(user_model, memory_budget=1)
    with pytest.raises(xw.ExplainerError, match="boom"):
        if call == "predict":
            explainer.predict_uncertainty(X, n_samples=4)
        else:
            explainer.attribute(X, "smoothgrad", of=xw.UncertaintyOf("std", n_samples=3), n_samples=4)
    assert_same(before, snapshot(user_model))
    handle.remove()
