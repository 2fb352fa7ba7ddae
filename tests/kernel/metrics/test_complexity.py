"""Sparseness (Gini) and complexity (entropy) against Quantus and against their closed forms on
uniform and one-hot maps."""

import math

import pytest
import torch

import xai_widgets as xw

from .conftest import assert_close, run_quantus

MAPS = torch.randn(4, 3, 8, 8, generator=torch.Generator().manual_seed(2)) ** 3


@pytest.mark.parametrize("name, class_name", [("sparseness", "Sparseness"), ("complexity", "Complexity")])
def test_equal_to_quantus_with_its_batch_normalisation_and_one_sample_at_a_time_with_ours(
    quantus, cnn, name, class_name
):
    model, _x = cnn
    x = torch.rand(4, 3, 8, 8)
    metric = getattr(xw.metrics, name)
    quantus_metric = getattr(quantus, class_name)(disable_warnings=True)
    theirs = run_quantus(quantus_metric, model, x, [0, 1, 2, 3], a_batch=MAPS)
    assert_close(metric(MAPS, normalise="batch"), theirs)
    ours = metric(MAPS)
    for i in range(4):
        one = slice(i, i + 1)
        assert_close(ours[one], run_quantus(quantus_metric, model, x[one], [i], a_batch=MAPS[one]))


def test_uniform_and_one_hot_maps_have_the_closed_form_scores():
    n_features = 3 * 8 * 8
    uniform = torch.ones(2, 3, 8, 8)
    one_hot = torch.zeros(2, 3, 8, 8)
    one_hot[:, 1, 2, 3] = 5.0
    assert xw.metrics.sparseness(uniform).tolist() == pytest.approx([0.0, 0.0], abs=1e-12)
    assert xw.metrics.complexity(uniform).tolist() == pytest.approx([math.log(n_features)] * 2, rel=1e-9)
    # Gini of one non-zero among F features is 1 - 1/F (up to Quantus's 1e-7 shift).
    assert xw.metrics.sparseness(one_hot).tolist() == pytest.approx([1 - 1 / n_features] * 2, rel=1e-4)
    assert xw.metrics.complexity(one_hot).tolist() == pytest.approx([0.0, 0.0], abs=1e-9)


def test_scores_do_not_depend_on_the_batch_or_the_maps_scale():
    for metric in (xw.metrics.sparseness, xw.metrics.complexity):
        batch = metric(MAPS)
        torch.testing.assert_close(batch, torch.cat([metric(MAPS[i : i + 1]) for i in range(4)]))
        torch.testing.assert_close(metric(1e-4 * MAPS.numpy()), batch)
