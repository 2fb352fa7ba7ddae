"""Layer activations, layer and neuron attribution against Captum (same model, inputs, targets and
parameters), and their errors."""

import pytest
import torch
from captum.attr import (
    LayerActivation,
    LayerConductance,
    LayerGradientXActivation,
    NeuronGradient,
    NeuronIntegratedGradients,
)
from torch import nn

import xai_widgets as xw

from ..assertions import assert_matches, assert_same, snapshot
from ..models import OracleCNN

TARGETS = [0, 2, 4]
# A plain layer, a BatchNorm followed by an in-place ReLU, and one whose output gets `+= x`.
LAYERS = ["down", "stem.1", "block.bn2"]


@pytest.fixture(scope="module")
def setup():
    model = OracleCNN().eval()
    x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(11))
    return model, xw.Explainer(model), x


def module(model, name):
    return dict(model.named_modules())[name]


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_activation_matches_captum(setup, layer):
    model, explainer, x = setup
    ours = xw.layer_attribution(explainer, x, layer, "activation")
    assert ours.values.shape == (3, *LayerActivation(model, module(model, layer)).attribute(x).shape[1:])
    assert_matches(ours.values, LayerActivation(model, module(model, layer)).attribute(x))


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("method", ["gradient", "grad_x_activation"])
def test_layer_gradient_and_grad_x_activation_match_captum(setup, layer, method):
    model, explainer, x = setup
    ours = xw.layer_attribution(explainer, x, layer, method, target=TARGETS)
    peer = LayerGradientXActivation(model, module(model, layer), multiply_by_inputs=method == "grad_x_activation")
    assert_matches(ours.values, peer.attribute(x, target=TARGETS))
    assert ours.target.tolist() == TARGETS and ours.layer == layer


@pytest.mark.parametrize("rule", ["gausslegendre", "riemann_left", "riemann_middle", "riemann_trapezoid"])
@pytest.mark.parametrize("baseline", ["zeros", 0.3])
def test_layer_conductance_and_delta_match_captum(setup, rule, baseline):
    model, explainer, x = setup
    ours = xw.layer_attribution(
        explainer, x, "down", "conductance", target=TARGETS, n_steps=12, rule=rule, baseline=baseline
    )
    peer, peer_delta = LayerConductance(model, model.down).attribute(
        x,
        baselines=0.0 if baseline == "zeros" else baseline,
        target=TARGETS,
        n_steps=12,
        method=rule,
        return_convergence_delta=True,
    )
    assert_matches(ours.values, peer)
    torch.testing.assert_close(ours.delta, peer_delta.float(), atol=1e-4, rtol=1e-3)


