"""Sweeps against analytic truth: a linear model's ICE is a line of slope w_i and its sensitivity
is w_i everywhere; the partial dependence of an additive model is its component plus a constant;
each sweep is one batched pass; bad arguments raise the kernel's errors."""

import pytest
import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.core.errors import InputError, ParameterError, TargetError
from xai_widgets.kernel.probes import tabular_sweeps as sweeps

from ..models import linear_model

N_FEATURES = 5


class Additive(nn.Module):
    """f(x) = sin(x0) + x1^2 + 0.5 x2 + tanh(x3) + 0 * x4, a sum of one-feature components."""

    components = (torch.sin, torch.square, lambda v: 0.5 * v, torch.tanh, lambda v: 0.0 * v)

    def forward(self, x):
        return sum(g(x[:, i]) for i, g in enumerate(self.components))[:, None]


def count_forwards(model: nn.Module) -> list[int]:
    """Batch sizes of every forward call the model sees from now on."""
    sizes: list[int] = []
    model.register_forward_hook(lambda _m, inputs, _out: sizes.append(inputs[0].shape[0]))
    return sizes


@pytest.fixture
def data():
    torch.manual_seed(1)
    return torch.randn(40, N_FEATURES)


def test_ice_of_a_linear_model_is_a_line_with_slope_w(data):
    model = linear_model(N_FEATURES, 3)
    explainer = xw.Explainer(model)
    values = torch.linspace(-2, 2, 17)
    for feature in range(N_FEATURES):
        curve = sweeps.ice(explainer, data[3], feature, values, target=1)
        slope = (curve[1:] - curve[:-1]) / (values[1:] - values[:-1])
        torch.testing.assert_close(slope, torch.full_like(slope, model.weight[1, feature].item()), atol=1e-4, rtol=1e-4)
        at_own_value = sweeps.ice(explainer, data[3:4], feature, [data[3, feature].item()], target=1)
        torch.testing.assert_close(at_own_value, model(data[3:4])[:, 1].detach(), atol=1e-5, rtol=1e-5)


def test_sensitivity_of_a_linear_model_is_w_everywhere(data):
    model = linear_model(N_FEATURES, 3)
    explainer = xw.Explainer(model)
    values = torch.linspace(-3, 3, 11)
    for feature in range(N_FEATURES):
        slope = sweeps.sensitivity(explainer, data[0], feature, values, target=2)
        assert slope.shape == (11,) and slope.dtype == torch.float32
        torch.testing.assert_close(slope, torch.full((11,), model.weight[2, feature].item()), atol=1e-6, rtol=1e-6)


def test_sensitivity_is_the_slope_of_ice_for_a_smooth_model(data):
    explainer = xw.Explainer(Additive())
    values = torch.linspace(-2, 2, 401)
    curve = sweeps.ice(explainer, data[5], 0, values, target=0)
    slope = sweeps.sensitivity(explainer, data[5], 0, values, target=0)
    finite_difference = (curve[2:] - curve[:-2]) / (values[2:] - values[:-2])
    torch.testing.assert_close(slope[1:-1], finite_difference, atol=1e-3, rtol=1e-3)
    torch.testing.assert_close(slope, torch.cos(values), atol=1e-5, rtol=1e-5)


def test_partial_dependence_of_an_additive_model_is_its_component_plus_a_constant(data):
    explainer = xw.Explainer(Additive())
    values = torch.linspace(-2, 2, 25)
    for feature, component in enumerate(Additive.components):
        pd, curves = sweeps.partial_dependence(explainer, data, feature, values, target=0, return_ice=True)
        assert pd.shape == (25,) and curves.shape == (len(data), 25)
        offset = pd - component(values)
        torch.testing.assert_close(offset, torch.full_like(offset, offset.mean().item()), atol=1e-5, rtol=1e-5)
        # The constant is the mean of the other components over the data.
        others = Additive()(data)[:, 0] - component(data[:, feature])
        assert offset.mean().item() == pytest.approx(others.mean().item(), abs=1e-5)
        torch.testing.assert_close(curves.mean(0), pd)
        torch.testing.assert_close(curves[7], sweeps.ice(explainer, data[7], feature, values, target=0))


