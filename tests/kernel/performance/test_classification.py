"""The confusion matrix, the per-class report and the one-against-rest curves against scikit-learn."""

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

from xai_widgets.kernel import InputError, ParameterError, performance


def labels(seed: int, n_classes: int = 4):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    return rng.integers(0, n_classes, n), rng.integers(0, n_classes, n)


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
def test_confusion_matrix_equals_scikit_learn(seed, normalize):
    y_true, y_pred = labels(seed)
    expected = skm.confusion_matrix(y_true, y_pred, normalize=normalize)
    ours = performance.confusion_matrix(y_true, y_pred, normalize=normalize)
    np.testing.assert_allclose(ours.numpy(), expected, atol=1e-12)


def test_confusion_matrix_with_given_labels_keeps_missing_classes_and_drops_others():
    y_true, y_pred = [0, 2, 2, 5], [0, 2, 1, 5]
    expected = skm.confusion_matrix(y_true, y_pred, labels=[2, 0, 1, 3])
    np.testing.assert_array_equal(performance.confusion_matrix(y_true, y_pred, labels=[2, 0, 1, 3]).numpy(), expected)


@pytest.mark.parametrize("seed", range(25))
def test_classification_report_equals_scikit_learn(seed):
    y_true, y_pred = labels(seed)
    expected = skm.classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    ours = performance.classification_report(y_true, y_pred)
    assert set(ours) == set(expected)
    for key, row in expected.items():
        if key == "accuracy":
            assert ours[key] == pytest.approx(row, abs=1e-12)
            continue
        assert ours[key]["f1"] == pytest.approx(row["f1-score"], abs=1e-12)
        for column in ("precision", "recall", "support"):
            assert ours[key][column] == pytest.approx(row[column], abs=1e-12)


def test_report_uses_target_names():
    report = performance.classification_report([0, 1, 1], [0, 1, 0], target_names=["cat", "dog"])
    assert report["dog"]["recall"] == 0.5 and report["cat"]["precision"] == 0.5


@pytest.mark.parametrize("seed", range(15))
def test_one_against_rest_areas_equal_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n, n_classes = int(rng.integers(12, 80)), 4
    y = np.arange(n) % n_classes
    rng.shuffle(y)
    probabilities = rng.random((n, n_classes)).round(1) + 1e-3
    probabilities /= probabilities.sum(1, keepdims=True)
    one_hot = label_binarize(y, classes=range(n_classes))
    roc = performance.roc_curves(y, probabilities)
    assert float(roc.macro) == pytest.approx(skm.roc_auc_score(y, probabilities, multi_class="ovr"), abs=1e-12)
    assert float(roc.micro) == pytest.approx(skm.roc_auc_score(one_hot, probabilities, average="micro"), abs=1e-12)
    per_class = skm.roc_auc_score(one_hot, probabilities, average=None)
    np.testing.assert_allclose(roc.areas.numpy(), per_class, atol=1e-12)
    pr = performance.precision_recall_curves(y, probabilities)
    assert float(pr.macro) == pytest.approx(skm.average_precision_score(one_hot, probabilities), abs=1e-12)
    assert float(pr.micro) == pytest.approx(
        skm.average_precision_score(one_hot, probabilities, average="micro"), abs=1e-12
    )
    fpr, tpr, _ = skm.roc_curve(one_hot[:, 2], probabilities[:, 2])
    np.testing.assert_allclose(roc.curves[2][0].numpy(), fpr, atol=1e-12)
    np.testing.assert_allclose(roc.curves[2][1].numpy(), tpr, atol=1e-12)


def test_a_class_that_never_occurs_has_no_area_and_is_left_out_of_the_macro_mean():
    y = np.array([0, 1, 0, 1])
    probabilities = np.array([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.8, 0.1]])
    roc = performance.roc_curves(y, probabilities)
    assert np.isnan(float(roc.areas[2])) and float(roc.macro) == pytest.approx(float(roc.areas[:2].mean()))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: performance.confusion_matrix([0, 1], [0]), InputError, "must match"),
        (lambda: performance.confusion_matrix([0, 1], [0, 1], normalize="rows"), ParameterError, "normalize"),
        (lambda: performance.confusion_matrix(["a"], ["b"]), InputError, "numbers"),
        (lambda: performance.classification_report([0, 1], [0, 1], target_names=["a"]), InputError, "target_names"),
        (lambda: performance.roc_curves([0, 3], [[0.5, 0.5], [0.5, 0.5]]), InputError, "class indices"),
    ],
)
def test_errors_say_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()
