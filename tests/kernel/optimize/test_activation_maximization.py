"""Activation maximisation: the closed-form optimum of a linear model, channels and neurons beating
random inputs, regularisers, parametrisations, cancel and resume, errors, and the model unchanged."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import xai_widgets as xw

from ..assertions import assert_same, snapshot
from ..models import ReluCNN


@pytest.fixture(scope="module")
def cnn():
    return ReluCNN().eval()


def test_l2_only_and_unbounded_reaches_w_over_2_lambda_for_every_target_at_once():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
    weight = 0.25
    result = xw.activation_maximization(
        xw.Explainer(model),
        target=[0, 2],
        shape=(3, 4),
        steps=600,
        lr=0.05,
        regularizers=[xw.regularizer("l2", weight=weight)],
        value_range=None,
    )
    optimum = model[1].weight.detach()[[0, 2]].view(2, 3, 4) / (2 * weight)
    torch.testing.assert_close(result.input, optimum, atol=1e-4, rtol=1e-4)
    assert result.scores.shape == (600, 2) and result.penalties.shape == (600, 2)
    assert result.objective == "class" and result.units == [0, 2] and result.labels == ["class 0", "class 2"]
    # The objective w.x - lambda |x|^2 climbs to its maximum |w|^2 / (4 lambda).
    best = (model[1].weight.detach()[[0, 2]] ** 2).sum(1) / (4 * weight) + model[1].bias.detach()[[0, 2]]
    torch.testing.assert_close(result.scores[-1] - result.penalties[-1], best, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("parametrization", ["pixel", "fourier"])
def test_a_channels_maximising_input_beats_random_inputs(cnn, parametrization):
    explainer = xw.Explainer(cnn)
    # Penalties trade the objective off against smoothness (the random CNN's activations are ~0.01),
    # so the check runs with transform robustness only.
    result = xw.activation_maximization(
        explainer,
        layer="features.2",
        channel=[1, 5],
        shape=(3, 16, 16),
        steps=80,
        lr=0.1,
        regularizers=["jitter"],
        parametrization=parametrization,
    )
    assert result.input.shape == (2, 3, 16, 16) and result.objective == "channel"
    assert result.input.min() >= 0.0 and result.input.max() <= 1.0
    random = torch.rand(256, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    activations = xw.layer_activations(explainer, torch.cat([result.input, random]), "features.2")["features.2"]
    means = activations[:, [1, 5]].mean(dim=(2, 3))
    assert (means[0, 0] > means[2:, 0].max()) and (means[1, 1] > means[2:, 1].max())


def test_every_class_and_every_channel_by_default_and_neurons(cnn):
    explainer = xw.Explainer(cnn)
    classes = xw.activation_maximization(explainer, shape=(3, 8, 8), steps=3)
    assert classes.units == [0, 1, 2, 3, 4] and classes.input.shape == (5, 3, 8, 8)
    channels = xw.activation_maximization(explainer, layer="features.0", shape=(3, 8, 8), steps=3)
    assert channels.units == list(range(8))
    neurons = xw.activation_maximization(
        explainer, layer="head.2", neuron=[1, 3], shape=(3, 8, 8), steps=40, regularizers=[]
    )
    assert neurons.units == [(1,), (3,)] and neurons.labels == ["head.2 neuron (1,)", "head.2 neuron (3,)"]
    assert (neurons.scores[-1] > neurons.scores[0]).all()
    one = xw.activation_maximization(explainer, layer="features.0", neuron=(2, 3, 3), shape=(3, 8, 8), steps=2)
    assert one.units == [(2, 3, 3)]


def test_regularizers_are_registered_with_param_specs_and_replace_the_defaults(cnn):
    specs = xw.regularizer_specs()
    assert {"l2", "tv", "blur", "jitter", "scale", "rotate"} <= set(specs)
    assert all(isinstance(p, xw.ParamSpec) for spec in specs.values() for p in spec.params)
    explainer = xw.Explainer(cnn)
    default = xw.activation_maximization(explainer, target=0, shape=(3, 8, 8), steps=2)
    assert [r.name for r in default.regularizers] == ["l2", "tv", "jitter"]
    none = xw.activation_maximization(explainer, target=0, shape=(3, 8, 8), steps=2, regularizers=[])
    assert none.regularizers == [] and not none.penalties.any()
    mapped = xw.activation_maximization(
        explainer, target=0, shape=(3, 8, 8), steps=2, regularizers={"tv": {"weight": 0.5}, "rotate": None}
    )
    assert [(r.name, r.params.get("weight")) for r in mapped.regularizers] == [("tv", 0.5), ("rotate", None)]
    every = [xw.regularizer(name) for name in specs]
    for parametrization in ("pixel", "fourier"):
        result = xw.activation_maximization(
            explainer, target=1, shape=(3, 8, 8), steps=4, regularizers=every, parametrization=parametrization
        )
        assert torch.isfinite(result.input).all()


@pytest.mark.parametrize("parametrization", ["pixel", "fourier"])
def test_blur_smooths_the_input(cnn, parametrization):
    explainer = xw.Explainer(cnn)
    common = dict(target=2, shape=(3, 16, 16), steps=30, value_range=None, parametrization=parametrization, lr=0.1)
    sharp = xw.activation_maximization(explainer, regularizers=[], **common).input
    smooth = xw.activation_maximization(explainer, regularizers={"blur": {"sigma": 1.0, "every": 1}}, **common).input

    def roughness(x):
        return (x.diff(dim=-1).pow(2).mean() / x.var()).item()

    assert roughness(smooth) < 0.5 * roughness(sharp)


def test_transforms_keep_shape_and_jitter_zero_is_identity():
    spec = xw.regularizer_specs()
    x = torch.rand(2, 3, 8, 8)
    generator = torch.Generator().manual_seed(0)
    assert torch.equal(spec["jitter"].apply(x, generator, pixels=0), x)
    for name in ("jitter", "scale", "rotate"):
        assert spec[name].apply(x, generator, **xw.regularizer(name).params).shape == x.shape
    torch.testing.assert_close(spec["rotate"].apply(x, generator, degrees=0.0), x, atol=1e-5, rtol=1e-5)
    assert spec["l2"].apply(x, weight=2.0).tolist() == pytest.approx((2 * x.pow(2).flatten(1).sum(1)).tolist())
    flat = torch.zeros(1, 1, 4, 4)
    flat[..., 2:] = 1.0  # one vertical edge, 4 pixels long
    assert spec["tv"].apply(flat, weight=1.0, beta=1.0).item() == pytest.approx(4.0)


@pytest.mark.parametrize("shape", [(2, 3, 7, 9), (2, 4, 11)])
def test_closed_form_penalty_gradients_equal_autograds(shape):
    specs = xw.regularizer_specs()
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x[..., 0] = x[..., 1]  # equal neighbours: total variation's kink at 0
    cases = [("l2", dict(weight=0.3))] + [("tv", dict(weight=0.7, beta=beta)) for beta in (1.0, 1.5, 2.0, 3.0)]
    for name, params in cases:
        spec = specs[name]
        leaf = x.clone().requires_grad_(True)
        expected_values = spec.apply(leaf, **params)
        (expected,) = torch.autograd.grad(expected_values.sum(), leaf)
        out = torch.full_like(x, 0.25)  # the gradient is added to what is there
        values = spec.add_gradient(x, out, **params)
        torch.testing.assert_close(values, expected_values.detach(), msg=f"{name} {params}")
        torch.testing.assert_close(out - 0.25, expected, msg=f"{name} {params}")


def test_affine_transforms_sample_as_affine_grid_and_grid_sample():
    generator = torch.Generator().manual_seed(5)
    x = torch.rand(3, 2, 10, 12)
    for name, params in (("scale", dict(amount=0.3)), ("rotate", dict(degrees=30.0))):
        state = generator.get_state()
        ours = xw.regularizer_specs()[name].apply(x, generator, **params)
        generator.set_state(state)
        draw = 2.0 * torch.rand((), generator=generator).item() - 1.0
        if name == "scale":
            factor = 1.0 + params["amount"] * draw
            theta = torch.tensor([[1 / factor, 0.0, 0.0], [0.0, 1 / factor, 0.0]])
        else:
            angle = math.radians(params["degrees"] * draw)
            theta = torch.tensor([[math.cos(angle), -math.sin(angle), 0.0], [math.sin(angle), math.cos(angle), 0.0]])
        grid = F.affine_grid(theta.expand(3, 2, 3), list(x.shape), align_corners=False)
        expected = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
        torch.testing.assert_close(ours, expected, atol=1e-6, rtol=1e-6)


def test_consecutive_affine_transforms_are_sampled_once_at_their_product():
    from xai_widgets.kernel.optimize.regularizers import transform_steps

    chosen = [xw.regularizer("jitter", pixels=1), xw.regularizer("scale", amount=0.3), xw.regularizer("rotate")]
    steps = transform_steps(chosen)
    assert len(steps) == 2  # jitter, then scale and rotate as one sampling
    x = torch.rand(2, 3, 9, 9)
    generator = torch.Generator().manual_seed(2)
    state = generator.get_state()
    merged = steps[1](x, generator)
    generator.set_state(state)
    specs = xw.regularizer_specs()
    (a, b), (c, d) = specs["scale"].draw_matrix(generator, amount=0.3)
    (e, f), (g, h) = specs["rotate"].draw_matrix(generator, degrees=10.0)
    theta = torch.tensor([[a * e + b * g, a * f + b * h, 0.0], [c * e + d * g, c * f + d * h, 0.0]])
    grid = F.affine_grid(theta.expand(2, 2, 3), list(x.shape), align_corners=False)
    expected = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    torch.testing.assert_close(merged, expected, atol=1e-6, rtol=1e-6)
    with pytest.raises(xw.ParameterError, match="scale"):
        steps[1](torch.rand(2, 3, 9), generator)


def test_cancel_returns_the_run_so_far_and_resume_continues_exactly(cnn):
    explainer = xw.Explainer(cnn)
    common = dict(target=[0, 3], shape=(3, 8, 8), regularizers=["l2", "tv", "jitter", "rotate"], seed=4)
    whole = xw.activation_maximization(explainer, steps=12, **common)
    seen = []

    def pause_after_five(step, inputs, scores):
        seen.append((step, inputs.shape, scores.shape))
        if step == 5:
            raise KeyboardInterrupt

    first = xw.activation_maximization(explainer, steps=12, on_step=pause_after_five, **common)
    assert first.cancelled and isinstance(first.stopped_by, KeyboardInterrupt) and first.steps_done == 5
    assert seen[0] == (1, (2, 3, 8, 8), (2,))
    rest = xw.activation_maximization(explainer, steps=7, resume=first, **common)
    assert rest.steps_done == 12 and not rest.cancelled
    torch.testing.assert_close(rest.input, whole.input)
    torch.testing.assert_close(rest.scores, whole.scores)
    fractions = []
    xw.activation_maximization(explainer, steps=4, progress=fractions.append, on_step_every=2, **common)
    assert fractions == pytest.approx([0.25, 0.5, 0.75, 1.0])


def test_model_unchanged_and_its_parameters_get_no_gradient(user_model):
    before = snapshot(user_model)
    explainer = xw.Explainer(user_model)
    xw.activation_maximization(explainer, target=[0, 1], shape=(3, 16, 16), steps=3, parametrization="fourier")
    xw.activation_maximization(explainer, layer="down", channel=2, shape=(3, 16, 16), steps=3)
    with pytest.raises(xw.ExplainerError):
        xw.activation_maximization(explainer, layer="block.relu", channel=0, shape=(3, 16, 16), steps=3)
    assert_same(before, snapshot(user_model))


def test_bad_requests_raise_clear_errors(cnn):
    explainer = xw.Explainer(cnn)
    calls = {
        "shape=": dict(target=0),
        "need layer": dict(channel=1, shape=(3, 8, 8)),
        "not both": dict(target=0, layer="features.0", shape=(3, 8, 8)),
        "out of range": dict(layer="features.0", channel=8, shape=(3, 8, 8)),
        "unknown regulariser": dict(target=0, shape=(3, 8, 8), regularizers=["l3"]),
        "has no parameter": dict(target=0, shape=(3, 8, 8), regularizers={"tv": {"wieght": 1}}),
        "value_range": dict(target=0, shape=(3, 8, 8), value_range=(1, 0)),
        "parametrization": dict(target=0, shape=(3, 8, 8), parametrization="wavelet"),
        "lr": dict(target=0, shape=(3, 8, 8), lr=-1.0),
        "steps": dict(target=0, shape=(3, 8, 8), steps=-1),
    }
    for match, call in calls.items():
        with pytest.raises(xw.ParameterError, match=match):
            xw.activation_maximization(explainer, **call)
    with pytest.raises(xw.TargetError):
        xw.activation_maximization(explainer, target=7, shape=(3, 8, 8))
    with pytest.raises(xw.LayerNotFoundError, match="features"):
        xw.activation_maximization(explainer, layer="feature.9", channel=0, shape=(3, 8, 8))
    sequence_model = nn.Sequential(nn.Conv1d(4, 2, 3), nn.Flatten(), nn.LazyLinear(2))
    sequence_model(torch.rand(1, 4, 10))
    with pytest.raises(xw.ParameterError, match="fourier"):
        xw.activation_maximization(xw.Explainer(sequence_model), target=0, shape=(4, 10), parametrization="fourier")
    with pytest.raises(xw.ParameterError, match="rotate"):
        xw.activation_maximization(xw.Explainer(sequence_model), target=0, shape=(4, 10), regularizers=["rotate"])
    sequence = xw.activation_maximization(xw.Explainer(sequence_model), target=1, shape=(4, 10), steps=3)
    assert sequence.input.shape == (1, 4, 10)
    tabular = xw.activation_maximization(xw.Explainer(nn.Linear(5, 2)), target=1, shape=(5,), steps=3)
    assert [r.name for r in tabular.regularizers] == ["l2"]  # no spatial dims: no tv or jitter by default
