"""SequenceExplorer in Python: the top-k rows and their per-base scores equal the kernel's, opening
a row and changing a base recompute the output and every map, a burst of edits computes the last,
errors keep the view working, and bad input says what to do."""

import numpy as np
import pytest
import torch

import xai_widgets as xw
from xai_widgets.widgets.base.wire import from_wire
from xai_widgets.zoo import JUND_MOTIFS, load_jund_model, make_jund_like

ALPHABET = "ACGT"


@pytest.fixture(scope="module")
def jund():
    return make_jund_like(80, seed=3), xw.Explainer(load_jund_model())


@pytest.fixture
def explorer(jund):
    data, explainer = jund
    view = xw.SequenceExplorer(
        explainer, data.x, data.labels, data.sites, top_k=6, class_names=["no site", "site"], design=False
    )
    assert view.wait(120)
    yield view
    view.close()


def test_rows_are_the_top_k_by_output_with_labels_sites_and_scores(explorer, jund):
    data, explainer = jund
    assert explorer.status == "idle" and explorer.error == ""
    probabilities = explainer.predict(data.x)[:, 1]
    top = torch.argsort(probabilities, descending=True)[:6]
    info = explorer.canvas.row_info
    assert [row["index"] for row in info] == top.tolist()
    assert [row["output"] for row in info] == pytest.approx(probabilities[top].tolist())
    assert all(a["output"] >= b["output"] for a, b in zip(info, info[1:], strict=False))
    for row in info:
        assert row["label"] == ("site" if data.labels[row["index"]] == 1 else "no site")
        assert row["sites"] == [list(site) for site in data.sites[row["index"]]]
    # Letters travel as uint8 codes (bytes on the wire), not JSON lists.
    rows = from_wire(explorer.canvas.rows)
    assert explorer.canvas.rows["dtype"] == "uint8" and rows.shape == (6, 101)
    assert ["".join(ALPHABET[c] for c in codes) for codes in rows] == [data.strings[i] for i in top.tolist()]
    # One per-base score row per enabled method, equal to the kernel's base_scores.
    assert explorer.canvas.enabled_methods == [
        "saliency",
        "grad_x_input",
        "integrated_gradients",
        "deeplift",
        "in_silico_mutagenesis",
    ]
    x = data.x[top]
    for method in explorer.canvas.enabled_methods:
        expected = xw.base_scores(explainer.attribute(x, method, target=1).values, x, method=method)
        shown = from_wire(explorer.canvas.row_scores[method])
        np.testing.assert_allclose(shown, expected.numpy(), rtol=2e-3, atol=2e-3 * float(expected.abs().max()))
    assert "site" in explorer.canvas.target_label


def test_open_a_row_then_change_a_base_and_every_map_follows(explorer, jund):
    data, explainer = jund
    explorer.open_row(0)
    assert explorer.wait(60) and explorer.error == ""
    index = explorer.canvas.row_info[0]["index"]
    assert explorer.canvas.output_label.startswith(f"sample {index}: site p=")
    before = {name: from_wire(entry["values"]).copy() for name, entry in explorer.canvas.maps.items()}
    assert set(before) == set(explorer.canvas.enabled_methods)
    ism_before = from_wire(explorer.canvas.mutagenesis["values"]).copy()
    assert ism_before.shape == (4, 101)

    # Change the first base of the first known site (the model's evidence) to another letter.
    start = data.sites[index][0][0] if data.sites[index] else 50
    old = data.strings[index][start]
    new = "A" if old != "A" else "C"
    explorer.set_base(start, new)
    assert explorer.wait(60) and explorer.error == ""
    edited = xw.one_hot(data.strings[index][:start] + new + data.strings[index][start + 1 :])
    assert torch.equal(explorer.open_sequence[None], edited)
    sequence = from_wire(explorer.canvas.sequence)
    assert ALPHABET[sequence[start]] == new and ALPHABET[from_wire(explorer.canvas.reference)[start]] == old
    p = float(explainer.predict(edited)[0, 1])
    assert f"p={p:.4f}" in explorer.canvas.output_label and "1 base changed" in explorer.canvas.output_label
    changed = []
    for method, entry in explorer.canvas.maps.items():
        expected = xw.base_scores(explainer.attribute(edited, method, target=1).values, edited, method=method)[0]
        shown = from_wire(entry["values"])
        np.testing.assert_allclose(shown, expected.numpy(), rtol=2e-3, atol=2e-3 * float(expected.abs().max()))
        changed += [method] if not np.array_equal(shown, before[method]) else []
    # (A map may stay put where a max-pooling model reads another, intact site.)
    assert changed, "no map changed"
    ism = xw.in_silico_mutagenesis(explainer, edited, target=1)[0]
    shown_ism = from_wire(explorer.canvas.mutagenesis["values"])
    np.testing.assert_allclose(shown_ism, ism.numpy(), rtol=2e-3, atol=1e-3)
    assert not np.array_equal(shown_ism, ism_before)
    assert explorer.results()["mutagenesis"].shape == (4, 101)

    # Another row: the edits belong to the first one and go.
    explorer.open_row(1)
    assert explorer.wait(60)
    assert explorer.canvas.edits == []
    assert explorer.canvas.output_label.startswith(f"sample {explorer.canvas.row_info[1]['index']}:")


