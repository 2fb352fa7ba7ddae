"""The integrated-gradients path against the IG method and analytic truth: completeness made
visible, a linear model's flat integrand, and two batched passes per path."""

import numpy as np
import pytest
import torch

from xai_widgets.kernel import Explainer, ig_path

from ..counting import count_forwards
from ..models import FlatLinear, ReluCNN


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
