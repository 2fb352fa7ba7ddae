"""ModelReport and SurrogateView in Python: the threshold slider recounts the confusion matrix and
moves the operating points, a confusion cell selects exactly its samples and a linked explorer
shows them, a surrogate leaf selects its samples, and errors are shown while the view keeps working."""

import numpy as np
import pytest
import torch
import traitlets
from sklearn import metrics
from torch import nn

import xai_widgets as xw
from xai_widgets.widgets.base.wire import from_wire
from xai_widgets.zoo import load_shapes_model, make_shapes


def _logistic_explainer() -> xw.Explainer:
    """Two logits (-x, x) of one feature: P(class 1) = sigmoid(2x), known in closed form."""
    model = nn.Linear(1, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[-1.0], [1.0]]))
    return xw.Explainer(model.eval())


@pytest.fixture(scope="module")
def binary_data():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(120, 1, generator=generator)
    # Labels that mostly follow x, with some flipped, so every cell of the matrix is filled.
    labels = ((x[:, 0] + 0.8 * torch.randn(120, generator=generator)) > 0).long()
    return x, labels


@pytest.fixture
def report(binary_data):
    x, labels = binary_data
    view = xw.ModelReport(_logistic_explainer(), x, labels, class_names=["no", "yes"], feature_names=["x"])
    assert view.wait(60)
    yield view
    view.close()


def test_threshold_recounts_the_matrix_and_moves_the_operating_point(report, binary_data):
    x, labels = binary_data
    scores = report.probabilities[:, 1].numpy()
    np.testing.assert_allclose(scores, torch.sigmoid(2 * x[:, 0]).numpy(), rtol=1e-5)
    assert report.status == "idle" and report.error == ""
    for threshold in (0.5, 0.2, 0.83):
        report.threshold = threshold
        assert report.wait(30)
        predicted = (scores.astype(np.float64) >= threshold).astype(int)
        np.testing.assert_array_equal(report.matrix, metrics.confusion_matrix(labels.numpy(), predicted))
        expected = metrics.classification_report(labels.numpy(), predicted, output_dict=True, zero_division=0)
        assert report.report["yes"]["recall"] == pytest.approx(expected["1"]["recall"])
        assert report.report["accuracy"] == pytest.approx(expected["accuracy"])
        tn, fp, fn, tp = metrics.confusion_matrix(labels.numpy(), predicted).ravel()
        assert report.roc.point.x[0] == pytest.approx(fp / (fp + tn), abs=1e-6)
        assert report.roc.point.y[0] == pytest.approx(tp / (tp + fn), abs=1e-6)
        assert report.pr.point.y[0] == pytest.approx(tp / (tp + fp), abs=1e-6)
        assert report.ks.threshold.x[0] == pytest.approx(threshold)
        assert report.lift.threshold.x[0] == pytest.approx(predicted.mean())
        assert f"threshold {threshold:.2f}" in report.report_html.value
    # The browser counts from the same scores with the same rule (score >= threshold).
    np.testing.assert_array_equal(from_wire(report.canvas.scores), scores)
    assert report.canvas.threshold == report.threshold


def test_curves_and_areas_equal_scikit_learn(report, binary_data):
    _, labels = binary_data
    scores = report.probabilities[:, 1].numpy()
    assert report.areas["roc_auc"] == pytest.approx(metrics.roc_auc_score(labels.numpy(), scores))
    assert report.areas["average_precision"] == pytest.approx(metrics.average_precision_score(labels.numpy(), scores))
    fpr, tpr, _ = metrics.roc_curve(labels.numpy(), scores)
    np.testing.assert_allclose(report.roc.lines[0].x, fpr, atol=1e-6)
    np.testing.assert_allclose(report.roc.lines[0].y, tpr, atol=1e-6)
    assert "AUC" in report.roc.key.value and "AP" in report.pr.key.value
    assert "KS =" in report.ks.key.value and report.ks.figure.title.startswith("KS of yes")


def test_a_cell_selects_exactly_its_samples_and_a_linked_explorer_shows_them(report, binary_data):
    x, labels = binary_data
    explorer = xw.TabularExplorer(report.explainer, x, labels, ["x"], ["no", "yes"], methods=["gradient"])
    link = report.link(explorer)[0]
    try:
        report.threshold = 0.5
        report.canvas.selected_cell = [1, 0]  # as the browser writes a click
        predicted = (report.probabilities[:, 1].double().numpy() >= 0.5).astype(int)
        expected = np.flatnonzero((labels.numpy() == 1) & (predicted == 0)).tolist()
        assert expected and report.selected_samples == expected
        assert explorer.shown_samples == expected and explorer.sample_index in expected
        np.testing.assert_allclose(explorer.data_scatter.ring.x, np.asarray(explorer.data_scatter.scatter.x)[expected])
        opacities = np.asarray(explorer.data_scatter.scatter.opacities)
        assert (opacities[expected] == 1.0).all() and (np.delete(opacities, expected) < 0.5).all()  # the rest fade
        assert f"{len(expected)} samples selected" in report.selection_label.value
        # Moving the threshold changes which samples are in the cell.
        report.threshold = 0.9
        predicted = (report.probabilities[:, 1].double().numpy() >= 0.9).astype(int)
        assert report.selected_samples == np.flatnonzero((labels.numpy() == 1) & (predicted == 0)).tolist()
        assert explorer.shown_samples == report.selected_samples
        link.unlink()
        assert explorer.shown_samples == []
        assert len(explorer.data_scatter.scatter.opacities) == 0  # nothing faded any more
    finally:
        explorer.close()


