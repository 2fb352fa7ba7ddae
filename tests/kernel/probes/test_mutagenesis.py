"""In-silico mutagenesis against brute force and tangermeme, batching, errors, and base scores."""

import pytest
import torch

import xai_widgets as xw
from xai_widgets.zoo import load_jund_model, make_jund_like

from ..assertions import assert_same, snapshot
from ..sequence_models import random_sequences, sequence_cnn


def brute_force_ism(model, x, target):
    """Each substitution's effect, one mutant at a time."""
    effects = torch.zeros_like(x)
    with torch.no_grad():
        for n in range(x.shape[0]):
            original = model(x[n : n + 1])[0, target[n]]
            for position in range(x.shape[2]):
                for letter in range(x.shape[1]):
                    mutant = x[n : n + 1].clone()
                    mutant[0, :, position] = 0
                    mutant[0, letter, position] = 1
                    effects[n, letter, position] = model(mutant)[0, target[n]] - original
    return effects


def test_equals_brute_force_per_sample_targets():
    model = sequence_cnn(length=15)
    x = xw.one_hot(random_sequences(3, 15, seed=1))
    target = [0, 2, 1]
    values = xw.in_silico_mutagenesis(xw.Explainer(model), x, target)
    assert values.shape == (3, 4, 15)
    torch.testing.assert_close(values, brute_force_ism(model, x, target), rtol=1e-5, atol=1e-6)
    assert torch.equal(values * x, torch.zeros_like(x))  # 0 at the reference base


def test_is_a_registered_perturbation_method():
    spec = xw.methods()["in_silico_mutagenesis"]
    assert spec.family == "perturbation" and spec.params == ()
    model = sequence_cnn(length=12)
    x = xw.one_hot(random_sequences(2, 12, seed=2))
    explainer = xw.Explainer(model)
    result = explainer.attribute(x, "in_silico_mutagenesis", target=1)
    assert result.method == "in_silico_mutagenesis" and result.signed
    torch.testing.assert_close(result.values, xw.in_silico_mutagenesis(explainer, x, 1))


def test_the_303_mutants_of_a_101_mer_and_the_original_in_a_few_even_passes():
    # On the CPU the runner sizes passes for the caches (one pass of all 303 mutants ran 2.1 times
    # slower per mutant here than passes of about 76); on a GPU the memory budget decides.
    model = load_jund_model()
    x = make_jund_like(4, seed=3).x[:1]
    explainer = xw.Explainer(model)
    batch_sizes = []
    handle = model.conv1.register_forward_hook(lambda m, i, o: batch_sizes.append(i[0].shape[0]))
    try:
        xw.in_silico_mutagenesis(explainer, x, target=1)
    finally:
        handle.remove()
    work = batch_sizes[1:]  # after the runner's one-input shape probe
    assert batch_sizes[0] == 1 and sum(work) == 304
    assert len(work) <= 4 and max(work) - min(work) <= 1


def test_small_memory_budget_gives_the_same_values_in_more_passes():
    model = sequence_cnn(length=10)
    x = xw.one_hot(random_sequences(2, 10, seed=4))
    seen = []
    small = xw.Explainer(model, memory_budget=20_000).attribute(x, "in_silico_mutagenesis", 0, progress=seen.append)
    large = xw.Explainer(model).attribute(x, "in_silico_mutagenesis", 0)
    torch.testing.assert_close(small.values, large.values)
    assert len(seen) > 1 and seen[-1] == 1.0


def test_cancel_through_progress_stops_the_call_and_leaves_the_model():
    model = sequence_cnn(length=10)
    model.train()
    before = snapshot(model)

    def stop(_fraction):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        xw.Explainer(model, memory_budget=20_000).attribute(
            xw.one_hot(random_sequences(2, 10)), "in_silico_mutagenesis", 0, progress=stop
        )
    assert_same(before, snapshot(model))


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (torch.rand(1, 4, 10), "one-hot"),
        (xw.one_hot("ACGTN", unknown="zeros"), "all-zero"),
        (torch.rand(1, 3, 8, 8), r"\(N, A, L\)"),
    ],
)
def test_non_one_hot_input_raises(x, match):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.LazyLinear(2))
    model(x)
    with pytest.raises(xw.InputError, match=match):
        xw.in_silico_mutagenesis(xw.Explainer(model), x)


def test_base_scores_read_the_observed_base():
    x = xw.one_hot(["ACGT"])
    values = torch.arange(16.0).view(1, 4, 4)
    assert torch.equal(xw.base_scores(values, x), torch.tensor([[0.0, 5.0, 10.0, 15.0]]))
    # In-silico mutagenesis: minus the mean effect of the three substitutions.
    ism = torch.tensor([[[0.0, 1.0, 1.0, -3.0], [-3.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0]]])
    assert torch.equal(xw.base_scores(ism, x, "in_silico_mutagenesis"), torch.tensor([[1.0, -1.0, -1.0, 1.0]]))


def test_base_scores_take_an_attribution_and_its_method():
    model = sequence_cnn(length=9)
    x = xw.one_hot(random_sequences(2, 9, seed=5))
    result = xw.Explainer(model).attribute(x, "in_silico_mutagenesis", target=0)
    expected = -result.values.sum(dim=1) / 3
    torch.testing.assert_close(xw.base_scores(result, x), expected)
    with pytest.raises(xw.InputError, match="one shape"):
        xw.base_scores(result.values, x[:, :, :5])


def test_equals_tangermeme_saturation_mutagenesis():
    sm = pytest.importorskip("tangermeme.saturation_mutagenesis")
    model = load_jund_model()
    x = make_jund_like(6, seed=11).x
    ours = xw.in_silico_mutagenesis(xw.Explainer(model), x, target=1)
    y0, y_hat = sm.saturation_mutagenesis(model, x, raw_outputs=True, fast=False, batch_size=64)
    theirs = y_hat[..., 1] - y0[:, None, None, 1]
    torch.testing.assert_close(ours, theirs.float(), rtol=1e-4, atol=1e-5)
    # Their default attribution is the same effects, centred per position and read at the observed base.
    attribution = sm.saturation_mutagenesis(model, x, target=1, fast=False)
    centred = ours - ours.mean(dim=1, keepdim=True)
    torch.testing.assert_close(attribution.float(), x * centred, rtol=1e-4, atol=1e-5)
