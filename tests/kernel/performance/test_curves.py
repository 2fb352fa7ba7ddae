"""ROC, precision-recall, KS and lift curves against scikit-learn and scipy, ties included."""

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn import metrics as skm

from xai_widgets.kernel import InputError, ParameterError, performance


def random_case(seed: int, tied: bool):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 80))
    y = rng.integers(0, 2, n)
    y[0], y[-1] = 0, 1  # both classes present
    scores = rng.integers(0, 6, n) / 5 if tied else rng.random(n)
    return y, scores


CASES = [random_case(seed, tied) for seed in range(40) for tied in (False, True)]


@pytest.mark.parametrize("y, scores", CASES)
@pytest.mark.parametrize("drop_intermediate", [True, False])
def test_roc_curve_equals_scikit_learn(y, scores, drop_intermediate):
    expected = skm.roc_curve(y, scores, drop_intermediate=drop_intermediate)
    ours = performance.roc_curve(y, scores, drop_intermediate=drop_intermediate)
    for theirs, mine in zip(expected, ours, strict=True):
        np.testing.assert_allclose(mine.numpy(), theirs, rtol=0, atol=1e-12)
    assert abs(float(performance.roc_auc(y, scores)) - skm.roc_auc_score(y, scores)) < 1e-12


@pytest.mark.parametrize("y, scores", CASES)
def test_precision_recall_curve_and_average_precision_equal_scikit_learn(y, scores):
    for theirs, mine in zip(
        skm.precision_recall_curve(y, scores), performance.precision_recall_curve(y, scores), strict=True
    ):
        np.testing.assert_allclose(mine.numpy(), theirs, rtol=0, atol=1e-12)
    assert abs(float(performance.average_precision(y, scores)) - skm.average_precision_score(y, scores)) < 1e-12


@pytest.mark.filterwarnings("ignore:divide by zero")  # scipy's p-value for a class of one sample
@pytest.mark.parametrize("y, scores", CASES)
def test_ks_statistic_equals_scipy_two_sample_ks(y, scores):
    expected = stats.ks_2samp(scores[y == 1], scores[y == 0], method="asymp").statistic
    curve = performance.ks_curve(y, scores)
    assert abs(float(curve.statistic) - expected) < 1e-12
    gap = (curve.positive_rate - curve.negative_rate).abs()
    assert float(gap[curve.thresholds == curve.threshold][0]) == pytest.approx(expected)


def test_pos_label_and_minus_one_labels():
    y = np.array([-1, 1, 1, -1, 1])
    scores = np.array([0.1, 0.8, 0.4, 0.35, 0.9])
    assert float(performance.roc_auc(y, scores)) == pytest.approx(skm.roc_auc_score(y, scores))
    y2 = np.array([3, 7, 7, 3, 7])
    assert float(performance.roc_auc(y2, scores, pos_label=7)) == pytest.approx(skm.roc_auc_score(y2 == 7, scores))


def test_tensors_stay_on_their_device_and_keep_float64_rates():
    y, scores = torch.tensor([0, 1, 1, 0]), torch.tensor([0.1, 0.9, 0.4, 0.5])
    fpr, tpr, thresholds = performance.roc_curve(y, scores)
    assert fpr.dtype == torch.float64 and thresholds[0] == float("inf")
    assert thresholds.device == scores.device


def lift_by_hand(y, scores, n_bins):
    order = np.argsort(-scores, kind="stable")
    groups = np.array_split(y[order], n_bins)
    base = y.mean()
    sizes = np.array([len(g) for g in groups])
    hits = np.array([g.sum() for g in groups])
    cumulative = np.cumsum(hits) / np.cumsum(sizes)
    return hits / sizes / base, cumulative / base, np.cumsum(hits) / y.sum(), np.cumsum(sizes) / len(y)


@pytest.mark.parametrize("y, scores", CASES[:20])
@pytest.mark.parametrize("n_bins", [1, 2, 10])
def test_lift_curve_equals_a_hand_computed_table(y, scores, n_bins):
    if n_bins > len(y):
        pytest.skip("more bins than samples is an error, tested below")
    lift, cumulative_lift, gain, fraction = lift_by_hand(y, scores, n_bins)
    curve = performance.lift_curve(y, scores, n_bins=n_bins)
    np.testing.assert_allclose(curve.lift.numpy(), lift, atol=1e-12)
    np.testing.assert_allclose(curve.cumulative_lift.numpy(), cumulative_lift, atol=1e-12)
    np.testing.assert_allclose(curve.gain.numpy(), gain, atol=1e-12)
    np.testing.assert_allclose(curve.fraction.numpy(), fraction, atol=1e-12)
    assert curve.gain[-1] == pytest.approx(1.0) and curve.cumulative_lift[-1] == pytest.approx(1.0)


def test_a_perfect_ranking_has_the_largest_lift_and_a_ks_of_one():
    y = np.array([1] * 10 + [0] * 90)
    scores = np.linspace(1, 0, 100)
    curve = performance.lift_curve(y, scores, n_bins=10)
    assert float(curve.lift[0]) == pytest.approx(10.0)
    assert float(performance.ks_statistic(y, scores)) == 1.0


@pytest.mark.parametrize(
    "y, scores, message",
    [
        ([0, 1, 2], [0.1, 0.2, 0.3], "two classes"),
        ([0, 1], [0.1, 0.2, 0.3], "must match"),
        ([0, 1, 1], [0.1, float("nan"), 0.3], "NaN"),
        ([0, 1], [[0.1, 0.9], [0.8, 0.2]], "one score per sample"),
        ([2, 5], [0.1, 0.2], "pos_label"),
        ([0.5, 1], [0.1, 0.2], "whole numbers"),
    ],
)
def test_bad_inputs_raise_a_clear_error(y, scores, message):
    with pytest.raises(InputError, match=message):
        performance.roc_curve(y, scores)


def test_roc_auc_with_one_class_raises():
    with pytest.raises(InputError, match="both classes"):
        performance.roc_auc([1, 1, 1], [0.1, 0.5, 0.9])


def test_lift_curve_rejects_bad_bins():
    with pytest.raises(ParameterError, match="n_bins"):
        performance.lift_curve([0, 1, 1], [0.1, 0.5, 0.9], n_bins=4)
