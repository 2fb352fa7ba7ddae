"""The evaluation views in Python: the ImageExplorer's evaluation panel (its numbers are
``xw.metrics``'s, a cell opens its detail, the deletion slider moves the image), the sanity check
(the slider moves every map, the model is never changed), the table over a data set, and errors."""

import numpy as np
import pytest

import xai_widgets as xw
from xai_widgets.widgets.base.wire import from_wire
from xai_widgets.widgets.views.metric_calls import format_score
from xai_widgets.zoo import load_shapes_model, make_shapes

from ...kernel.assertions import assert_same, snapshot

METHODS = ["gradient", "guided_backprop", "grad_cam"]  # in the registry's order, as the explorer lists them
QUICK = {"deletion_curve": {"steps": 10}, "insertion_curve": {"steps": 10}}


@pytest.fixture(scope="module")
def data():
    return make_shapes(4, seed=3)


@pytest.fixture(scope="module")
def explainer():
    return xw.Explainer(load_shapes_model())


@pytest.fixture
def explorer(explainer, data):
    view = xw.ImageExplorer(
        explainer,
        data.images,
        data.labels,
        data.class_names,
        methods=METHODS,
        masks=data.masks,
        evaluate=True,
        metric_params=QUICK,
    )
    assert view.wait(120)
    yield view
    view.close()


def expected_scores(explorer, data, index, target):
    """Every cell's number computed by calling xw.metrics directly on what the explorer shows."""
    image = data.images[index : index + 1]
    table = {}
    for method, values in explorer.results().items():
        for name in explorer.evaluation.metrics:
            spec = xw.registered_metrics()[name]
            result = xw.metrics.evaluate(
                name,
                explainer=explorer.explainer,
                x=image,
                attributions=values[None],
                masks=data.masks[index : index + 1],
                method=method,
                target=target,
                **QUICK.get(name, {}),
            )
            table.setdefault(method, {})[name] = float(spec.score(result)[0])
    return table


def assert_table(explorer, expected):
    shown = explorer.evaluation.scores()
    assert set(shown) == set(expected)
    for method, row in expected.items():
        assert set(shown[method]) == set(row)
        for name, value in row.items():
            np.testing.assert_allclose(shown[method][name], value, rtol=1e-9, atol=1e-12, equal_nan=True)
            cell = explorer.evaluation.grid.cells[(method, name)]
            assert cell.description == format_score(value), (method, name)


def predicted(explainer, image):
    return int(explainer.predict(image[None]).argmax())


def test_the_table_fills_with_the_numbers_xw_metrics_gives(explorer, data, explainer):
    panel = explorer.evaluation
    assert panel.is_open and panel.grid.methods == METHODS
    assert {"pointing_game", "sparseness", "deletion_curve", "insertion_curve"} <= set(panel.metrics)
    assert_table(explorer, expected_scores(explorer, data, 0, predicted(explainer, data.images[0])))
    assert explorer.error == ""
    # The best of each column is marked (pointing game: ties all marked).
    column = {m: panel.scores()[m]["sparseness"] for m in METHODS}
    best = max(column, key=column.get)
    assert panel.grid.cells[(best, "sparseness")].button_style == "success"


def test_the_table_follows_the_sample_target_methods_and_edits(explorer, data, explainer):
    explorer.canvas.sample_index = 2
    assert explorer.wait(120)
    assert_table(explorer, expected_scores(explorer, data, 2, predicted(explainer, data.images[2])))
    explorer.canvas.target = 3
    assert explorer.wait(120)
    assert_table(explorer, expected_scores(explorer, data, 2, 3))
    explorer.canvas.enabled_methods = ["gradient", "grad_cam"]
    assert explorer.wait(120)
    assert explorer.evaluation.grid.methods == ["gradient", "grad_cam"]
    assert set(explorer.evaluation.scores()) == {"gradient", "grad_cam"}
    before = explorer.evaluation.scores()
    explorer.canvas.edits = [{"tool": "rectangle", "rect": [20, 20, 44, 44]}]
    assert explorer.wait(120)
    after = explorer.evaluation.scores()
    assert after["gradient"]["deletion_curve"] != before["gradient"]["deletion_curve"]
    edited = xw.apply_edits(data.images[2], explorer.canvas.edits)
    spec = xw.registered_metrics()["deletion_curve"]
    direct = xw.metrics.deletion_curve(explainer, edited[None], explorer.results()["gradient"][None], 3, steps=10)
    assert after["gradient"]["deletion_curve"] == pytest.approx(float(spec.score(direct)[0]), rel=1e-9)


