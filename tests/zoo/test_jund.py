"""The JUND-like DNA data and model: determinism, ground-truth sites, hard negatives, accuracy, and
saliency that lands on the TGA..TCA core."""

import numpy as np
import pytest
import torch

import xai_widgets as xw
from xai_widgets.zoo import JUND_MOTIFS, JundCNN, SequenceData, load_jund_model, make_jund_like
from xai_widgets.zoo.jund import has_consensus_site, reverse_complement
from xai_widgets.zoo.train_jund import TEST_SEED_OFFSET, accuracy, train_jund_model


@pytest.fixture(scope="module")
def data() -> SequenceData:
    return make_jund_like(600, seed=2)


def test_types_shapes_and_one_hot(data):
    assert data.x.dtype == torch.float32 and data.x.shape == (600, 4, 101)
    assert data.labels.dtype == torch.int64 and data.labels.shape == (600,)
    assert torch.equal(data.x.sum(dim=1), torch.ones(600, 101))
    assert xw.decode_one_hot(data.x) == data.strings
    assert len(data.sites) == len(data.kind) == 600 == len(data)


def test_same_seed_same_data_and_global_streams_left_alone():
    numpy_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state()  # noqa: NPY002
    first, second = make_jund_like(50, seed=4), make_jund_like(50, seed=4)
    assert first.strings == second.strings and first.sites == second.sites
    assert make_jund_like(50, seed=5).strings != first.strings
    assert np.array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_kinds_and_labels(data):
    kinds = np.array(data.kind)
    assert set(kinds) == {"positive", "background", "hard_negative"}
    assert (kinds == "positive").mean() == pytest.approx(0.5, abs=0.01)
    assert (kinds == "hard_negative").mean() == pytest.approx(0.15, abs=0.01)
    assert np.array_equal(data.labels.numpy(), kinds == "positive")


def test_sites_are_the_ground_truth(data):
    found: dict[int, set] = {}
    for motif in JUND_MOTIFS:
        for hit in xw.find_motif(data.x, motif):
            found.setdefault(hit.sequence, set()).add((hit.start, hit.end))
    for index, (text, sites, kind) in enumerate(zip(data.strings, data.sites, data.kind, strict=True)):
        if kind != "positive":
            assert sites == [] and not has_consensus_site(text)
            continue
        assert 1 <= len(sites) <= 3
        exact = 0
        for start, end, strand in sites:
            site = text[start:end] if strand == "+" else reverse_complement(text[start:end])
            # Sampled from a PWM around one consensus: mostly the consensus letters.
            best = max(sum(a == b for a, b in zip(site, m, strict=False)) for m in JUND_MOTIFS if len(m) == len(site))
            assert best >= len(site) - 2
            exact += site in JUND_MOTIFS
        assert exact >= 1  # every positive holds one complete site
        # Every exact consensus in a positive is a planted site (none by chance in its background).
        assert found.get(index, set()) <= {(s, e) for s, e, _ in sites}


def test_hard_negatives_hold_tgac_pieces(data):
    hard = [t for t, k in zip(data.strings, data.kind, strict=True) if k == "hard_negative"]
    assert all(t.count("TGAC") + t.count("GTCA") >= 2 for t in hard)


def test_shipped_model_is_accurate_on_held_out_data():
    model = load_jund_model()
    assert isinstance(model, JundCNN) and not model.training
    test = make_jund_like(1000, seed=TEST_SEED_OFFSET + 1)
    assert accuracy(model, test.x, test.labels) >= 0.97
    hard = torch.tensor([k == "hard_negative" for k in test.kind])
    assert accuracy(model, test.x[hard], test.labels[hard]) >= 0.9


def test_saliency_of_the_top_sequences_lands_on_the_site():
    data = make_jund_like(300, seed=9)
    explainer = xw.Explainer(load_jund_model())
    top = explainer.predict(data.x)[:, 1].argsort(descending=True)[:10]
    result = explainer.attribute(data.x[top], "grad_x_input", target=1)
    scores = xw.base_scores(result, data.x[top])
    for row, index in zip(scores, top.tolist(), strict=True):
        assert data.labels[index] == 1
        peak = int(row.argmax())
        assert any(start - 2 <= peak < end + 2 for start, end, _ in data.sites[index])


def test_missing_weights_say_how_to_make_them(monkeypatch, tmp_path):
    monkeypatch.setattr("xai_widgets.zoo.jund.JUND_WEIGHTS", tmp_path / "none.pt")
    with pytest.raises(FileNotFoundError, match="python -m xai_widgets.zoo.train_jund"):
        load_jund_model()


@pytest.mark.slow
def test_training_from_scratch_is_deterministic_and_accurate():
    first, test_accuracy = train_jund_model(seed=0)
    second, _ = train_jund_model(seed=0)
    assert test_accuracy >= 0.97
    for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b)