def test_each_sweep_is_one_batched_pass(data):
    model = linear_model(N_FEATURES, 3)
    explainer = xw.Explainer(model)
    explainer.outputs(data[:1])  # the runner's one-off shape probe, outside the count
    sizes = count_forwards(model)
    values = torch.linspace(-1, 1, 100)
    sweeps.ice(explainer, data[0], 1, values, target=0)
    assert sizes == [100]
    sizes.clear()
    sweeps.sensitivity(explainer, data[0], 1, values, target=0)
    assert sizes == [100]
    sizes.clear()
    sweeps.partial_dependence(explainer, data, 1, torch.linspace(-1, 1, 50), target=0)
    assert sizes == [50 * len(data)]


def test_partial_dependence_chunks_a_grid_larger_than_the_memory_budget(data):
    model = linear_model(N_FEATURES, 3)
    explainer = xw.Explainer(model, memory_budget=64 * 1024)
    sizes = count_forwards(model)
    values = torch.linspace(-1, 1, 50)
    pd = sweeps.partial_dependence(explainer, data, 2, values, target=0)
    passes = [s for s in sizes if s > 1]
    assert sum(passes) == 50 * len(data) and 1 < len(passes) <= 20
    expected = torch.stack([sweeps.ice(explainer, row, 2, values, target=0) for row in data]).mean(0)
    torch.testing.assert_close(pd, expected, atol=1e-5, rtol=1e-5)


def test_target_none_follows_the_predicted_class(data):
    model = linear_model(N_FEATURES, 3)
    explainer = xw.Explainer(model)
    predicted = int(model(data[:1]).argmax())
    values = [-1.0, 0.0, 1.0]
    torch.testing.assert_close(
        sweeps.ice(explainer, data[0], 0, values), sweeps.ice(explainer, data[0], 0, values, predicted)
    )


def test_helpers_build_the_cursor_point_and_the_grid(data):
    point = sweeps.with_feature(data[2], 3, 0.25)
    assert point.shape == (1, N_FEATURES) and point[0, 3] == 0.25
    torch.testing.assert_close(torch.cat([point[0, :3], point[0, 4:]]), torch.cat([data[2, :3], data[2, 4:]]))
    grid = sweeps.feature_grid(data, 1, 7)
    assert len(grid) == 7 and grid[0] == data[:, 1].min() and grid[-1] == pytest.approx(data[:, 1].max().item())


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda ex, X: sweeps.ice(ex, X[0], 5, [0.0]), ParameterError, "out of range"),
        (lambda ex, X: sweeps.ice(ex, X[0], -1, [0.0]), ParameterError, "out of range"),
        (lambda ex, X: sweeps.ice(ex, X[0], "x1", [0.0]), ParameterError, "column index"),
        (lambda ex, X: sweeps.ice(ex, X[:2], 0, [0.0]), InputError, "one tabular sample"),
        (lambda ex, X: sweeps.ice(ex, X[0], 0, [[0.0, 1.0]]), ParameterError, "1-D"),
        (lambda ex, X: sweeps.ice(ex, X[0], 0, []), ParameterError, "non-empty"),
        (lambda ex, X: sweeps.ice(ex, X[0], 0, [float("nan")]), ParameterError, "NaN"),
        (lambda ex, X: sweeps.ice(ex, X[0], 0, [0.0], target=3), TargetError, "out of range"),
        (lambda ex, X: sweeps.sensitivity(ex, [1.0, 2.0], 0, [0.0]), InputError, "numpy array"),
        (lambda ex, X: sweeps.partial_dependence(ex, X[0], 0, [0.0]), InputError, "(N, F)"),
        (lambda ex, X: sweeps.partial_dependence(ex, X.long(), 0, [0.0]), InputError, "floating point"),
        (lambda ex, X: sweeps.feature_grid(X, 0, 1), ParameterError, "at least 2"),
    ],
)
def test_bad_arguments_raise_explainer_errors(data, call, error, words):
    explainer = xw.Explainer(linear_model(N_FEATURES, 3))
    with pytest.raises(error) as caught:
        call(explainer, data)
    assert isinstance(caught.value, xw.ExplainerError)
    assert words in str(caught.value)