def test_the_panel_is_closed_by_default_and_opening_it_computes_the_table(explainer, data):
    view = xw.ImageExplorer(explainer, data.images, methods=["gradient"], masks=data.masks, metric_params=QUICK)
    try:
        assert view.wait(120)
        assert not view.evaluation.is_open and view.evaluation.body.layout.display == "none"
        assert not any(name.startswith("metric:") for name in view.kernel_calls), view.kernel_calls
        view.evaluation.toggle.value = True  # the user opens it
        assert view.wait(120)
        assert view.kernel_calls["metric:deletion_curve"] == 1 and view.kernel_calls["gradient"] == 1
        assert set(view.evaluation.scores()["gradient"]) == set(view.evaluation.metrics)
    finally:
        view.close()


def test_without_masks_localisation_is_left_out_and_the_note_says_so(explainer, data):
    view = xw.ImageExplorer(explainer, data.images, methods=["gradient"], evaluate=True, metric_params=QUICK)
    try:
        assert view.wait(120)
        assert "pointing_game" not in view.evaluation.metrics and "sparseness" in view.evaluation.metrics
        assert "No masks given" in view.evaluation.note.value and "pointing game" in view.evaluation.note.value
        assert view.error == ""
    finally:
        view.close()


def test_a_cell_click_opens_its_detail(explorer, data):
    panel = explorer.evaluation
    panel.grid.cells[("gradient", "deletion_curve")].click()
    detail = panel.detail
    assert panel.selected == ("gradient", "deletion_curve") and detail.curves.figure in _descendants(detail)
    deletion = panel.result("gradient", "deletion_curve")
    insertion = panel.result("gradient", "insertion_curve")
    np.testing.assert_allclose(detail.curves.deletion.y, deletion.values[0].numpy())
    np.testing.assert_allclose(detail.curves.insertion.y, insertion.values[0].numpy())
    assert detail.curves.figure.title.startswith("gradient: deletion AUC")
    assert "xw-eval-selected" in panel.grid.cells[("gradient", "deletion_curve")]._dom_classes

    panel.grid.cells[("gradient", "pointing_game")].click()
    values = explorer.results()["gradient"].numpy()
    _channel, row, col = np.unravel_index(values.argmax(), values.shape)
    assert detail.map in _descendants(detail) and detail.map.clicked_pixel == [row, col]
    np.testing.assert_array_equal(from_wire(detail.map.mask), data.masks[0, 0].numpy())
    assert ("on the mask" if data.masks[0, 0, row, col] else "off the mask") in detail.map.title

    panel.open_cell("grad_cam", "sparseness")
    assert detail.histogram.figure in _descendants(detail)
    assert detail.histogram.counts.sum() == explorer.results()["grad_cam"].numel()


def test_the_deletion_slider_changes_the_shown_image(explorer, data):
    panel = explorer.evaluation
    panel.open_cell("gradient", "deletion_curve")
    detail = panel.detail
    result = panel.result("gradient", "deletion_curve")
    shown = []
    for step in (0, 5, 10):
        detail.step.value = step
        image = from_wire(detail.map.image).astype(np.float32)
        expected = result.inputs_at(data.images[:1], step)[0].numpy()
        np.testing.assert_allclose(image, expected, atol=2e-3)
        shown.append(image)
        assert detail.curves.cursor.x[0] == pytest.approx(int(result.counts[step]) / int(result.counts[-1]))
    assert not np.array_equal(shown[0], shown[1]) and not np.array_equal(shown[1], shown[2])
    assert np.allclose(shown[2], 0.0)  # every feature deleted to the 0 baseline
    assert "features (" in detail.step_label.value


def test_a_failing_metric_shows_its_error_and_the_panel_keeps_working(explainer, data):
    view = xw.ImageExplorer(
        explainer,
        data.images,
        methods=["gradient"],
        masks=data.masks,
        evaluate=True,
        metric_params={**QUICK, "top_k_intersection": {"k": 10**6}},
    )
    try:
        assert view.wait(120)
        cell = view.evaluation.grid.cells[("gradient", "top_k_intersection")]
        assert cell.description == "error" and cell.button_style == "danger" and "k=1000000" in cell.tooltip
        assert view.status == "error" and "top_k_intersection" in view.error
        assert np.isfinite(view.evaluation.scores()["gradient"]["deletion_curve"])
        view.evaluation.open_cell("gradient", "top_k_intersection")
        assert "k=1000000" in view.evaluation.detail.heading.value
        view.canvas.sample_index = 1
        assert view.wait(120)
        assert np.isfinite(view.evaluation.scores()["gradient"]["sparseness"])
    finally:
        view.close()
    with pytest.raises(xw.ExplainerError, match="unknown metric"):
        xw.ImageExplorer(explainer, data.images, metrics=["pointing"])
    with pytest.raises(xw.ParameterError, match="has no parameter"):
        xw.ImageExplorer(explainer, data.images, metric_params={"deletion_curve": {"step": 3}})