def test_image_explorer_gallery_shows_the_cell(tmp_path):
    data = make_shapes(24, seed=5)
    explainer = xw.Explainer(load_shapes_model())
    report = xw.ModelReport(explainer, data.images, data.labels, data.class_names)
    explorer = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names, methods=["saliency"])
    try:
        assert report.wait(60) and report.error == ""
        assert report.surrogate is None and list(report.pages) == ["ROC & precision-recall", "KS & lift", "Calibration"]
        report.section = "Calibration"
        assert report.section_box.children == (report.pages["Calibration"],)
        xw.link_selection(report, explorer)
        predicted = explainer.predict(data.images).argmax(1).numpy()
        cell = [int(data.labels[3]), int(predicted[3])]
        report.selected_cell = cell
        expected = np.flatnonzero((data.labels.numpy() == cell[0]) & (predicted == cell[1])).tolist()
        assert explorer.canvas.shown_samples == expected and explorer.canvas.sample_index in expected
        # Multi-class: a curve per class and the micro average; no threshold.
        assert len(report.roc.lines) == len(data.class_names) + 1
        assert from_wire(report.canvas.scores).size == 0 and report.roc.point.x.size == 0
        report.selected_cell = []
        assert report.selected_samples == [] and explorer.canvas.shown_samples == []
        # KS and lift of another class against the rest.
        report.curve_class = 2
        assert report.wait(60) and report.ks.figure.title.startswith(f"KS of {data.class_names[2]} against the rest")
        with pytest.raises(traitlets.TraitError, match="out of range"):
            report.curve_class = 9
        assert report.curve_class == 2
    finally:
        report.close()
        explorer.close()


def test_surrogate_leaf_selects_its_samples(report, binary_data):
    x, _ = binary_data
    surrogate = report.surrogate
    assert surrogate is not None and surrogate.wait(60)
    assert surrogate.surrogate.fidelity > 0.9 and "fidelity" in surrogate.fidelity_label.value
    report.selected_cell = [0, 0]
    leaf, button = next(iter(surrogate.leaf_buttons.items()))
    button.click()
    expected = np.flatnonzero(surrogate.surrogate.leaves == leaf).tolist()
    assert surrogate.selected_leaf == leaf and surrogate.selected_samples == expected
    assert report.selected_samples == expected and report.selected_cell == []
    # The threshold moves a cell's samples, not a leaf's.
    report.threshold = 0.7
    assert report.selected_samples == expected and "surrogate leaf" in report.selection_label.value
    # A cell clicked afterwards replaces the leaf's selection and unmarks the leaf.
    report.canvas.selected_cell = [1, 1]
    assert surrogate.selected_leaf == -1 and report.selected_cell == [1, 1]
    predicted = (report.probabilities[:, 1].double().numpy() >= 0.7).astype(int)
    assert report.selected_samples == np.flatnonzero((report.labels.numpy() == 1) & (predicted == 1)).tolist()
    button.click()
    assert "x ≤" in surrogate.tree_box.children[0].children[0].value
    assert "IF x" in surrogate.rules.value
    button.click()  # again: the selection is cleared
    assert surrogate.selected_leaf == -1 and surrogate.selected_samples == []


def test_surrogate_depth_refits():
    data = torch.randn(80, 3, generator=torch.Generator().manual_seed(1))
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 3))
    view = xw.SurrogateView(xw.Explainer(model.eval()), data, ["a", "b", "c"], ["p", "q", "r"], max_depth=1)
    try:
        assert view.wait(60) and len(view.leaf_buttons) <= 2
        view.max_depth = 3
        assert view.wait(60) and view.surrogate.tree.get_depth() <= 3 and view.kernel_calls["global_surrogate"] == 2
        view.max_depth = 9
        assert view.max_depth == 3 and "max_depth" in view.error
    finally:
        view.close()


def test_bad_inputs_raise_and_errors_are_shown_in_the_view(binary_data):
    x, labels = binary_data
    explainer = _logistic_explainer()
    with pytest.raises(xw.ExplainerError, match="class indices from 0 to 1"):
        xw.ModelReport(explainer, x, labels + 1)
    with pytest.raises(xw.ExplainerError, match="3 entries for 120 samples"):
        xw.ModelReport(explainer, x, labels[:3])
    with pytest.raises(xw.ExplainerError, match="class names"):
        xw.ModelReport(explainer, x, labels, class_names=["a", "b", "c"])
    with pytest.raises(xw.ExplainerError, match="regression"):
        xw.ModelReport(xw.Explainer(nn.Linear(1, 1)), x, labels)
    # Every sample labelled 0: the KS and lift of class 1 are undefined; the view says so and keeps working.
    view = xw.ModelReport(explainer, x, torch.zeros(120, dtype=torch.long), feature_names=["x"])
    try:
        assert view.wait(60)
        assert view.status == "error" and "both classes" in view.error
        assert "xw-report-error" in view.status_label.value
        assert view.matrix.sum() == 120  # the rest of the report is there
        with pytest.raises(traitlets.TraitError, match="outside"):
            view.threshold = 1.5
        with pytest.raises(traitlets.TraitError, match="selected_cell"):
            view.canvas.selected_cell = [0, 5]
        view.threshold = 0.7
        assert view.wait(30) and view.matrix.sum() == 120
    finally:
        view.close()
    with pytest.raises(xw.ExplainerError, match="no selected_samples"):
        xw.link_selection(object(), None)
