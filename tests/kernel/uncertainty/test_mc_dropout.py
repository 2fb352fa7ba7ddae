"""MC dropout against its closed form on Linear(Dropout(x)); only dropout is switched on; seeds,
batching, progress and the error for a model without dropout."""

import math

import pytest
import torch
from torch import nn

import xai_widgets as xw

from ..assertions import assert_same, snapshot
from ..counting import count_forwards
from .models import DropoutLinear

P = 0.3

pytestmark = pytest.mark.usefixtures("float64")


def dropout_moments(model: DropoutLinear, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean, variance and the variance of the sample variance (per sample S = 1) of the MC outputs.

    Each output is ``b + sum_i a_i (1 + z_i)`` with ``a = w * x`` and independent zero-mean
    ``z = m / (1 - p) - 1``: ``E z^2 = p / (1 - p)``, ``E z^4 = p^4 / (1 - p)^3 + p``.
    """
    a = model.linear.weight[0] * x
    ez2 = P / (1 - P)
    ez4 = P**4 / (1 - P) ** 3 + P
    mean = a.sum(1) + model.linear.bias
    variance = (a**2).sum(1) * ez2
    fourth = (a**4).sum(1) * (ez4 - 3 * ez2**2) + 3 * variance**2
    return mean, variance, fourth - variance**2


@torch.no_grad()
def test_mean_and_variance_match_the_closed_form():
    model = DropoutLinear(p=P)
    x = torch.randn(4, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    n_samples = 20_000
    result = xw.Explainer(model).predict_uncertainty(x, n_samples=n_samples, seed=0)
    mean, variance, variance_of_variance = dropout_moments(model, x)
    # Five standard errors of each estimate: the test fails by chance about once in a million.
    torch.testing.assert_close(
        result.mean[:, 0].double(), mean, rtol=0, atol=(5 * (variance / n_samples).sqrt()).max().item()
    )
    assert ((result.std[:, 0].double() ** 2 - variance).abs() <= 5 * (variance_of_variance / n_samples).sqrt()).all()
    assert result.samples.shape == (n_samples, 4, 1)
    torch.testing.assert_close(result.std, result.samples.std(0))
    assert result.kind == "regression" and result.aleatoric is None and result.entropy is None


def test_every_sample_is_one_dropout_mask_of_its_own_input_batched_or_not():
    """Batched passes give what single passes would: each sample of input n is input n through
    the model with one of the 2^3 masks, whether the samples go in one pass or one per pass."""
    model = DropoutLinear(n_features=3, p=P)
    x = torch.tensor([[1.0, 2.0, 4.0], [-3.0, 0.5, 8.0]], dtype=torch.float64)
    masks = torch.tensor([[(k >> i) & 1 for i in range(3)] for k in range(8)], dtype=torch.float64)
    possible = (x[:, None, :] * masks / (1 - P)) @ model.linear.weight[0] + model.linear.bias  # (N, 8)
    for budget in (None, 1):
        explainer = xw.Explainer(model, memory_budget=budget)
        calls, handle = count_forwards(model)
        samples = explainer.predict_uncertainty(x, n_samples=40, seed=3).samples[..., 0].double()
        handle.remove()
        distance = (samples[:, :, None] - possible[None]).abs().min(-1).values
        assert distance.max() < 1e-4
        # All 40 x 2 inputs in one pass (after the one-sample shape probe), or one input per pass.
        assert max(calls) == (80 if budget is None else 1)
        assert len(calls) == (2 if budget is None else 81)


def test_the_same_seed_gives_the_same_samples_and_leaves_the_global_stream_alone():
    model = DropoutLinear(p=P)
    explainer = xw.Explainer(model)
    x = torch.randn(3, 5, dtype=torch.float64)
    state = torch.get_rng_state()
    first = explainer.predict_uncertainty(x, n_samples=16, seed=7).samples
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(first, explainer.predict_uncertainty(x, n_samples=16, seed=7).samples)
    assert not torch.equal(first, explainer.predict_uncertainty(x, n_samples=16, seed=8).samples)
    torch.manual_seed(0)
    unseeded = explainer.predict_uncertainty(x, n_samples=16).samples
    assert not torch.equal(torch.get_rng_state(), state)  # seed=None draws from the caller's stream
    torch.manual_seed(0)
    assert torch.equal(unseeded, explainer.predict_uncertainty(x, n_samples=16).samples)


def test_only_dropout_is_switched_on_and_batch_norm_stays_in_eval():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2))
    model[1].running_mean.normal_()
    model[1].running_var.uniform_(0.5, 2.0)
    model.train()  # as a user may hold it
    before = snapshot(model)
    seen: dict[str, set[bool]] = {}

    def record(module, inputs, output, name):
        if inputs[0].shape[0] > 1:  # the MC pass, not the runner's one-sample shape probe
            seen.setdefault(name, set()).add(module.training)

    handles = [
        module.register_forward_hook(lambda m, i, o, name=name: record(m, i, o, name))
        for name, module in model.named_children()
    ]
    result = xw.Explainer(model).predict_uncertainty(torch.randn(5, 4), n_samples=8, seed=0)
    assert seen["1"] == {False} and seen["0"] == {False} and seen["3"] == {True}
    for handle in handles:
        handle.remove()
    assert_same(before, snapshot(model))  # running statistics untouched, train mode back
    assert result.kind == "classification"
    torch.testing.assert_close(result.mean.sum(1), torch.ones(5, dtype=torch.float32))
    torch.testing.assert_close(result.entropy, -(result.mean * result.mean.log()).sum(1))


def test_all_dropout_kinds_are_switched_on():
    for dropout, shape in [
        (nn.Dropout(0.5), (2, 3, 4)),
        (nn.Dropout1d(0.5), (2, 3, 4)),
        (nn.Dropout2d(0.5), (2, 3, 4, 4)),
        (nn.Dropout3d(0.5), (2, 3, 2, 2, 2)),
        (nn.AlphaDropout(0.5), (2, 3, 4)),
        (nn.FeatureAlphaDropout(0.5), (2, 3, 4, 4)),
    ]:
        model = nn.Sequential(dropout, nn.Flatten())
        result = xw.Explainer(model, task="regression").predict_uncertainty(torch.rand(shape) + 1, n_samples=4, seed=0)
        assert result.std.max() > 0, type(dropout).__name__


def test_a_model_without_dropout_is_told_to_add_it_or_use_an_ensemble():
    model = nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.0))
    before = snapshot(model)
    with pytest.raises(xw.ExplainerError, match=r"add dropout.*xw\.Ensemble"):
        xw.Explainer(model).predict_uncertainty(torch.rand(2, 3))
    assert_same(before, snapshot(model))


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(method="bayes"), "method must be one of"),
        (dict(n_samples=1), "at least 2"),
        (dict(n_samples=2.5), "at least 2"),
        (dict(seed=-1), "non-negative"),
        (dict(method="ensemble"), "xw.Ensemble"),
    ],
)
def test_bad_requests_say_what_to_pass(arguments, message):
    with pytest.raises(xw.ExplainerError, match=message):
        xw.Explainer(DropoutLinear()).predict_uncertainty(torch.rand(2, 5, dtype=torch.float64), **arguments)


def test_progress_reports_each_pass_and_cancel_stops_the_call():
    model = DropoutLinear(p=P)
    explainer = xw.Explainer(model, memory_budget=1)
    fractions = []
    explainer.predict_uncertainty(torch.rand(2, 5, dtype=torch.float64), n_samples=5, progress=fractions.append)
    assert len(fractions) == 10 and fractions[-1] == 1.0 and fractions == sorted(fractions)

    def cancel(fraction):
        if fraction > 0.3:
            raise KeyboardInterrupt

    model.train()
    before = snapshot(model)
    with pytest.raises(KeyboardInterrupt):
        explainer.predict_uncertainty(torch.rand(2, 5, dtype=torch.float64), n_samples=5, progress=cancel)
    assert_same(before, snapshot(model))


def test_standard_error_shrinks_like_one_over_root_n():
    # The estimate settles as samples grow (what a sample-count slider shows).
    model = DropoutLinear(p=P)
    x = torch.randn(1, 5, dtype=torch.float64)
    _, variance, _ = dropout_moments(model, x)
    spreads = {}
    for n_samples in (10, 1000):
        means = torch.stack(
            [xw.Explainer(model).predict_uncertainty(x, n_samples=n_samples, seed=s).mean[0, 0] for s in range(40)]
        )
        spreads[n_samples] = means.std().item()
    assert spreads[1000] < spreads[10] / 5
    assert spreads[10] == pytest.approx(math.sqrt(variance.item() / 10), rel=0.5)
