"""One-hot encoding of sequences: round trips, case, unknown letters and the errors that say what to do."""

import pytest
import torch

import xai_widgets as xw


def test_one_hot_layout_and_round_trip():
    x = xw.one_hot(["ACGT", "TTGA"])
    assert x.dtype == torch.float32 and x.shape == (2, 4, 4)
    assert torch.equal(x[0], torch.eye(4))
    assert torch.equal(x.sum(dim=1), torch.ones(2, 4))
    assert xw.decode_one_hot(x) == ["ACGT", "TTGA"]


def test_a_string_is_one_sequence_and_lower_case_is_read_as_upper():
    x = xw.one_hot("acgTa")
    assert x.shape == (1, 4, 5)
    assert xw.decode_one_hot(x) == ["ACGTA"]


def test_other_alphabets_round_trip():
    x = xw.one_hot(["ACGU", "UUAG"], alphabet="ACGU")
    assert xw.decode_one_hot(x, alphabet="ACGU") == ["ACGU", "UUAG"]
    protein = "ACDEFGHIKLMNPQRSTVWY"
    assert xw.decode_one_hot(xw.one_hot("MKV", alphabet=protein), alphabet=protein) == ["MKV"]


def test_unknown_letter_raises_naming_it_the_sequence_and_the_position():
    with pytest.raises(xw.InputError, match=r"letter 'N' at position 2 of sequence 1 .*unknown='zeros'"):
        xw.one_hot(["ACGT", "ACNT"])
    with pytest.raises(xw.ExplainerError, match="'X' at position 0 of sequence 0"):
        xw.one_hot("XACG")


def test_unknown_letters_as_zero_columns_decode_as_n():
    x = xw.one_hot(["ACnT"], unknown="zeros")
    assert torch.equal(x[0, :, 2], torch.zeros(4))
    assert xw.decode_one_hot(x) == ["ACNT"]


def test_different_lengths_raise():
    with pytest.raises(xw.InputError, match="sequence 0 has 4 letters and sequence 2 has 3"):
        xw.one_hot(["ACGT", "ACGT", "ACG"])


@pytest.mark.parametrize(
    ("sequences", "match"),
    [([], "at least one"), ([""], "empty"), (torch.zeros(1, 4, 3), "string or a list"), (["AC", 5], "sequence 1")],
)
def test_bad_inputs_raise(sequences, match):
    with pytest.raises(xw.InputError, match=match):
        xw.one_hot(sequences)


def test_bad_options_raise():
    with pytest.raises(xw.InputError, match="unknown must be one of"):
        xw.one_hot("ACGT", unknown="skip")
    with pytest.raises(xw.InputError, match="distinct"):
        xw.one_hot("ACGT", alphabet="AACG")


def test_decode_takes_scores_and_single_sequences_and_checks_the_shape():
    scores = torch.tensor([[[0.1, 2.0], [0.5, 0.0], [0.2, 0.1], [0.0, -1.0]]])
    assert xw.decode_one_hot(scores) == ["CA"]
    assert xw.decode_one_hot(xw.one_hot("GATC")[0]) == ["GATC"]
    with pytest.raises(xw.InputError, match=r"\(N, 4, L\)"):
        xw.decode_one_hot(torch.zeros(1, 3, 5))
