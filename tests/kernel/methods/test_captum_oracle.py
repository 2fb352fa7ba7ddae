"""The kernel against Captum (a test-only oracle) on the same model, inputs and parameters."""

import pytest
import torch
from captum.attr import (
    InputXGradient,
    IntegratedGradients,
    LayerAttribution,
    LayerGradCam,
    Occlusion,
    Saliency,
)

import xai_widgets as xw

from ..assertions import assert_matches
from ..models import OracleCNN, SequenceCNN, mlp

TARGETS = [0, 2, 4]


@pytest.fixture(scope="module")
def setup():
    model = OracleCNN().eval()
    torch.manual_seed(11)
    x = torch.rand(3, 3, 16, 16)
    return model, xw.Explainer(model), x


def test_gradient_matches_captum_signed_saliency(setup):
    model, explainer, x = setup
    ours = explainer.attribute(x, "gradient", target=TARGETS).values
    assert_matches(ours, Saliency(model).attribute(x, target=TARGETS, abs=False))


def test_saliency_matches_captum(setup):
    model, explainer, x = setup
    assert_matches(
        explainer.attribute(x, "saliency", target=TARGETS).values, Saliency(model).attribute(x, target=TARGETS)
    )


def test_grad_x_input_matches_captum(setup):
    model, explainer, x = setup
    ours = explainer.attribute(x, "grad_x_input", target=TARGETS).values
    assert_matches(ours, InputXGradient(model).attribute(x, target=TARGETS))


@pytest.mark.parametrize(
    "rule", ["gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"]
)
@pytest.mark.parametrize("baseline", ["zeros", 0.3, "tensor"])
def test_integrated_gradients_and_delta_match_captum(setup, rule, baseline):
    model, explainer, x = setup
    if baseline == "tensor":
        baseline = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(5))
    captum_baseline = 0.0 if baseline == "zeros" else baseline
    ours = explainer.attribute(x, "integrated_gradients", target=TARGETS, baseline=baseline, n_steps=20, rule=rule)
    reference, reference_delta = IntegratedGradients(model).attribute(
        x, baselines=captum_baseline, target=TARGETS, n_steps=20, method=rule, return_convergence_delta=True
    )
    if rule == "riemann_trapezoid":
        # Captum's trapezoid weighs its n points by 1/n (halved at the ends), which sums to
        # (n-1)/n instead of 1; ours uses the textbook 1/(n-1) and is exact on linear models
        # (test_analytic). Scaled by that factor, the two agree.
        assert_matches(ours.values * (19 / 20), reference)
        return
    assert_matches(ours.values, reference)
    torch.testing.assert_close(ours.delta, reference_delta.float(), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("window,stride", [(4, 2), (3, 2), (5, 5), ((6, 3), (3, 1))])
def test_occlusion_matches_captum(setup, window, stride):
    model, explainer, x = setup
    ours = explainer.attribute(x, "occlusion", target=TARGETS, window=window, stride=stride, baseline=0.0)
    windows = (window, window) if isinstance(window, int) else window
    strides = (stride, stride) if isinstance(stride, int) else stride
    reference = Occlusion(model).attribute(
        x,
        sliding_window_shapes=(3, *windows),
        strides=(3, *strides),
        baselines=0.0,
        target=TARGETS,
        perturbations_per_eval=64,
    )
    assert_matches(ours.values, reference)


def test_occlusion_of_tabular_input_matches_captum():
    model = mlp().eval()
    x = torch.randn(4, 6)
    ours = xw.Explainer(model).attribute(x, "occlusion", target=1, window=2, stride=1, baseline=0.5)
    reference = Occlusion(model).attribute(x, sliding_window_shapes=(2,), strides=1, baselines=0.5, target=1)
    assert_matches(ours.values, reference)


@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize("layer", [None, "block.conv2", "stem.0"])
def test_grad_cam_matches_captum_upsampled_bilinear(setup, relu, layer):
    model, explainer, x = setup
    ours = explainer.attribute(x, "grad_cam", target=TARGETS, layer=layer, relu=relu).values
    module = dict(model.named_modules())[layer or "down"]
    layer_map = LayerGradCam(model, module).attribute(x, target=TARGETS, relu_attributions=relu)
    reference = LayerAttribution.interpolate(layer_map, (16, 16), interpolate_mode="bilinear")
    assert ours.shape == (3, 1, 16, 16)
    assert_matches(ours, reference)


def test_grad_cam_on_sequences_matches_captum_linear_upsampling():
    model = SequenceCNN().eval()
    x = torch.rand(2, 4, 24)
    ours = xw.Explainer(model).attribute(x, "grad_cam", target=1, relu=False).values
    layer_map = LayerGradCam(model, model.conv).attribute(x, target=1)
    reference = LayerAttribution.interpolate(layer_map, (24,), interpolate_mode="linear")
    assert_matches(ours, reference)


def test_oracle_model_exercises_dropout_and_batchnorm_in_eval_mode(setup):
    # Eval mode matters: the explainer must see the same function Captum sees.
    model, explainer, x = setup
    model.train()
    try:
        ours = explainer.attribute(x, "gradient", target=TARGETS).values
    finally:
        model.eval()
    assert_matches(ours, Saliency(model).attribute(x, target=TARGETS, abs=False))
    assert not model.training