# ---- the sanity check ------------------------------------------------------------------------------
def test_the_sanity_slider_repaints_every_map_and_the_model_is_unchanged(explainer, data):
    before = snapshot(explainer.model)
    view = xw.SanityCheckView(explainer, data.images[1], methods=METHODS)
    try:
        assert view.wait(120) and view.error == ""
        assert_same(before, snapshot(explainer.model))
        results = view.results()
        direct = xw.metrics.model_parameter_randomisation(explainer, data.images[1:2], "guided_backprop")
        np.testing.assert_allclose(results["guided_backprop"].similarity, direct.similarity)
        assert view.layers == direct.layers and view.slider.max == len(direct.layers)
        intact = {m: view.shown_map(m).copy() for m in METHODS}
        for m in METHODS:
            np.testing.assert_allclose(intact[m], results[m].maps[0, 0].numpy(), rtol=1e-3, atol=1e-6)
        view.slider.value = 3  # as a drag of the slider
        assert view.step == 3 and "features.conv4" in view.layer_label.value
        for m in METHODS:
            moved = view.shown_map(m)
            assert not np.array_equal(moved, intact[m]), m
            np.testing.assert_allclose(moved, results[m].maps[3, 0].numpy(), rtol=1e-3, atol=1e-6)
            assert "3 layers randomised" in view.maps[m].title
        assert view.chart.cursor.x[0] == 3
        np.testing.assert_allclose(view.chart.lines.y[2], results["grad_cam"].similarity[:, 0].numpy(), equal_nan=True)
        assert_same(before, snapshot(explainer.model))
    finally:
        view.close()


def test_the_sanity_check_says_what_is_wrong(explainer, data):
    with pytest.raises(xw.ExplainerError, match="one \\(C, H, W\\) image"):
        xw.SanityCheckView(explainer, data.images[0, 0])
    with pytest.raises(xw.ExplainerError, match="unknown method"):
        xw.SanityCheckView(explainer, data.images[0], methods=["gradients"])
    with pytest.raises(xw.ParameterError):
        xw.SanityCheckView(explainer, data.images[0], similarity="cosine")
    view = xw.SanityCheckView(
        explainer,
        data.images[0],
        methods=["gradient", "grad_cam"],
        method_params={"grad_cam": {"layer": "no.such.layer"}},
    )
    try:
        assert view.wait(120)
        assert view.status == "error" and "grad_cam" in view.error and "gradient" in view.results()
        assert view.maps["grad_cam"].error
    finally:
        view.close()


# ---- the table over a data set --------------------------------------------------------------------
def test_the_table_over_a_data_set_shows_means_and_spreads_of_xw_metrics(explainer, data):
    view = xw.EvaluationTable(explainer, data.images, data.masks, methods=["gradient", "grad_cam"], metric_params=QUICK)
    try:
        assert view.wait(180) and view.error == ""
        summary = view.summary()
        for method in ("gradient", "grad_cam"):
            maps = explainer.attribute(data.images, method)
            for name in view.metrics:
                spec = xw.registered_metrics()[name]
                result = xw.metrics.evaluate(
                    name,
                    explainer=explainer,
                    x=data.images,
                    attributions=maps.values,
                    masks=data.masks,
                    method=method,
                    target=maps.target,
                    **QUICK.get(name, {}),
                )
                values = spec.score(result).numpy()
                np.testing.assert_allclose(view.scores()[method][name], values, rtol=1e-9, equal_nan=True)
                finite = values[np.isfinite(values)]
                assert summary[method][name] == pytest.approx((finite.mean(), finite.std()))
                cell = view.grid.cells[(method, name)].description
                assert cell == f"{format_score(finite.mean())} ± {format_score(finite.std(), digits=2)}"
        assert view.kernel_calls == {"evaluation": 1}
    finally:
        view.close()


def test_a_cancelled_table_says_so_and_computes_the_rest_on_request(explainer, data):
    view = xw.EvaluationTable(explainer, data.images, methods=["gradient", "grad_cam"], metric_params=QUICK)
    view.cancel()
    assert view.wait(120)
    cells = [cell.description for cell in view.grid.cells.values()]
    if "cancelled" in cells:  # the cancel may come after the job ended on a fast machine
        assert view.status_bar.visible and view.error == ""
    view.compute_button.click()
    assert view.wait(180)
    assert all(" ± " in cell.description for cell in view.grid.cells.values())


def _descendants(widget):
    found, stack = [], [widget]
    while stack:
        item = stack.pop()
        found.append(item)
        stack.extend(getattr(item, "children", ()) or ())
    return found
