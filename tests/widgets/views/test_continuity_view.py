"""ContinuityView in Python: the fields, the draggable point and its bars, the path across the
diagonal (the jump of gradient and gradient x input, the smooth turn of LRP on max(x1, x2)), the
tabular mode, the errors, and the model left as it was."""

import numpy as np
import pytest
import torch
import traitlets

import xai_widgets as xw
from xai_widgets.widgets.views.continuity_view import ContinuityView
from xai_widgets.zoo import load_shapes_model, load_tabular, max_network, train_tabular_mlp

Z_PLUS = {"composite": "excitation_backprop"}


@pytest.fixture(scope="module")
def diabetes():
    data = load_tabular("diabetes")
    return data, xw.Explainer(train_tabular_mlp(data, epochs=30))


@pytest.fixture
def view():
    view = ContinuityView()
    assert view.wait(60)
    yield view
    view.close()


def kernel(explainer, inputs, method, **params):
    return explainer.attribute(inputs, method, target=0, **params).values.numpy()


def drag(view, method, x, y, drop=False):
    """What the browser does when the point of ``method``'s panel is dragged to (x, y) (and let go)."""
    scatter = view.panels[method].point
    with scatter.hold_trait_notifications():
        scatter.x, scatter.y = np.array([x]), np.array([y])
    if drop:
        drop_at(view, method, x, y)
    assert view.wait(60)


def drop_at(view, method, x, y):
    """The browser's message at the end of a drag of ``method``'s point, at (x, y)."""
    view.panels[method].point._handle_custom_msgs(None, {"event": "drag_end", "point": {"x": x, "y": y}, "index": 0})


