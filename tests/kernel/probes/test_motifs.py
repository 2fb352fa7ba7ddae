"""Motif tools: finding IUPAC strings and PWMs on both strands, PWMs from attributions, information
content and PWM similarity."""

import math

import pytest
import torch

import xai_widgets as xw


def test_finds_exact_motifs_on_both_strands():
    sequences = ["AATGACTCAAAA", "CCCCTGAGTCAC", "ACGTACGTACGT"]
    hits = xw.find_motif(sequences, "TGACTCA")
    assert hits == [
        xw.MotifHit(0, 2, 9, "+", 7.0),
        xw.MotifHit(1, 4, 11, "-", 7.0),  # TGAGTCA is TGACTCA's reverse complement
    ]
    # One-hot input gives the same hits.
    assert xw.find_motif(xw.one_hot(sequences), "TGACTCA") == hits


def test_iupac_codes_and_mismatch_threshold():
    # TGASTCA is its own reverse complement (S pairs with S): each site is found once.
    assert [h.sequence for h in xw.find_motif(["TGACTCA", "TGAGTCA", "TGATTCA"], "TGASTCA")] == [0, 1]
    one_off = xw.find_motif(["TTTGATTCATT"], "TGACTCA", threshold=6)
    # TGATTCA is one base off TGACTCA and one off its reverse complement TGAGTCA.
    assert [(h.start, h.strand, h.score) for h in one_off] == [(2, "+", 6.0), (2, "-", 6.0)]
    with pytest.raises(xw.ParameterError, match="'Z' at position 1"):
        xw.find_motif(["ACGT"], "AZ")


def test_a_palindrome_is_reported_once():
    hits = xw.find_motif(["AATGACGTCAAA"], "TGACGTCA")
    assert [(h.start, h.end, h.strand) for h in hits] == [(2, 10, "+")]


def test_pwm_motifs_score_log_odds():
    pwm = xw.consensus_pwm("TGACTCA")
    hits = xw.find_motif(["GGTGACTCAGG", "GGTGATTCAGG"], pwm)
    exact = 7 * math.log2((1 + 0.01) / (1 + 4 * 0.01) * 4)
    assert hits[0].sequence == 0 and hits[0].score == pytest.approx(exact, rel=1e-5)
    # One mismatch costs the log-odds of a zero probability (with the pseudocount): below the
    # default threshold (0.7 of the best score) for this strict PWM, above a lower one.
    assert [h.sequence for h in hits] == [0]
    one_off = exact / 7 * 6 + math.log2(0.01 / (1 + 4 * 0.01) * 4)
    lower = xw.find_motif(["GGTGATTCAGG"], pwm, threshold=one_off - 1e-3)
    assert [(h.start, h.strand) for h in lower] == [(2, "+"), (2, "-")]
    assert lower[0].score == pytest.approx(one_off, rel=1e-5)
    with pytest.raises(xw.InputError, match=r"\(4, W\)"):
        xw.find_motif(["ACGT"], torch.rand(3, 5))


def test_consensus_pwm_spreads_iupac_codes():
    pwm = xw.consensus_pwm("AN")
    assert torch.equal(pwm, torch.tensor([[1.0, 0.25], [0.0, 0.25], [0.0, 0.25], [0.0, 0.25]]))


def test_information_content_in_bits():
    pwm = xw.consensus_pwm("ASN")
    torch.testing.assert_close(xw.information_content(pwm), torch.tensor([2.0, 1.0, 0.0]))


def test_pwm_similarity_is_one_for_the_same_motif_its_reverse_complement_and_a_shift():
    a = xw.consensus_pwm("TGACTCA")
    assert xw.pwm_similarity(a, a) == pytest.approx(1.0)
    assert xw.pwm_similarity(a, xw.consensus_pwm("TGAGTCA")) == pytest.approx(1.0)
    assert xw.pwm_similarity(xw.consensus_pwm("NNTGACTCANN"), a) == pytest.approx(1.0)
    assert xw.pwm_similarity(a, xw.consensus_pwm("CCGGAAT")) < 0.5  # three columns agree at best
    # A partial match counts by the columns that agree: three of seven (uniform columns count 0).
    assert xw.pwm_similarity(a, xw.consensus_pwm("NNNNTGA")) == pytest.approx(3 / 7)


def test_motif_pwm_recovers_a_planted_motif_from_its_attribution():
    generator = torch.Generator().manual_seed(0)
    strings, scores = [], torch.zeros(40, 30)
    for i in range(40):
        codes = torch.randint(0, 4, (30,), generator=generator).tolist()
        start = int(torch.randint(0, 23, (1,), generator=generator))
        site = "TGACTCA" if i % 2 else "TGAGTCA"  # both strands
        text = "".join("ACGT"[c] for c in codes)
        strings.append(text[:start] + site + text[start + 7 :])
        scores[i, start : start + 7] = 1.0
    x = xw.one_hot(strings)
    pwm = xw.motif_pwm(x, scores, width=7, top=40)
    assert pwm.shape == (4, 7)
    torch.testing.assert_close(pwm.sum(dim=0), torch.ones(7))
    assert xw.decode_one_hot(pwm[None])[0] in ("TGACTCA", "TGAGTCA")
    assert xw.pwm_similarity(pwm, xw.consensus_pwm("TGACTCA")) == pytest.approx(1.0)
    # An attribution map (N, A, L) is read at the observed bases.
    assert torch.equal(xw.motif_pwm(x, x * scores[:, None], width=7, top=40), pwm)


def test_motif_pwm_checks_its_arguments():
    x = xw.one_hot(["ACGTACGT"])
    with pytest.raises(xw.InputError, match=r"\(N, L\)"):
        xw.motif_pwm(x, torch.zeros(1, 5))
    with pytest.raises(xw.ParameterError, match="width"):
        xw.motif_pwm(x, torch.zeros(1, 8), width=9)