def test_a_burst_of_edits_computes_the_last(explorer):
    explorer.open_row(0)
    assert explorer.wait(60)
    calls = dict(explorer.kernel_calls)
    worker = explorer.worker
    with worker._condition:  # hold the worker so that the burst queues up behind it
        for position in range(10, 20):
            explorer.set_base(position, "T")
    assert explorer.wait(60) and explorer.error == ""
    assert len(explorer.canvas.edits) >= 1
    # At most two jobs for the burst (one may have started before the hold), not ten.
    assert explorer.kernel_calls["saliency"] - calls["saliency"] <= 2
    last = explorer.open_sequence
    assert all(last[3, p] == 1 for p in range(10, 20))


def test_methods_toggle_and_the_look_needs_no_kernel(explorer):
    explorer.open_row(0)
    assert explorer.wait(60)
    explorer.chips["deeplift"].value = False
    assert explorer.wait(60)
    assert "deeplift" not in explorer.canvas.enabled_methods
    assert "deeplift" not in explorer.canvas.maps and "deeplift" not in explorer.canvas.row_scores
    explorer.chips["gradient"].value = True
    assert explorer.wait(60) and explorer.error == ""
    assert explorer.canvas.maps["gradient"]["status"] == "idle" and "gradient" in explorer.canvas.row_scores
    calls = dict(explorer.kernel_calls)
    explorer.canvas.display_mode = "logo"
    explorer.canvas.zoom = 20
    explorer.canvas.row_method = "gradient"
    assert explorer.wait(10)
    assert explorer.kernel_calls == calls


def test_errors_are_shown_and_the_view_keeps_working(explorer):
    explorer.open_row(0)
    assert explorer.wait(60)
    explorer.canvas.edits = [{"position": 500, "base": "A"}]
    assert explorer.wait(60)
    assert explorer.status == "error" and "position must be 0..100" in explorer.error
    assert explorer.canvas.error == explorer.error
    explorer.canvas.edits = [{"position": 3, "base": "G"}]
    assert explorer.wait(60)
    assert explorer.status == "idle" and explorer.error == ""
    with pytest.raises(Exception, match="out of range"):
        explorer.canvas.selected = 6


def test_bad_input_says_what_to_do(jund):
    data, explainer = jund
    with pytest.raises(xw.ExplainerError, match="alphabet"):
        xw.SequenceExplorer(explainer, data.x[:, :3], design=False)
    with pytest.raises(xw.ExplainerError, match="one-hot"):
        xw.SequenceExplorer(explainer, data.x * 0.5, design=False)
    with pytest.raises(xw.ExplainerError, match="labels"):
        xw.SequenceExplorer(explainer, data.x, labels=data.labels[:3], design=False)
    with pytest.raises(xw.ExplainerError, match="target 2"):
        xw.SequenceExplorer(explainer, data.x, target=2, design=False)
    with pytest.raises(xw.ExplainerError, match="unknown method"):
        xw.SequenceExplorer(explainer, data.x, methods=["nope"], design=False)


def test_strings_work_and_the_design_panel_is_a_section(jund):
    data, explainer = jund
    view = xw.SequenceExplorer(explainer, data.strings[:12], top_k=3, methods=["saliency"], motifs=JUND_MOTIFS)
    try:
        assert view.wait(60) and view.error == ""
        assert len(view.canvas.row_info) == 3 and view.canvas.row_info[0]["label"] is None
        assert view._designer is None  # built when the section is first opened
        view.design_section.selected_index = 0
        designer = view._designer
        assert designer is not None and view.design_section.children == (designer,) and view.designer is designer
        assert designer.target == 1 and designer.motifs == list(JUND_MOTIFS)
    finally:
        view.close()


def test_long_sequences_and_a_hand_built_motif_scanner():
    # A 1-D CNN whose output is the best match to TGA anywhere (3 at a TGA), on 2,000-base
    # sequences without T except one planted TGA.
    torch.manual_seed(0)
    conv = torch.nn.Conv1d(4, 1, 3, bias=False)
    with torch.no_grad():
        conv.weight.copy_(xw.one_hot("TGA")[0][None])
    linear = torch.nn.Linear(1, 1)
    with torch.no_grad():
        linear.weight.fill_(1.0)
        linear.bias.fill_(0.0)
    model = torch.nn.Sequential(conv, torch.nn.AdaptiveMaxPool1d(1), torch.nn.Flatten(), linear)
    rng = np.random.default_rng(0)
    strings = ["".join(rng.choice(list("ACG"), 2000)) for _ in range(4)]
    strings[2] = strings[2][:1500] + "TGA" + strings[2][1503:]
    view = xw.SequenceExplorer(xw.Explainer(model), strings, top_k=2, methods=["saliency"], design=False)
    try:
        assert view.wait(120) and view.error == ""
        assert view.canvas.row_info[0]["index"] == 2 and view.canvas.row_info[0]["output_text"].startswith("output=")
        view.open_row(0)
        assert view.wait(120) and view.error == ""
        ism = from_wire(view.canvas.mutagenesis["values"])
        assert ism.shape == (4, 2000)
        assert ism[:, 1500:1503].min() < 0 and (ism[:, :1400] == 0).all()  # only the site matters
    finally:
        view.close()
