"""The kernel against analytic truth on models whose attributions are known in closed form."""

import pytest
import torch

import xai_widgets as xw

from ..models import FlatLinear, ReluCNN, SequenceCNN, linear_model, mlp


@pytest.fixture
def tabular():
    torch.manual_seed(1)
    model = linear_model()
    return model, xw.Explainer(model), torch.randn(5, 6)


def weight_row(model, target):
    return model.weight[target].detach()


@pytest.mark.parametrize("baseline", ["zeros", 0.5, "tensor"])
def test_integrated_gradients_of_linear_model_is_input_minus_baseline_times_weight(tabular, baseline):
    model, explainer, x = tabular
    if baseline == "tensor":
        baseline = torch.linspace(-1, 1, 6)
    base = torch.zeros(6) if baseline == "zeros" else torch.as_tensor(baseline, dtype=torch.float32)
    result = explainer.attribute(x, "integrated_gradients", target=2, baseline=baseline, n_steps=16)
    torch.testing.assert_close(result.values, (x - base) * weight_row(model, 2), rtol=1e-5, atol=1e-5)
    assert result.delta.abs().max() < 1e-5


def test_integrated_gradients_on_image_shaped_linear_model_with_blur_baseline():
    model = FlatLinear()
    x = torch.rand(2, 3, 8, 8)
    result = xw.Explainer(model).attribute(x, "integrated_gradients", target=1, baseline="blur", n_steps=4)
    blurred = xw.kernel.inputs.baselines.gaussian_blur(x)
    expected = (x - blurred) * model.linear.weight[1].detach().view(3, 8, 8)
    torch.testing.assert_close(result.values, expected, rtol=1e-5, atol=1e-5)


def test_saliency_gradient_and_grad_x_input_of_linear_model(tabular):
    model, explainer, x = tabular
    w = weight_row(model, 0)
    torch.testing.assert_close(explainer.attribute(x, "saliency", target=0).values, w.abs().expand_as(x))
    torch.testing.assert_close(explainer.attribute(x, "gradient", target=0).values, w.expand_as(x))
    torch.testing.assert_close(explainer.attribute(x, "grad_x_input", target=0).values, w * x)


def test_occlusion_with_unit_window_and_zero_baseline_is_weight_times_input(tabular):
    model, explainer, x = tabular
    result = explainer.attribute(x, "occlusion", target=1, window=1, stride=1, baseline=0.0)
    torch.testing.assert_close(result.values, weight_row(model, 1) * x, rtol=1e-5, atol=1e-5)


def test_occlusion_of_image_linear_model_is_exact_per_pixel():
    model = FlatLinear()
    x = torch.rand(2, 3, 8, 8)
    result = xw.Explainer(model).attribute(x, "occlusion", target=3, window=(1, 1), stride=1, baseline=0.0)
    # A 1x1 window covers all channels of a pixel: the drop is that pixel's summed contribution.
    expected = (model.linear.weight[3].detach().view(3, 8, 8) * x).sum(1, keepdim=True)
    torch.testing.assert_close(result.values, expected, rtol=1e-5, atol=1e-5)


def test_occlusion_window_mean_of_linear_model():
    # With window w and stride 1 over a linear model, each window's drop is the sum of the
    # contributions inside it; a feature's value is the mean drop over the windows covering it.
    model = linear_model(n_features=5, n_outputs=1)
    x = torch.randn(1, 5)
    result = xw.Explainer(model).attribute(x, "occlusion", window=2, stride=1, baseline=0.0)
    c = (model.weight[0].detach() * x[0]).tolist()
    windows = [c[0] + c[1], c[1] + c[2], c[2] + c[3], c[3] + c[4]]
    expected = [
        windows[0],
        (windows[0] + windows[1]) / 2,
        (windows[1] + windows[2]) / 2,
        (windows[2] + windows[3]) / 2,
        windows[3],
    ]
    torch.testing.assert_close(result.values[0], torch.tensor(expected), rtol=1e-5, atol=1e-6)


def test_integrated_gradients_delta_shrinks_as_steps_grow():
    model = ReluCNN()
    torch.manual_seed(3)
    x = torch.rand(4, 3, 12, 12)
    explainer = xw.Explainer(model)
    deltas = [
        explainer.attribute(x, "integrated_gradients", target=2, n_steps=n, rule="riemann_right")
        .delta.abs()
        .mean()
        .item()
        for n in (2, 8, 32, 128)
    ]
    assert deltas[0] > deltas[1] > deltas[2] > deltas[3], deltas
    assert deltas[-1] < 0.1 * deltas[0]


@pytest.mark.parametrize(
    "rule", ["gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"]
)
def test_every_rule_is_exact_on_linear_model(tabular, rule):
    model, explainer, x = tabular
    result = explainer.attribute(x, "integrated_gradients", target=0, n_steps=5, rule=rule)
    torch.testing.assert_close(result.values, x * weight_row(model, 0), rtol=1e-5, atol=1e-5)


