"""Image sweeps against analytic truth: linear brightness lines, IG-path completeness, one batched
pass per sweep, blur's identity limit, occluder coverage and the errors bad arguments raise."""

import numpy as np
import pytest
import torch

from xai_widgets.kernel.core.errors import ExplainerError, InputError, ParameterError
from xai_widgets.kernel.core.explainer import Explainer
from xai_widgets.kernel.probes.image_sweeps import (
    ig_path,
    occluder_box,
    occluder_positions,
    perturb,
    perturbation_sweep,
    sweep_amounts,
    sweep_range,
)

from .models import FlatLinear, ReluCNN


@pytest.fixture
def image():
    return torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(3))


def count_forwards(model):
    calls = []
    handle = model.register_forward_hook(lambda module, inputs, output: calls.append(inputs[0].shape[0]))
    return calls, handle


@pytest.mark.parametrize("mode", ["add", "multiply"])
def test_brightness_sweep_of_a_linear_model_is_a_straight_line_with_the_expected_slope(image, mode):
    model = FlatLinear()
    explainer = Explainer(model, task="regression")
    amounts = torch.linspace(0.0, 2.0, 11) if mode == "multiply" else torch.linspace(-1.0, 1.0, 11)
    sweep = perturbation_sweep(explainer, image, "brightness", amounts, target=2, mode=mode,
                               value_range=(0.0, 1.0), clamp=False)
    w = model.linear.weight[2].detach()
    # add: x + a * span (span 1) moves the output by a * sum(w); multiply: a * x moves it by a * w.x
    slope = w.sum() if mode == "add" else w @ image.flatten()
    outputs = sweep.outputs[0].numpy()
    fitted_slope, intercept = np.polyfit(amounts.numpy(), outputs, 1)
    assert fitted_slope == pytest.approx(float(slope), rel=1e-4)
    np.testing.assert_allclose(outputs, fitted_slope * amounts.numpy() + intercept, atol=1e-4)
    assert sweep.probabilities is None and sweep.target.tolist() == [2]


def test_brightness_and_noise_clamp_to_the_value_range(image):
    brighter = perturb(image, "brightness", 0.5, value_range=(0.0, 1.0))
    assert brighter.max() <= 1.0 and torch.equal(brighter, (image + 0.5).clamp(0.0, 1.0))
    noisy = perturb(image, "noise", 0.3, value_range=(0.0, 1.0))
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0


def test_noise_is_seeded_and_its_std_is_the_amount_times_the_range():
    x = torch.full((1, 3, 64, 64), 0.5)
    first = perturb(x, "noise", 0.1, value_range=(0.0, 2.0), clamp=False)
    assert torch.equal(first, perturb(x, "noise", 0.1, value_range=(0.0, 2.0), clamp=False))
    assert not torch.equal(first, perturb(x, "noise", 0.1, value_range=(0.0, 2.0), clamp=False, seed=1))
    assert float((first - x).std()) == pytest.approx(0.2, rel=0.03)
    # Every amount scales the same pattern, so a sweep's curve is smooth rather than jittery.
    double = perturb(x, "noise", 0.2, value_range=(0.0, 2.0), clamp=False)
    torch.testing.assert_close(double - x, 2 * (first - x))


def test_sweep_outputs_match_the_model_on_each_perturbed_input_with_the_predicted_target(image):
    explainer = Explainer(ReluCNN())
    amounts = sweep_amounts("blur", image, 5)
    sweep = perturbation_sweep(explainer, image, "blur", amounts)
    predicted = int(explainer.outputs(image).argmax(1))
    assert sweep.target.tolist() == [predicted]
    for i, amount in enumerate(amounts.tolist()):
        perturbed = perturb(image, "blur", amount)
        assert float(sweep.outputs[0, i]) == pytest.approx(float(explainer.outputs(perturbed)[0, predicted]), abs=1e-5)
        probability = float(explainer.predict(perturbed)[0, predicted])
        assert float(sweep.probabilities[0, i]) == pytest.approx(probability, abs=1e-6)
    assert float(sweep.reference[0]) == pytest.approx(float(explainer.outputs(image)[0, predicted]), abs=1e-5)


