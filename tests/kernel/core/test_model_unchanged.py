"""Every method, and every error, leaves the user's model exactly as it was."""

import pytest
import torch

import xai_widgets as xw

from ..assertions import assert_same, snapshot

METHOD_PARAMS = {
    "gradient": {},
    "saliency": {},
    "grad_x_input": {},
    "smoothgrad": {"n_samples": 3},
    "integrated_gradients": {"n_steps": 4},
    "occlusion": {"window": 8, "stride": 8},
    "grad_cam": {},
    "grad_cam_plus_plus": {},
    "xgrad_cam": {},
    "hires_cam": {},
    "layer_cam": {},
    "score_cam": {},
    "ablation_cam": {},
    "eigen_cam": {"relu": False},
    "deeplift": {},
    "lrp": {"composite": "epsilon_gamma_box"},
    "guided_backprop": {},
    "deconvnet": {},
    "lime": {"n_samples": 16},
    "kernel_shap": {"n_samples": 16},
    "in_silico_mutagenesis": {},
}
# Methods for one-hot sequences (N, A, L): checked on a sequence model below, not the image model.
SEQUENCE_METHODS = {"in_silico_mutagenesis"}


@pytest.mark.parametrize("method", sorted(set(METHOD_PARAMS) - SEQUENCE_METHODS))
def test_model_unchanged_after_each_method(user_model, method):
    before = snapshot(user_model)
    xw.Explainer(user_model).attribute(torch.rand(2, 3, 16, 16), method, target=1, **METHOD_PARAMS[method])
    assert_same(before, snapshot(user_model))


@pytest.mark.parametrize("method", sorted(SEQUENCE_METHODS))
def test_sequence_model_unchanged_after_each_sequence_method(method):
    nn = torch.nn
    model = nn.Sequential(nn.Conv1d(4, 3, 5), nn.BatchNorm1d(3), nn.Dropout(0.5), nn.Flatten(), nn.LazyLinear(2))
    model(torch.rand(2, 4, 12))  # materialise the lazy layer; the model stays in train mode
    model[0].weight.requires_grad_(False)
    model[4].register_forward_hook(lambda module, inputs, output: None)
    before = snapshot(model)
    x = xw.one_hot(["ACGTACGTACGT", "TTTTGGGGCCCC"])
    xw.Explainer(model).attribute(x, method, target=1, **METHOD_PARAMS[method])
    assert_same(before, snapshot(model))


BAD_CALLS = {
    "nan input": dict(x=torch.full((1, 3, 16, 16), float("nan")), method="gradient"),
    "wrong shape": dict(x=torch.rand(1, 5, 16, 16), method="integrated_gradients"),
    "target out of range": dict(x=torch.rand(1, 3, 16, 16), method="occlusion", target=9),
    "unknown layer": dict(x=torch.rand(1, 3, 16, 16), method="grad_cam", layer="no.such.layer"),
    "bad parameter": dict(x=torch.rand(1, 3, 16, 16), method="smoothgrad", n_samples=0),
    "window too large": dict(x=torch.rand(1, 3, 16, 16), method="occlusion", window=40),
    "unknown composite": dict(x=torch.rand(1, 3, 16, 16), method="lrp", composite="zplus"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_model_unchanged_after_each_error(user_model, case):
    before = snapshot(user_model)
    call = dict(BAD_CALLS[case])
    with pytest.raises(xw.ExplainerError):
        xw.Explainer(user_model).attribute(call.pop("x"), call.pop("method"), **call)
    assert_same(before, snapshot(user_model))


def test_model_unchanged_when_the_model_itself_raises_mid_method(user_model):
    calls = {"n": 0}

    def fail_on_third_call(module, inputs, output):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom inside the model")

    handle = user_model.fc.register_forward_hook(fail_on_third_call)
    before = snapshot(user_model)
    with pytest.raises(xw.ExplainerError, match="boom"):
        xw.Explainer(user_model, memory_budget=1).attribute(torch.rand(1, 3, 16, 16), "integrated_gradients", n_steps=4)
    assert_same(before, snapshot(user_model))
    handle.remove()


def test_predict_leaves_model_unchanged(user_model):
    before = snapshot(user_model)
    xw.Explainer(user_model).predict(torch.rand(3, 3, 16, 16))
    assert_same(before, snapshot(user_model))


def test_every_registered_method_is_checked_for_leaving_the_model_unchanged():
    assert set(xw.methods()) == set(METHOD_PARAMS), "add each new method to METHOD_PARAMS with quick parameters"
