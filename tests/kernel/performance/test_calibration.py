"""Calibration: ECE against torchmetrics, the reliability curve and coverage on known cases."""

import numpy as np
import pytest
import torch
from torchmetrics.classification import MulticlassCalibrationError

import xai_widgets as xw


def random_probabilities(
    n: int, n_classes: int, seed: int, sharpness: float = 3.0
) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    logits = sharpness * torch.randn(n, n_classes, generator=generator)
    probabilities = torch.softmax(logits, dim=1)
    # Labels that agree with the top class more often than chance, as a real classifier's.
    labels = torch.where(
        torch.rand(n, generator=generator) < 0.7,
        probabilities.argmax(1),
        torch.randint(0, n_classes, (n,), generator=generator),
    )
    return probabilities, labels


@pytest.mark.parametrize("n_bins", [1, 5, 15, 40])
@pytest.mark.parametrize("n_classes", [2, 4, 10])
def test_ece_equals_torchmetrics(n_bins, n_classes):
    probabilities, labels = random_probabilities(500, n_classes, seed=n_bins * 100 + n_classes)
    reference = MulticlassCalibrationError(num_classes=n_classes, n_bins=n_bins, norm="l1")(probabilities, labels)
    ours = xw.performance.expected_calibration_error(probabilities, labels, n_bins=n_bins)
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=1e-6)


def test_ece_equals_torchmetrics_with_saturated_and_edge_confidences():
    # Confidences of exactly 1 (a saturated softmax) and exactly on bin edges.
    probabilities = torch.tensor(
        [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.6, 0.4], [0.4, 0.6], [0.8, 0.2], [0.2, 0.8], [0.5, 0.5]]
    )
    labels = torch.tensor([0, 1, 1, 0, 0, 1, 1, 0])
    for n_bins in (5, 10, 15):
        reference = MulticlassCalibrationError(num_classes=2, n_bins=n_bins, norm="l1")(probabilities, labels)
        ours = xw.performance.expected_calibration_error(probabilities, labels, n_bins=n_bins)
        torch.testing.assert_close(ours, reference, rtol=1e-6, atol=1e-7)


def test_ece_takes_numpy_and_is_zero_when_calibrated():
    # Half the predictions at confidence 0.5 right half the time; the rest at 1.0, always right.
    probabilities = np.array([[0.5, 0.5]] * 4 + [[0.0, 1.0]] * 4)
    labels = np.array([0, 1, 0, 1, 1, 1, 1, 1])
    assert xw.performance.expected_calibration_error(probabilities, labels).item() == pytest.approx(0.0, abs=1e-7)


def test_reliability_curve_bins():
    probabilities = torch.tensor([[0.95, 0.05], [0.92, 0.08], [0.55, 0.45], [0.3, 0.7], [0.0, 1.0]])
    labels = torch.tensor([0, 1, 0, 1, 1])
    curve = xw.performance.reliability_curve(probabilities, labels, n_bins=5)
    torch.testing.assert_close(curve.bin_edges, torch.linspace(0, 1, 6))
    assert curve.count.tolist() == [0, 0, 1, 1, 3]  # 1.0 joins the last bin
    torch.testing.assert_close(curve.confidence[2:], torch.tensor([0.55, 0.7, (0.95 + 0.92 + 1.0) / 3]))
    torch.testing.assert_close(curve.accuracy[2:], torch.tensor([1.0, 1.0, 2 / 3]))
    assert curve.confidence[:2].isnan().all() and curve.accuracy[:2].isnan().all()


def test_reliability_curve_weights_give_the_ece_without_saturated_confidences():
    probabilities, labels = random_probabilities(300, 5, seed=1, sharpness=1.0)
    assert probabilities.max() < 1
    curve = xw.performance.reliability_curve(probabilities, labels, n_bins=10)
    filled = curve.count > 0
    gap = (curve.accuracy[filled] - curve.confidence[filled]).abs()
    from_curve = (curve.count[filled] * gap).sum() / curve.count.sum()
    torch.testing.assert_close(from_curve, xw.performance.expected_calibration_error(probabilities, labels, n_bins=10))


def test_coverage_on_a_known_case():
    errors = torch.tensor([0.5, -1.0, 2.0, -3.0])
    assert xw.performance.coverage(errors, torch.ones(4)).item() == 0.75  # |e| <= 2: 0.5, 1, 2
    assert xw.performance.coverage(errors, torch.ones(4), k=1.0).item() == 0.5
    assert xw.performance.coverage(errors.numpy(), np.full(4, 0.25), k=12).item() == 1.0


def test_coverage_of_gaussian_errors_with_their_true_std():
    generator = torch.Generator().manual_seed(0)
    std = torch.rand(100_000, generator=generator) + 0.1
    errors = std * torch.randn(100_000, generator=generator)
    # P(|Z| <= 2) = 0.9545; five standard errors of a proportion over 1e5 samples is 0.0033.
    assert xw.performance.coverage(errors, std).item() == pytest.approx(0.9545, abs=0.0035)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p: p.coverage(torch.ones(3), torch.ones(4)), "same shape"),
        (lambda p: p.coverage(torch.ones(3), -torch.ones(3)), "non-negative"),
        (lambda p: p.expected_calibration_error(torch.randn(4, 3) * 5, torch.zeros(4, dtype=torch.long)), "logits"),
        (lambda p: p.expected_calibration_error(torch.full((4, 2), 0.5), torch.zeros(3, dtype=torch.long)), "labels"),
        (lambda p: p.reliability_curve(torch.full((4, 2), 0.5), torch.zeros(4, dtype=torch.long), n_bins=0), "n_bins"),
    ],
)
def test_bad_inputs_say_what_to_pass(call, message):
    with pytest.raises(xw.ExplainerError, match=message):
        call(xw.performance)