@pytest.mark.parametrize("kind", ["brightness", "noise", "blur", "occluder"])
def test_a_sweep_of_many_amounts_is_one_batched_forward_pass(image, kind):
    model = ReluCNN()
    explainer = Explainer(model)
    explainer.outputs(image)  # the runner's one-off shape probe, outside the count
    amounts = sweep_amounts(kind, image, 100)
    calls, handle = count_forwards(model)
    try:
        sweep = perturbation_sweep(explainer, image, kind, amounts, target=1)
    finally:
        handle.remove()
    assert calls == [len(amounts) + 1]  # every amount and the unperturbed input, together
    assert sweep.outputs.shape == (1, len(amounts))


@pytest.mark.parametrize("rule, n_steps", [("riemann_trapezoid", 32), ("riemann_left", 20), ("gausslegendre", 16)])
def test_ig_path_running_sum_ends_at_the_output_difference_within_the_ig_delta(image, rule, n_steps):
    explainer = Explainer(ReluCNN())
    path = ig_path(explainer, image, target=3, baseline="zeros", n_steps=n_steps, rule=rule)
    ig = explainer.attribute(image, "integrated_gradients", target=3, baseline="zeros", n_steps=n_steps, rule=rule)
    f_x, f_x0 = explainer.outputs(torch.cat([image, torch.zeros_like(image)]))[:, 3].tolist()
    assert path.output_difference == pytest.approx(f_x - f_x0, abs=1e-5)
    assert float(path.running_sum[-1]) == pytest.approx(float(ig.values.sum()), rel=1e-4, abs=1e-5)
    assert path.delta == pytest.approx(float(ig.delta[0]), abs=1e-4)
    assert abs(float(path.running_sum[-1]) - path.output_difference) <= abs(float(ig.delta[0])) + 1e-4
    torch.testing.assert_close(path.attribution_at(1.0), ig.values[0], rtol=1e-4, atol=1e-6)
    # Each node's running sum is the sum of the partial map up to it: the heatmap builds up.
    middle = int(np.argmin(np.abs(path.alphas.numpy() - 0.5)))
    alpha = float(path.alphas[middle])
    assert float(path.attribution_at(alpha).sum()) == pytest.approx(float(path.running_sum[middle]), rel=1e-4, abs=1e-5)
    assert float(path.attribution_at(-0.1).abs().sum()) == 0.0


def test_ig_path_outputs_run_from_the_baseline_to_the_input_and_completeness_is_exact_for_a_linear_model(image):
    model = FlatLinear()
    explainer = Explainer(model)
    path = ig_path(explainer, image, target=1, baseline=0.5, n_steps=8)
    assert path.alphas[0] == 0.0 and path.alphas[-1] == 1.0
    assert float(path.outputs[0]) == pytest.approx(path.start_output, abs=1e-5)
    assert float(path.outputs[-1]) == pytest.approx(path.end_output, abs=1e-5)
    # A linear model's gradient is constant: the integrand is flat and the running sum linear.
    expected = float(model.linear.weight[1].detach() @ (image - 0.5).flatten())
    np.testing.assert_allclose(path.integrand.numpy(), expected, rtol=1e-4)
    assert path.delta == pytest.approx(0.0, abs=1e-4)
    torch.testing.assert_close(path.point_at(0.25), 0.5 + 0.25 * (image[0] - 0.5))


def test_ig_path_is_two_batched_passes(image):
    model = ReluCNN()
    explainer = Explainer(model)
    explainer.outputs(image)
    calls, handle = count_forwards(model)
    try:
        ig_path(explainer, image, target=0, n_steps=64)
    finally:
        handle.remove()
    assert calls == [64 + 2, 64]  # path, baseline and input without grad; then the path's gradients