def test_conductance_chunked_over_steps_equals_one_pass(setup):
    model, _, x = setup
    whole = xw.layer_attribution(xw.Explainer(model), x, "stem.1", "conductance", target=1, n_steps=9)
    chunked = xw.layer_attribution(
        xw.Explainer(model, memory_budget=1), x, "stem.1", "conductance", target=1, n_steps=9
    )
    torch.testing.assert_close(chunked.values, whole.values, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("method", ["activation", "gradient", "grad_x_activation"])
def test_layer_methods_in_several_passes_equal_one_pass(setup, method):
    model, explainer, x = setup
    target = None if method == "activation" else TARGETS
    whole = xw.layer_attribution(explainer, x, "block.bn2", method, target=target)
    parts = xw.layer_attribution(xw.Explainer(model, memory_budget=1), x, "block.bn2", method, target=target)
    # One sample per pass: a convolution may sum in another order than for the batch of three.
    torch.testing.assert_close(parts.values, whole.values, atol=1e-6, rtol=1e-5)


def test_neuron_gradient_in_several_passes_equals_one_pass(setup):
    model, explainer, x = setup
    whole = xw.neuron_attribution(explainer, x, "down", (3, 2, 5), "gradient")
    parts = xw.neuron_attribution(xw.Explainer(model, memory_budget=1), x, "down", (3, 2, 5), "gradient")
    torch.testing.assert_close(parts.values, whole.values, atol=1e-6, rtol=1e-5)


def test_layer_values_are_new_tensors_of_their_own():
    """An Identity layer's output is the caller's batch itself, and a summed output's gradient can
    come back broadcast: the values are copied into plain tensors the caller may change."""
    model = nn.Sequential(nn.Identity(), nn.Flatten(), nn.Linear(12, 2)).eval()
    explainer, x = xw.Explainer(model), torch.rand(2, 3, 4)
    activation = xw.layer_attribution(explainer, x, "0", "activation").values
    assert activation.untyped_storage().data_ptr() != x.untyped_storage().data_ptr()
    activation.add_(1.0)
    assert (x < 1.0).all()
    summed = SummedOutput().eval()
    gradient = xw.layer_attribution(xw.Explainer(summed), x, "layer", "gradient", target=0).values
    assert gradient.is_contiguous() and torch.equal(gradient, torch.ones_like(gradient))


class SummedOutput(nn.Module):
    """One output, the sum of a layer's output: its gradient with respect to the layer is broadcast."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x * 1.0).flatten(1).sum(1, keepdim=True)


def test_conductance_is_complete_with_many_steps(setup):
    model, explainer, x = setup
    result = xw.layer_attribution(
        explainer, x, "down", "conductance", target=TARGETS, n_steps=200, rule="riemann_trapezoid"
    )
    assert result.delta.abs().max() < 1e-3 * model(x).abs().max()


@pytest.mark.parametrize("neuron", [(3, 2, 5), 7])
def test_neuron_gradient_matches_captum(setup, neuron):
    model, explainer, x = setup
    ours = xw.neuron_attribution(explainer, x, "down", neuron, "gradient")
    index = neuron if isinstance(neuron, tuple) else (0, 0, 7)  # a flat int counts row-major over (12, 8, 8)
    assert ours.neuron == index
    assert_matches(ours.values, NeuronGradient(model, model.down).attribute(x, neuron_selector=index))
    times_input = xw.neuron_attribution(explainer, x, "down", neuron, "grad_x_input")
    assert_matches(times_input.values, x * ours.values)


@pytest.mark.parametrize("rule", ["gausslegendre", "riemann_right"])
def test_neuron_integrated_gradients_match_captum(setup, rule):
    model, explainer, x = setup
    ours = xw.neuron_attribution(explainer, x, "block.bn2", (1, 4, 4), "integrated_gradients", n_steps=16, rule=rule)
    peer = NeuronIntegratedGradients(model, model.block.bn2).attribute(x, (1, 4, 4), n_steps=16, method=rule)
    assert_matches(ours.values, peer)
    assert ours.delta.shape == (3,)


def test_neuron_of_a_dense_layer_by_int(setup):
    model, explainer, x = setup
    ours = xw.neuron_attribution(explainer, x, "fc", 3, "gradient")
    assert_matches(ours.values, NeuronGradient(model, model.fc).attribute(x, neuron_selector=3))


def test_layer_activations_every_leaf_in_run_order_and_named(setup):
    model, explainer, x = setup
    every = xw.layer_activations(explainer, x)
    assert list(every)[:3] == ["stem.0", "stem.1", "stem.2"] and list(every)[-1] == "fc"
    assert "block.relu" not in every  # one ReLU module used twice has no single output
    assert_matches(every["stem.1"], LayerActivation(model, model.stem[1]).attribute(x))
    named = xw.layer_activations(explainer, x, ["fc", model.down])
    assert list(named) == ["down", "fc"] and named["fc"].shape == (3, 5)
    small = xw.layer_activations(xw.Explainer(model, memory_budget=1), x, "down")
    torch.testing.assert_close(small["down"], named["down"])


def test_unknown_and_shared_layers_raise_clear_errors(setup):
    model, explainer, x = setup
    with pytest.raises(xw.LayerNotFoundError, match="no_such_layer") as info:
        xw.layer_attribution(explainer, x, "no_such_layer", "gradient")
    assert "stem.0" in str(info.value)  # names the layers that exist
    with pytest.raises(xw.LayerNotFoundError, match="did you mean"):
        xw.neuron_attribution(explainer, x, "block.conv", 0)
    with pytest.raises(xw.ExplainerError, match="runs 2 times"):
        xw.layer_attribution(explainer, x, "block.relu", "activation")
    with pytest.raises(xw.ExplainerError, match="runs 2 times"):
        xw.layer_activations(explainer, x, ["block.relu"])
    with pytest.raises(xw.ParameterError, match="out of range"):
        xw.neuron_attribution(explainer, x, "fc", 5)
    with pytest.raises(xw.ParameterError, match="output shape"):
        xw.neuron_attribution(explainer, x, "down", (1, 2))
    with pytest.raises(xw.ParameterError, match="unknown layer attribution method"):
        xw.layer_attribution(explainer, x, "down", "saliency")
    with pytest.raises(xw.ParameterError, match="n_steps"):
        xw.layer_attribution(explainer, x, "down", "conductance", n_steps=0)


def test_model_is_unchanged_also_after_errors(user_model):
    before = snapshot(user_model)
    explainer = xw.Explainer(user_model)
    x = torch.rand(2, 3, 16, 16)
    xw.layer_activations(explainer, x)
    for method in xw.layer_attribution_methods():
        xw.layer_attribution(
            explainer, x, "down", method, target=1, **({"n_steps": 3} if method == "conductance" else {})
        )
    for method in xw.neuron_attribution_methods():
        params = {"n_steps": 3} if method == "integrated_gradients" else {}
        xw.neuron_attribution(explainer, x, "block.bn1", (0, 1, 1), method, **params)
    xw.neuron_contributions(explainer, x, "down", (0, 1, 1), "fc")
    with pytest.raises(xw.ExplainerError):
        xw.layer_attribution(explainer, x, "block.relu", "gradient")
    assert_same(before, snapshot(user_model))


def test_progress_reports_and_cancels(setup):
    _, _, x = setup
    model = OracleCNN().eval()
    seen = []
    xw.layer_attribution(
        xw.Explainer(model, memory_budget=1), x, "down", "conductance", n_steps=4, progress=seen.append
    )
    assert seen and seen[-1] == pytest.approx(1.0)
    for n in (1, 3):  # one sample takes a shorter path than a batch
        fractions = []
        xw.layer_attribution(xw.Explainer(model), x[:n], "down", "gradient", target=0, progress=fractions.append)
        assert fractions == [1.0]

    def cancel(fraction):
        raise KeyboardInterrupt

    before = snapshot(model)
    with pytest.raises(KeyboardInterrupt):
        xw.neuron_attribution(
            xw.Explainer(model, memory_budget=1), x, "down", 0, "integrated_gradients", progress=cancel
        )
    assert_same(before, snapshot(model))


def test_a_layer_the_output_does_not_use_raises_not_differentiable():
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(4, 2), nn.Linear(4, 3)

        def forward(self, x):
            self.unused(x)
            return self.used(x)

    explainer = xw.Explainer(Branchy())
    with pytest.raises(xw.NotDifferentiableError, match="unused"):
        xw.layer_attribution(explainer, torch.rand(2, 4), "unused", "gradient", target=0)
    assert xw.layer_attribution(explainer, torch.rand(2, 4), "unused", "activation").values.shape == (2, 3)


def test_neuron_contributions_are_a_jacobian_column_times_the_unit(setup):
    model, explainer, x = setup
    to_output = xw.neuron_contributions(explainer, x, "pool", (3, 0, 0))
    assert to_output.to_layer == "output" and to_output.values.shape == (3, 5)
    pooled = model.pool(model.relu(model.down(model.block(model.stem(x))))).detach()[:, 3, 0, 0]
    torch.testing.assert_close(to_output.unit, pooled)
    # A Linear straight after (dropout is off in eval): the weight times the unit's value.
    torch.testing.assert_close(to_output.values, pooled[:, None] * model.fc.weight.detach()[:, 3])

    stem = model.stem[0](x).detach()
    # A unit the ReLU between lets through for every sample, so the column is not all zeros.
    channel = int(model.stem[1](stem)[:, :, 4, 4].min(0).values.argmax())
    through = xw.neuron_contributions(xw.Explainer(model, memory_budget=1), x, "stem.0", (channel, 4, 4), "block.conv1")
    tangent = torch.zeros_like(stem)
    tangent[:, channel, 4, 4] = 1.0

    def downstream(a):
        return model.block.conv1(torch.relu(model.stem[1](a)))

    _, column = torch.func.jvp(downstream, (stem,), (tangent,))
    assert_matches(through.jacobian, column)
    assert_matches(through.values, column * stem[:, channel, 4, 4].view(3, 1, 1, 1))
    with pytest.raises(xw.ExplainerError, match="comes before"):
        xw.neuron_contributions(explainer, x, "down", 0, "stem.0")
