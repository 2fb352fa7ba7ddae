"""Bad input gets an ExplainerError that says what was wrong and what to do."""

import numpy as np
import pytest
import torch
from torch import nn

import xai_widgets as xw

from ..models import ReluCNN, linear_model


@pytest.fixture(scope="module")
def explainer():
    return xw.Explainer(ReluCNN())


def test_single_image_without_batch_dim_says_to_unsqueeze(explainer):
    with pytest.raises(xw.InputError, match="unsqueeze"):
        explainer.attribute(torch.rand(12), "gradient")


def test_wrong_channel_count_says_what_shape_was_given(explainer):
    with pytest.raises(xw.InputError, match=r"\(2, 1, 12, 12\)"):
        explainer.attribute(torch.rand(2, 1, 12, 12), "saliency")


def test_wrong_rank_is_reported_for_a_missing_batch_dim(explainer):
    with pytest.raises(xw.InputError, match="shape"):
        explainer.attribute(torch.rand(3, 12, 12), "gradient")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_or_inf_input_is_refused_naming_the_samples(explainer, bad):
    x = torch.rand(3, 3, 12, 12)
    x[1, 0, 2, 2] = bad
    with pytest.raises(xw.InputError, match=r"NaN or inf.*\[1\]"):
        explainer.attribute(x, "integrated_gradients")


def test_integer_input_is_refused(explainer):
    with pytest.raises(xw.InputError, match="floating point"):
        explainer.attribute(torch.ones(1, 3, 12, 12, dtype=torch.long), "gradient")


def test_numpy_input_is_accepted(explainer):
    result = explainer.attribute(np.random.default_rng(0).random((1, 3, 12, 12), dtype=np.float32), "gradient")
    assert result.values.shape == (1, 3, 12, 12)


@pytest.mark.parametrize("target", [5, -1, [0, 7]])
def test_target_out_of_range_says_the_valid_range(explainer, target):
    with pytest.raises(xw.TargetError, match=r"0\.\.4"):
        explainer.attribute(torch.rand(2, 3, 12, 12), "gradient", target=target)


def test_target_count_must_match_batch(explainer):
    with pytest.raises(xw.TargetError, match="3 entries for a batch of 2"):
        explainer.attribute(torch.rand(2, 3, 12, 12), "gradient", target=[0, 1, 2])


def test_unknown_layer_suggests_close_names(explainer):
    with pytest.raises(xw.LayerNotFoundError, match="features.2"):
        explainer.attribute(torch.rand(1, 3, 12, 12), "grad_cam", layer="features.22")


def test_unknown_method_lists_the_available_ones(explainer):
    with pytest.raises(xw.UnknownMethodError, match="integrated_gradients"):
        explainer.attribute(torch.rand(1, 3, 12, 12), "integrated_gradient")


def test_unknown_parameter_lists_the_valid_ones(explainer):
    with pytest.raises(xw.ParameterError, match="n_steps"):
        explainer.attribute(torch.rand(1, 3, 12, 12), "integrated_gradients", steps=10)


@pytest.mark.parametrize(
    "params,match",
    [
        ({"n_steps": 0}, "at least 1"),
        ({"rule": "simpson"}, "one of"),
        ({"baseline": "noise"}, "zeros"),
        ({"baseline": torch.zeros(2, 2)}, "does not fit"),
    ],
)
def test_bad_parameter_values_explain_what_is_allowed(explainer, params, match):
    with pytest.raises(xw.ParameterError, match=match):
        explainer.attribute(torch.rand(1, 3, 12, 12), "integrated_gradients", **params)


def test_occlusion_stride_larger_than_window_is_refused(explainer):
    with pytest.raises(xw.ParameterError, match="stride"):
        explainer.attribute(torch.rand(1, 3, 12, 12), "occlusion", window=2, stride=3)


def test_blur_baseline_on_tabular_input_explains_why(explainer):
    with pytest.raises(xw.ParameterError, match="tabular"):
        xw.Explainer(linear_model()).attribute(torch.rand(2, 6), "integrated_gradients", baseline="blur")


class Detached(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = linear_model()

    def forward(self, x):
        return self.linear(x.detach().round())


def test_non_differentiable_model_is_reported_and_occlusion_still_works():
    explainer = xw.Explainer(Detached())
    x = torch.rand(2, 6)
    for method in ("gradient", "integrated_gradients", "smoothgrad"):
        with pytest.raises(xw.NotDifferentiableError, match="occlusion"):
            explainer.attribute(x, method)
    assert explainer.attribute(x, "occlusion").values.shape == (2, 6)


def test_grad_cam_on_a_model_without_convolutions_explains(explainer):
    with pytest.raises(xw.LayerNotFoundError, match="no Conv"):
        xw.Explainer(linear_model()).attribute(torch.rand(2, 6), "grad_cam")


def test_model_returning_a_dict_is_refused_with_advice():
    class DictModel(nn.Module):
        def forward(self, x):
            return {"out": x.sum(1)}

    with pytest.raises(xw.ModelOutputError, match="wrap"):
        xw.Explainer(DictModel()).attribute(torch.rand(2, 3), "gradient")


def test_explainer_keeps_working_after_an_error(explainer):
    with pytest.raises(xw.ExplainerError):
        explainer.attribute(torch.rand(1, 3, 12, 12), "gradient", target=99)
    assert explainer.attribute(torch.rand(1, 3, 12, 12), "gradient").values.shape == (1, 3, 12, 12)


def test_every_method_has_a_documented_spec():
    specs = xw.methods()
    assert list(specs) == [
        "gradient",
        "saliency",
        "grad_x_input",
        "smoothgrad",
        "integrated_gradients",
        "deeplift",
        "lrp",
        "guided_backprop",
        "deconvnet",
        "occlusion",
        "in_silico_mutagenesis",
        "lime",
        "kernel_shap",
        "grad_cam",
        "grad_cam_plus_plus",
        "xgrad_cam",
        "hires_cam",
        "layer_cam",
        "score_cam",
        "ablation_cam",
        "eigen_cam",
    ]
    for spec in specs.values():
        assert spec.doc and spec.family
        for param in spec.params:
            assert param.help


def test_progress_reports_each_pass_and_can_stop_the_call():
    model = ReluCNN()
    seen = []
    xw.Explainer(model, memory_budget=1).attribute(
        torch.rand(1, 3, 12, 12), "integrated_gradients", n_steps=4, progress=seen.append
    )
    assert seen == [0.25, 0.5, 0.75, 1.0]

    class Stop(Exception):
        pass

    def stop(fraction):
        raise Stop

    with pytest.raises(Stop):
        xw.Explainer(model, memory_budget=1).attribute(torch.rand(1, 3, 12, 12), "occlusion", progress=stop)
    assert all(p.requires_grad for p in model.parameters())


def test_signedness_follows_the_parameters_that_decide_it():
    explainer = xw.Explainer(ReluCNN())
    x = torch.rand(1, 3, 12, 12)
    assert not explainer.attribute(x, "grad_cam").signed
    assert explainer.attribute(x, "grad_cam", relu=False).signed
    assert explainer.attribute(x, "smoothgrad", n_samples=2).signed
    assert not explainer.attribute(x, "smoothgrad", n_samples=2, variant="vargrad").signed
    assert not explainer.attribute(x, "saliency").signed