def test_blur_with_a_vanishing_sigma_is_the_identity(image):
    assert torch.equal(perturb(image, "blur", 0.0), image)
    torch.testing.assert_close(perturb(image, "blur", 1e-3), image)
    blurred = perturb(image, "blur", 2.0)
    assert blurred.std() < image.std()
    assert float(blurred.mean()) == pytest.approx(float(image.mean()), abs=0.02)


@pytest.mark.parametrize(
    "shape, size, stride", [((1, 3, 8, 8), None, None), ((1, 1, 10, 13), 4, 3), ((1, 3, 9, 9), 9, 1)]
)
def test_occluder_positions_cover_the_image(shape, size, stride):
    covered = torch.zeros(shape[-2:], dtype=torch.bool)
    positions = occluder_positions(shape, size, stride)
    for index in range(len(positions)):
        top, left, side = occluder_box(shape, index, size, stride)
        covered[top : top + side, left : left + side] = True
    assert covered.all()
    assert sweep_range("occluder", torch.zeros(shape), size=size, stride=stride)[1] == len(positions) - 1


def test_occluder_fills_exactly_its_patch_with_the_baseline(image):
    top, left, size = occluder_box(image.shape, 3, size=4, stride=2)
    out = perturb(image, "occluder", 3, size=4, stride=2, fill=0.25)
    patch = torch.zeros_like(image, dtype=torch.bool)
    patch[..., top : top + size, left : left + size] = True
    assert (out[patch] == 0.25).all() and torch.equal(out[~patch], image[~patch])
    assert (top, left) == occluder_positions(image.shape, 4, 2)[3]


@pytest.mark.parametrize(
    "kind, amount, options, error",
    [
        ("sharpen", 1.0, {}, ParameterError),
        ("noise", -0.1, {}, ParameterError),
        ("blur", -1.0, {}, ParameterError),
        ("brightness", float("nan"), {}, ParameterError),
        ("brightness", "bright", {}, ParameterError),
        ("brightness", -1.0, {"mode": "multiply"}, ParameterError),
        ("brightness", 0.1, {"mode": "gamma"}, ParameterError),
        ("brightness", 0.1, {"value_range": (1.0, 0.0)}, ParameterError),
        ("occluder", 999, {}, ParameterError),
        ("occluder", 2.5, {}, ParameterError),
        ("occluder", 0, {"size": 0}, ParameterError),
        ("blur", 1.0, {"radius": 3}, ParameterError),
    ],
)
def test_bad_kinds_amounts_and_options_raise_explainer_errors(image, kind, amount, options, error):
    with pytest.raises(error) as raised:
        perturb(image, kind, amount, **options)
    assert isinstance(raised.value, ExplainerError) and kind in str(raised.value)


def test_bad_sweep_and_path_arguments_raise_explainer_errors(image):
    explainer = Explainer(ReluCNN())
    with pytest.raises(ParameterError, match="empty"):
        perturbation_sweep(explainer, image, "noise", [])
    with pytest.raises(ParameterError, match="ig_path"):
        perturbation_sweep(explainer, image, "ig_path", [0.5])
    with pytest.raises(InputError, match="one sample"):
        ig_path(explainer, torch.cat([image, image]))
    with pytest.raises(ParameterError, match="rule"):
        ig_path(explainer, image, rule="simpson")
    with pytest.raises(ParameterError, match="n_steps"):
        ig_path(explainer, image, n_steps=0)
    with pytest.raises(InputError, match="spatial"):
        perturb(torch.rand(2, 6), "blur", 1.0)
    with pytest.raises(InputError, match="occluder"):
        perturb(torch.rand(2, 6), "occluder", 0)
    with pytest.raises(ExplainerError):
        perturbation_sweep(explainer, image, "brightness", [0.1], target=99)