def test_smoothgrad_variants_on_linear_model(tabular):
    model, explainer, x = tabular
    w = weight_row(model, 1)
    mean = explainer.attribute(x, "smoothgrad", target=1, n_samples=8).values
    squared = explainer.attribute(x, "smoothgrad", target=1, n_samples=8, variant="smoothgrad_sq").values
    variance = explainer.attribute(x, "smoothgrad", target=1, n_samples=8, variant="vargrad").values
    torch.testing.assert_close(mean, w.expand_as(x))
    torch.testing.assert_close(squared, (w * w).expand_as(x))
    assert variance.abs().max() < 1e-6


def test_smoothgrad_without_noise_is_the_gradient():
    explainer = xw.Explainer(ReluCNN())
    x = torch.rand(2, 3, 10, 10)
    smooth = explainer.attribute(x, "smoothgrad", target=0, n_samples=3, noise=0.0).values
    torch.testing.assert_close(smooth, explainer.attribute(x, "gradient", target=0).values)


def test_smoothgrad_is_deterministic_for_a_seed_and_varies_across_seeds():
    explainer = xw.Explainer(ReluCNN())
    x = torch.rand(2, 3, 10, 10)
    first = explainer.attribute(x, "smoothgrad", target=0, n_samples=6, seed=7).values
    again = explainer.attribute(x, "smoothgrad", target=0, n_samples=6, seed=7).values
    other = explainer.attribute(x, "smoothgrad", target=0, n_samples=6, seed=8).values
    assert torch.equal(first, again)
    assert not torch.allclose(first, other)


@pytest.mark.parametrize(
    "method,params",
    [
        ("integrated_gradients", {"n_steps": 7}),
        ("smoothgrad", {"n_samples": 5}),
        ("occlusion", {"window": 4, "stride": 2}),
        ("grad_cam", {}),
        ("gradient", {}),
    ],
)
def test_results_do_not_depend_on_the_memory_budget(method, params):
    model = ReluCNN()
    x = torch.rand(3, 3, 12, 12)
    roomy = xw.Explainer(model).attribute(x, method, target=1, **params)
    # A budget of one byte forces one input per pass.
    tight = xw.Explainer(model, memory_budget=1).attribute(x, method, target=1, **params)
    torch.testing.assert_close(tight.values, roomy.values, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "method", ["gradient", "saliency", "grad_x_input", "smoothgrad", "integrated_gradients", "occlusion", "grad_cam"]
)
def test_sequence_input_works_for_every_method(method):
    x = torch.rand(2, 4, 20)
    result = xw.Explainer(SequenceCNN()).attribute(x, method)
    assert result.values.shape[0] == 2 and result.values.shape[-1] == 20
    torch.broadcast_shapes(result.values.shape, x.shape)
    assert torch.isfinite(result.values).all()


@pytest.mark.parametrize(
    "method", ["gradient", "saliency", "grad_x_input", "smoothgrad", "integrated_gradients", "occlusion"]
)
def test_tabular_input_works_for_every_method_that_allows_it(method):
    x = torch.randn(4, 6)
    result = xw.Explainer(mlp()).attribute(x, method, target=[0, 1, 2, 0])
    assert result.values.shape == x.shape
    assert result.target.tolist() == [0, 1, 2, 0]


def test_grad_cam_upsamples_to_input_size():
    x = torch.rand(2, 3, 12, 12)
    result = xw.Explainer(ReluCNN()).attribute(x, "grad_cam", layer="features.0")
    assert result.values.shape == (2, 1, 12, 12)
    assert (result.values >= 0).all()


def test_target_none_explains_the_predicted_class():
    model = ReluCNN()
    x = torch.rand(3, 3, 12, 12)
    explainer = xw.Explainer(model)
    result = explainer.attribute(x, "gradient")
    assert result.target.tolist() == model(x).argmax(1).tolist()


def test_predict_gives_probabilities_or_raw_regression_outputs():
    x = torch.randn(4, 6)
    probabilities = xw.Explainer(mlp()).predict(x)
    torch.testing.assert_close(probabilities.sum(1), torch.ones(4))
    regression = linear_model(n_outputs=1)
    torch.testing.assert_close(xw.Explainer(regression).predict(x), regression(x).detach())


def test_regression_model_with_flat_output_is_explained():
    class Flat(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = linear_model(n_outputs=1)

        def forward(self, x):
            return self.linear(x).squeeze(1)

    model = Flat()
    x = torch.randn(3, 6)
    result = xw.Explainer(model).attribute(x, "integrated_gradients")
    torch.testing.assert_close(result.values, x * model.linear.weight[0].detach(), rtol=1e-5, atol=1e-5)