def test_opens_on_the_max_network_with_a_field_per_method_in_one_call_each(view):
    assert view.methods == ["gradient", "grad_x_input", "lrp"] and view.params["lrp"] == Z_PLUS
    assert view.status == "idle" and view.error == ""
    # The path runs from (0.05, 0.95) at t = -1 to (0.95, 0.05) at t = 1.
    assert view.path_point(-1.0) == pytest.approx([0.05, 0.95]) and view.path_point(1.0) == pytest.approx([0.95, 0.05])
    # The slider starts where the point projects.
    assert view.point == [0.75, 0.25] and view.path_t == pytest.approx(0.25 / 0.45)
    for method in view.methods:
        assert view.kernel_calls[f"field:{method}"] == 1 and view.kernel_calls[f"path:{method}"] == 1
        assert view.fields[method].shape == (41, 41, 2)
    # Cells tile [0, 1]²; the field's rows run over x2, its columns over x1.
    np.testing.assert_allclose(view.x_centres, (np.arange(41) + 0.5) / 41)
    row, col = 7, 30
    inputs = torch.tensor([[view.x_centres[col], view.y_centres[row]]], dtype=torch.float32)
    for method in view.methods:
        expected = kernel(view.explainer, inputs, method, **view.params[method])[0]
        np.testing.assert_allclose(view.fields[method][row, col], expected, rtol=1e-5, atol=1e-6)
    # The colour: the share of |relevance| on x1: +1 below the diagonal for the gradients, LRP's
    # 1 - x2/x1 (= (x1 - x2) / x1: R1 = x1 - x2/2, R2 = x2/2).
    x1, x2 = view.x_centres[col], view.y_centres[row]
    assert view.panels["gradient"].field[row, col] == pytest.approx(1.0)
    assert view.panels["grad_x_input"].field[row, col] == pytest.approx(1.0)
    assert view.panels["lrp"].field[row, col] == pytest.approx((x1 - x2) / x1, abs=1e-4)
    assert view.panels["gradient"].field[col, row] == pytest.approx(-1.0)
    # The bars at the start point equal the kernel there.
    for method in view.methods:
        expected = kernel(view.explainer, torch.tensor([[0.75, 0.25]]), method, **view.params[method])[0]
        np.testing.assert_allclose(view.results()[method], expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(view.bars[method].values, expected, rtol=1e-5, atol=1e-6)


def test_dragging_the_point_updates_every_panel_and_the_bars_equal_the_kernel_there(view):
    drag(view, "grad_x_input", 0.3, 0.65)
    assert view.point == pytest.approx([0.3, 0.65])
    for method in view.methods:
        panel = view.panels[method].point
        assert (float(panel.x[0]), float(panel.y[0])) == pytest.approx((0.3, 0.65))
        expected = kernel(view.explainer, torch.tensor([[0.3, 0.65]]), method, **view.params[method])[0]
        np.testing.assert_allclose(view.bars[method].values, expected, rtol=1e-5, atol=1e-6)
    # The path charts' cursors show where the point projects onto the path; the slider stays
    # until the drag ends, then goes there (on its steps) and the point stays where it was dropped.
    t = ((0.3 - 0.5) - (0.65 - 0.5)) / 0.45 / 2
    assert view.path_t == pytest.approx(0.25 / 0.45) and view.path_position([0.3, 0.65]) == pytest.approx(t)
    for chart in view.paths.values():
        np.testing.assert_allclose(chart.cursor.x, [t, t], atol=1e-6)
    drag(view, "grad_x_input", 0.3, 0.65, drop=True)
    assert view.path_t == pytest.approx(t) and view.slider.value == view.path_t
    assert view.point == pytest.approx([0.3, 0.65])
    # The browser's slider sends back its rounding of that (its steps are 0.005): not a move.
    view.slider.value = round(t / 0.005) * 0.005
    assert view.point == pytest.approx([0.3, 0.65])


def test_the_drop_message_may_come_before_the_last_position(view):
    # ipywidgets holds back a state update while one is in flight; bqplot's drag_end is a custom
    # message that is not held back, so it can arrive first: its point is the one that counts.
    drag(view, "lrp", 0.6, 0.5)
    drop_at(view, "lrp", 0.62, 0.3)
    assert view.wait(60)
    assert view.point == pytest.approx([0.62, 0.3]) and view.path_t == pytest.approx(view.path_position([0.62, 0.3]))
    drag(view, "lrp", 0.62, 0.3)  # the held-back update lands: nothing changes
    assert view.point == pytest.approx([0.62, 0.3])
    # A move recomputes the bars only.
    assert all(view.kernel_calls[f"field:{m}"] == 1 for m in view.methods)


def test_a_point_dragged_out_of_the_plane_stays_at_its_edge(view):
    drag(view, "lrp", 1.4, -0.2)
    assert view.point == [1.0, 0.0]
    assert (float(view.panels["lrp"].point.x[0]), float(view.panels["lrp"].point.y[0])) == (1.0, 0.0)
    np.testing.assert_allclose(view.results()["lrp"], [1.0, 0.0], atol=1e-5)


def test_the_path_slider_moves_the_point_across_the_diagonal(view):
    view.slider.value = -0.5
    assert view.wait(60)
    assert view.path_t == -0.5 and view.point == pytest.approx([0.5 - 0.225, 0.5 + 0.225])
    np.testing.assert_allclose(view.results()["gradient"], [0.0, 1.0])
    view.path_t = 3.0
    assert view.path_t == 1.0 and view.point == pytest.approx([0.95, 0.05])
    view.path_t = 0.1234
    assert view.path_t == 0.1234 and view.point == pytest.approx(view.path_point(0.1234))
    with pytest.raises(traitlets.TraitError, match="target must be"):
        view.target = 1


@pytest.mark.parametrize("t", [0.2, 0.5, 0.8])
def test_gradient_and_taylor_jump_across_the_diagonal_and_lrp_turns_smoothly(view, t):
    delta = 1e-3
    seen = {}
    for side, point in (("below", [t + delta, t]), ("above", [t - delta, t])):
        view.point = point
        assert view.wait(60)
        seen[side] = view.results()
    jump = {m: abs(float(seen["below"][m][0] - seen["above"][m][0])) for m in view.methods}
    assert jump["gradient"] == pytest.approx(1.0, abs=1e-6)
    assert jump["grad_x_input"] == pytest.approx(t, abs=2 * delta)
    # LRP: R1 = x1 - x2/2 below, x1/2 above: t/2 + delta against t/2 - delta/2.
    assert jump["lrp"] == pytest.approx(1.5 * delta, abs=1e-5)
    np.testing.assert_allclose(seen["below"]["lrp"], [t / 2 + delta, t / 2], atol=1e-5)


def test_the_path_curves_show_the_jump_and_the_smooth_turn(view):
    t = view.t
    assert len(t) == 200 and t[0] == -1.0 and t[-1] == 1.0 and not np.any(t == 0.0)
    steps = {m: np.abs(np.diff(view.path_values[m], axis=0)).max(1) for m in view.methods}
    crossing = int(np.argmax(t > 0)) - 1  # the step from the last t < 0 to the first t > 0
    assert steps["gradient"][crossing] == pytest.approx(1.0) and np.delete(steps["gradient"], crossing).max() == 0.0
    assert steps["grad_x_input"][crossing] > 0.49
    # LRP's largest step anywhere is its slope's: R1 = x1 - x2/2 with x1 = 0.5 + 0.45 t and
    # x2 = 0.5 - 0.45 t moves by 0.675 per unit of t. No jump.
    assert steps["lrp"].max() < 0.675 * (t[1] - t[0]) + 1e-5
    expected = kernel(view.explainer, view.inputs_at([view.path_point(float(v)) for v in t]), "lrp", **Z_PLUS)
    np.testing.assert_allclose(view.path_values["lrp"], expected, rtol=1e-5, atol=1e-6)


def test_a_burst_of_moves_computes_the_last_point(view):
    for k in range(30):
        view.point = [0.2 + 0.02 * k, 0.5]
    assert view.wait(60)
    last = torch.tensor([[0.2 + 0.02 * 29, 0.5]])
    assert view.point == pytest.approx(last[0].tolist())
    np.testing.assert_allclose(view.results()["lrp"], kernel(view.explainer, last, "lrp", **Z_PLUS)[0], atol=1e-6)
    assert view.kernel_calls["lrp"] <= 31


def test_tabular_mode_varies_two_features_over_their_range_with_the_rest_at_the_mean(diabetes):
    data, explainer = diabetes
    bmi, s5 = data.feature_names.index("bmi"), data.feature_names.index("s5")
    view = ContinuityView(explainer, data.X, features=(bmi, s5), feature_names=data.feature_names, grid=21)
    try:
        assert view.wait(60) and view.error == "", view.error
        X = data.X.numpy()
        np.testing.assert_allclose(view.plane, [[X[:, bmi].min(), X[:, bmi].max()], [X[:, s5].min(), X[:, s5].max()]])
        np.testing.assert_allclose(view.base, X.mean(0), atol=1e-6)
        # It starts at the mean row's own bmi and s5.
        assert view.point == pytest.approx([X[:, bmi].mean(), X[:, s5].mean()], abs=1e-6)
        inputs = view.inputs_at([[0.5, -1.0]])
        expected_row = X.mean(0)
        expected_row[bmi], expected_row[s5] = 0.5, -1.0
        np.testing.assert_allclose(inputs[0].numpy(), expected_row, atol=1e-6)
        grid_inputs = view.inputs_at(np.stack(np.meshgrid(view.x_centres, view.y_centres), -1).reshape(-1, 2))
        for method in view.methods:
            full = kernel(explainer, grid_inputs, method, **view.params[method])[:, [bmi, s5]].reshape(21, 21, 2)
            np.testing.assert_allclose(view.fields[method], full, rtol=1e-4, atol=1e-5)
        drag(view, "gradient", 0.4, -0.3)
        for method in view.methods:
            expected = kernel(explainer, view.inputs_at([[0.4, -0.3]]), method, **view.params[method])[0, [bmi, s5]]
            np.testing.assert_allclose(view.results()[method], expected, rtol=1e-4, atol=1e-6)
        assert view.panels["gradient"].x_axis.label == "bmi (standardised)"
    finally:
        view.close()


def test_tabular_mode_with_a_chosen_row_and_original_units(diabetes):
    data, explainer = diabetes
    view = ContinuityView(
        explainer,
        data.X,
        features=(2, 3),
        feature_names=data.feature_names,
        row=17,
        grid=11,
        methods=("gradient",),
        feature_means=data.feature_means,
        feature_scales=data.feature_scales,
    )
    try:
        assert view.wait(60) and view.error == ""
        np.testing.assert_allclose(view.base, data.X[17].numpy())
        assert view.point == pytest.approx(data.X[17, [2, 3]].tolist())
        panel = view.panels["gradient"]
        means, scales = data.feature_means.numpy(), data.feature_scales.numpy()
        assert panel.x_scale.min == pytest.approx(float(data.X[:, 2].min() * scales[2] + means[2]), rel=1e-5)
        assert panel.x_axis.label == "bmi (original units)"
        # A drag in original units lands at the standardised point.
        drag(view, "gradient", float(means[2] + 0.5 * scales[2]), float(means[3]))
        assert view.point == pytest.approx([0.5, 0.0], abs=1e-5)
    finally:
        view.close()


def test_errors_say_what_to_do(diabetes):
    data, explainer = diabetes
    with pytest.raises(xw.ExplainerError, match="without an explainer"):
        ContinuityView(X=data.X)
    with pytest.raises(xw.ExplainerError, match="give X"):
        ContinuityView(explainer)
    with pytest.raises(xw.ExplainerError, match="out of range: the data has 10 features"):
        ContinuityView(explainer, data.X, features=(2, 10))
    with pytest.raises(xw.ExplainerError, match="twice: choose two different features"):
        ContinuityView(explainer, data.X, features=(3, 3))
    with pytest.raises(xw.ExplainerError, match="two column indices"):
        ContinuityView(explainer, data.X, features=(1, 2, 3))
    with pytest.raises(xw.ExplainerError, match="explains tabular models"):
        ContinuityView(xw.Explainer(load_shapes_model()), torch.rand(4, 3, 64, 64))
    with pytest.raises(xw.ExplainerError, match="needs a tabular model"):
        ContinuityView(xw.Explainer(load_shapes_model()), torch.rand(20, 5))
    with pytest.raises(xw.ExplainerError, match="unknown method"):
        ContinuityView(methods=("gradient", "no_such_method"))
    with pytest.raises(xw.ExplainerError, match="grid must be an int"):
        ContinuityView(grid=1)
    with pytest.raises(xw.ExplainerError, match="row 500 is out of range"):
        ContinuityView(explainer, data.X, row=500)
    with pytest.raises(xw.ExplainerError, match="target must be"):
        ContinuityView(target=3)
    with pytest.raises(xw.ExplainerError, match="not among the methods"):
        ContinuityView(method_params={"integrated_gradients": {"n_steps": 8}})
    constant = data.X.clone()
    constant[:, 4] = 1.0
    with pytest.raises(xw.ExplainerError, match="choose a feature that varies"):
        ContinuityView(explainer, constant, features=(4, 5))


def test_a_method_that_fails_is_an_error_and_the_view_keeps_working():
    view = ContinuityView(methods=("gradient", "grad_cam"))
    try:
        assert view.wait(60)
        assert view.status == "error" and view.error.count("grad_cam:") == 1
        assert view.panels["grad_cam"].figure.title == "grad_cam: error"
        view.point = [0.2, 0.6]
        assert view.wait(60)
        np.testing.assert_allclose(view.results()["gradient"], [0.0, 1.0])
    finally:
        view.close()


def test_the_lrp_composite_is_a_parameter():
    view = ContinuityView(methods=("lrp",), method_params={"lrp": {"composite": "epsilon", "epsilon": 1e-9}})
    try:
        assert view.wait(60) and view.error == ""
        # ε → 0 on a ReLU network is gradient x input: it jumps like it.
        np.testing.assert_allclose(view.results()["lrp"], [0.75, 0.0], atol=1e-5)
        assert "epsilon" in view.panels["lrp"].figure.title
    finally:
        view.close()


def test_the_model_is_left_as_it_was(diabetes):
    data, explainer = diabetes
    model = explainer.model
    model.train()
    before = {name: value.clone() for name, value in model.state_dict().items()}
    grads = [(p.requires_grad, None if p.grad is None else p.grad.clone()) for p in model.parameters()]
    view = ContinuityView(explainer, data.X, features=(0, 2), grid=9)
    try:
        assert view.wait(60)
        view.point = [0.1, 0.2]
        assert view.wait(60) and view.error == ""
    finally:
        view.close()
    assert model.training
    for p, (requires_grad, grad) in zip(model.parameters(), grads, strict=True):
        assert p.requires_grad == requires_grad
        assert (p.grad is None) if grad is None else torch.equal(p.grad, grad)
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name
    model.eval()
    network = max_network()
    state = {name: value.clone() for name, value in network.state_dict().items()}
    own = ContinuityView(xw.Explainer(network), torch.rand(50, 2), grid=5)
    try:
        assert own.wait(60) and own.error == ""
    finally:
        own.close()
    assert not network.training and all(torch.equal(v, state[k]) for k, v in network.state_dict().items())
