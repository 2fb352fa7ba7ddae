"""SequenceDesigner in Python: a run draws the kernel's curve and best sequences, motifs are boxed,
pause keeps the result and resume continues it, cancel keeps it too, controls come from the specs,
and bad input says what to do."""

import threading

import numpy as np
import pytest

import xai_widgets as xw
from xai_widgets.widgets.base.wire import from_wire
from xai_widgets.zoo import JUND_MOTIFS, load_jund_model


@pytest.fixture(scope="module")
def explainer():
    return xw.Explainer(load_jund_model())


@pytest.fixture
def designer(explainer):
    view = xw.SequenceDesigner(explainer, 4, target=1, length=101, motifs=JUND_MOTIFS, steps=6)
    yield view
    view.close()


def test_a_run_draws_the_kernels_curve_and_sequences(designer, explainer):
    assert designer.state == "ready" and "4 start(s) of 101 bases" in designer.canvas.caption
    designer.run()
    assert designer.wait(120) and designer.error == ""
    assert designer.state == "done"
    expected = xw.design_sequence(explainer, designer.starts, target=1, method="greedy", steps=6, seed=0)
    evaluations, scores = designer.history
    np.testing.assert_array_equal(evaluations, expected.evaluations.numpy())
    np.testing.assert_allclose(scores, expected.scores.numpy(), rtol=1e-5)
    assert np.all(np.diff(scores, axis=0) >= 0)  # the best so far never falls
    assert designer.best_sequences.equal(expected.sequences)
    # The chart: x = evaluations, one line per start and the best of all.
    np.testing.assert_allclose(designer.curve.starts.x, evaluations)
    np.testing.assert_allclose(np.asarray(designer.curve.best.y), scores.max(1), rtol=1e-5)
    assert designer.curve.x_axis.label.startswith("model evaluations")
    assert designer.curve.y_axis.label == "best score (raw output 1)"
    # The canvas: the best sequences as bytes, the motifs found, the logo of the 4 designs.
    codes = from_wire(designer.canvas.sequences)
    assert codes.shape == (4, 101)
    assert xw.decode_one_hot(expected.sequences) == ["".join("ACGT"[c] for c in row) for row in codes]
    hits = [
        [hit.sequence, hit.start, hit.end, f"{motif} ({hit.strand})"]
        for motif in JUND_MOTIFS
        for hit in xw.find_motif(expected.sequences, motif)
    ]
    assert designer.canvas.highlights == hits and hits
    logo = from_wire(designer.canvas.logo)
    assert logo.shape == (4, 101) and logo.min() >= 0 and logo.sum(0).max() <= 2.0 + 1e-5
    assert "step 6 of 6" in designer.canvas.caption and "done" in designer.canvas.caption


def test_pause_keeps_the_result_and_resume_finishes_the_steps(explainer):
    view = xw.SequenceDesigner(explainer, 2, target=1, length=101, method="random", steps=400)
    try:
        paused = threading.Event()

        def pause_once(change):
            if change["new"] and view.state == "running" and view._steps_done >= 20 and not paused.is_set():
                paused.set()
                view.pause()

        view.canvas.observe(pause_once, names="caption")
        view.run()
        assert view.wait(120) and view.error == ""
        assert view.state == "paused" and "paused" in view.canvas.caption
        done = view._steps_done
        assert 20 <= done < 400
        assert not view.resume_button.disabled and not view.run_button.disabled
        evaluations, scores = view.history
        assert len(evaluations) == done + 1
        view.canvas.unobserve(pause_once, names="caption")
        view.resume()
        assert view.wait(120) and view.error == ""
        assert view.state == "done" and view._steps_done == 400
        evaluations, scores = view.history
        # Random search: one evaluation per start and step, and resuming scores the starts again.
        assert len(evaluations) == 401 and evaluations[-1] == 2 + 800 + 2
        assert np.all(np.diff(scores, axis=0) >= 0)
    finally:
        view.close()


def test_cancel_keeps_the_result(explainer):
    view = xw.SequenceDesigner(explainer, 2, target=1, length=101, method="random", steps=5000)
    try:
        view.canvas.observe(
            lambda change: view.cancel() if view.state == "running" and view._steps_done >= 5 else None, names="caption"
        )
        view.run()
        assert view.wait(120)
        assert view.state == "cancelled" and view.error == "" and view.status == "idle"
        assert 5 <= view._steps_done < 5000
        assert view.history[1].shape == (view._steps_done + 1, 2)
    finally:
        view.close()


def test_method_controls_come_from_the_specs(designer):
    assert list(designer.method_menu.options) == list(xw.design_methods())
    designer.method_menu.value = "beam"
    assert set(designer.params) == {p.name for p in xw.design_method_spec("beam").params}
    designer.set_params(beam_width=2)
    assert designer.params["beam_width"] == 2
    designer.method_menu.value = "gradient"
    assert {"lr", "temperature"} <= set(designer.params)


def test_bad_input_says_what_to_do(explainer):
    with pytest.raises(xw.ExplainerError, match="length="):
        xw.SequenceDesigner(explainer, 3)
    with pytest.raises(xw.ExplainerError, match="unknown design method"):
        xw.SequenceDesigner(explainer, 3, length=101, method="annealing")
    with pytest.raises(xw.ExplainerError, match="one-hot"):
        xw.SequenceDesigner(explainer, np.full((2, 4, 101), 0.25, np.float32))
