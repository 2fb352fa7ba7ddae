"""Sequence design: each method finds a planted motif on a hand-built scanner, best-so-far scores,
evaluation counts, cancel with the result so far, resume, errors, and the model left unchanged."""

import threading

import pytest
import torch

import xai_widgets as xw

from ..assertions import assert_same, snapshot
from ..sequence_models import MotifScanner, random_sequences

MOTIF = "TGACTCA"
FULL = float(len(MOTIF))


@pytest.fixture
def scanner():
    return MotifScanner(MOTIF)


@pytest.fixture
def starts():
    return xw.one_hot(random_sequences(3, 30, seed=7))


def contains_motif(sequences):
    return [MOTIF in s or "TGAGTCA" in s for s in xw.decode_one_hot(sequences)]


def test_methods_and_their_parameter_specs():
    assert list(xw.design_methods()) == ["random", "greedy", "beam", "gradient"]
    assert [p.name for p in xw.design_method_spec("beam").params] == ["beam_width"]
    assert [p.name for p in xw.design_method_spec("greedy").params] == ["top_k"]
    names = {p.name for p in xw.design_method_spec("gradient").params}
    assert {"lr", "temperature", "n_samples"} <= names
    for name in xw.design_methods():
        spec = xw.design_method_spec(name)
        assert spec.doc and all(p.help for p in spec.params)
    with pytest.raises(xw.ParameterError, match="unknown design method 'annealing'"):
        xw.design_method_spec("annealing")


@pytest.mark.parametrize(
    ("method", "steps", "params"),
    [
        ("greedy", 20, {}),
        ("greedy", 20, {"top_k": 0}),
        ("greedy", 20, {"top_k": 1}),
        ("beam", 20, {"beam_width": 3}),
        ("gradient", 300, {}),
        ("random", 3000, {}),
    ],
)
def test_each_method_finds_the_planted_motif(scanner, starts, method, steps, params):
    explainer = xw.Explainer(scanner)
    result = xw.design_sequence(explainer, starts, target=0, method=method, steps=steps, seed=1, stop_at=FULL, **params)
    assert result.sequences.shape == starts.shape
    assert torch.equal(result.best_scores, torch.full((3,), FULL))
    assert all(contains_motif(result.sequences))
    # Best so far: non-decreasing, the first row is the starts' own scores, and the sequences score it.
    assert (result.scores.diff(dim=0) >= 0).all()
    torch.testing.assert_close(result.scores[0], explainer.outputs(starts)[:, 0])
    torch.testing.assert_close(result.scores[-1], explainer.outputs(result.sequences)[:, 0])
    assert result.scores.shape == (result.steps_done + 1, 3)
    assert result.evaluations.shape == (result.steps_done + 1,) and result.evaluations[0] == 3
    assert (result.evaluations.diff() > 0).all()
    assert result.evaluations_per_start.shape == (result.steps_done + 1, 3)
    assert torch.equal(result.evaluations_per_start.sum(dim=1), result.evaluations)
    assert (result.evaluations_per_start[0] == 1).all() and (result.evaluations_per_start.diff(dim=0) >= 0).all()
    assert not result.cancelled and result.method == method


def test_greedy_scores_every_substitution_per_step_and_stops_at_the_optimum(scanner, starts):
    result = xw.design_sequence(xw.Explainer(scanner), starts, target=0, method="greedy", steps=50, top_k=0)
    # Each step adds one matching base to each unfinished start, then one more step sees no gain.
    assert torch.equal(result.scores.diff(dim=0).unique(), torch.tensor([0.0, 1.0]))
    assert result.steps_done == int((FULL - result.scores[0]).max()) + 1
    # A start is searched (L * (A - 1) = 90 mutants) at step 1 and after every step that improved it.
    improved = torch.cat([torch.ones(1, 3, dtype=torch.bool), result.scores[1:-1] > result.scores[:-2]])
    expected = 3 + torch.cumsum(90 * improved.sum(dim=1), dim=0)
    assert torch.equal(result.evaluations[1:], expected)


class Linear(torch.nn.Module):
    """A linear score of a one-hot sequence: its first-order gain estimate is each substitution's
    exact gain, so ranking by the gradient puts the best substitution first."""

    def __init__(self, length: int) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(4, length, generator=torch.Generator().manual_seed(3)))

    def forward(self, x):
        return (x * self.weight).sum(dim=(1, 2))[:, None]


def test_ranked_greedy_follows_the_exact_greedy_path_where_the_gradient_ranks_exactly(starts):
    explainer = xw.Explainer(Linear(30))
    exact = xw.design_sequence(explainer, starts, 0, method="greedy", steps=100, top_k=0)
    ranked = xw.design_sequence(explainer, starts, 0, method="greedy", steps=100, top_k=1)
    assert torch.equal(ranked.sequences, exact.sequences)
    torch.testing.assert_close(ranked.scores, exact.scores)
    # One gradient and one mutant per start and step while it improves; the last step, where no
    # substitution helps, goes down the whole ranking (90 mutants) before the start stops.
    improving = (exact.scores[1:] > exact.scores[:-1]).sum(dim=0)
    assert torch.equal(ranked.evaluations_per_start[-1], 1 + 2 * improving + (1 + 90))
    assert torch.equal(exact.evaluations_per_start[-1], 1 + 90 * (improving + 1))
    assert int(ranked.evaluations[-1]) == int(ranked.evaluations_per_start[-1].sum())


def test_ranked_greedy_stops_only_where_no_substitution_helps(scanner, starts):
    explainer = xw.Explainer(scanner)
    for top_k in (1, 4):
        result = xw.design_sequence(explainer, starts, 0, method="greedy", steps=100, top_k=top_k)
        assert not result.cancelled and result.steps_done < 100
        assert (result.scores.diff(dim=0) >= 0).all()
        assert (xw.in_silico_mutagenesis(explainer, result.sequences, 0) <= 0).all()
        assert torch.equal(result.best_scores, torch.full((3,), FULL))


@pytest.mark.parametrize("top_k", [90, 500])
def test_top_k_of_every_substitution_is_the_exact_greedy(scanner, starts, top_k):
    explainer = xw.Explainer(scanner)
    exact = xw.design_sequence(explainer, starts, 0, method="greedy", steps=50, top_k=0)
    same = xw.design_sequence(explainer, starts, 0, method="greedy", steps=50, top_k=top_k)
    assert torch.equal(same.sequences, exact.sequences) and torch.equal(same.scores, exact.scores)
    assert torch.equal(same.evaluations, exact.evaluations)


def test_greedy_without_an_input_gradient_scores_every_substitution():
    class Rounded(torch.nn.Module):
        def forward(self, x):
            return (x.detach() * torch.arange(4.0)[:, None]).sum(dim=(1, 2))[:, None]

    result = xw.design_sequence(xw.Explainer(Rounded()), xw.one_hot(["ACGT"]), 0, method="greedy", steps=10)
    assert xw.decode_one_hot(result.sequences) == ["TTTT"]
    # 12 substitutions per step: three improving steps and the one that finds none.
    assert result.evaluations.tolist() == [1, 13, 25, 37, 49]


def test_stop_at_ends_the_run_when_every_start_reaches_it(scanner, starts):
    result = xw.design_sequence(xw.Explainer(scanner), starts, 0, method="random", steps=5000, stop_at=FULL)
    assert torch.equal(result.best_scores, torch.full((3,), FULL))
    assert result.steps_done < 5000 and (result.scores[-2] < FULL).any()


def test_same_seed_same_run_and_seed_leaves_the_global_stream(scanner, starts):
    explainer = xw.Explainer(scanner)
    state = torch.get_rng_state()
    first = xw.design_sequence(explainer, starts, target=0, method="random", steps=50, seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    second = xw.design_sequence(explainer, starts, target=0, method="random", steps=50, seed=3)
    assert torch.equal(first.sequences, second.sequences) and torch.equal(first.scores, second.scores)


def test_on_step_sees_every_step_and_cancel_returns_the_result_so_far(scanner, starts):
    seen = []

    def on_step(step, sequences, scores, evaluations):
        seen.append((step, sequences.shape, scores.clone(), evaluations))
        if step == 4:
            raise RuntimeError("cancelled by the user")

    result = xw.design_sequence(xw.Explainer(scanner), starts, 0, method="random", steps=100, on_step=on_step)
    assert result.cancelled and isinstance(result.stopped_by, RuntimeError)
    assert [s[0] for s in seen] == [1, 2, 3, 4] and result.steps_done == 4
    assert seen[-1][3] == int(result.evaluations[-1]) == 3 + 4 * 3
    assert torch.equal(seen[-1][2], result.scores[-1])


def test_progress_raising_mid_step_drops_that_step_only(scanner, starts):
    calls, steps_done = [], []

    def progress(fraction):
        calls.append(fraction)
        if steps_done:  # a pass of the second step
            raise KeyboardInterrupt  # a Ctrl-C in a notebook keeps the result too

    result = xw.design_sequence(
        xw.Explainer(scanner, memory_budget=4096),
        starts,
        0,
        method="greedy",
        steps=10,
        progress=progress,
        on_step=lambda *step: steps_done.append(step),
        top_k=0,
    )
    assert result.cancelled and isinstance(result.stopped_by, KeyboardInterrupt)
    assert result.steps_done == 1
    assert (result.scores.diff(dim=0) >= 0).all()
    assert calls == sorted(calls) and all(0 < f <= 1 for f in calls)


def test_resume_from_the_result_continues_the_search(scanner, starts):
    explainer = xw.Explainer(scanner)
    first = xw.design_sequence(explainer, starts, 0, method="greedy", steps=1)
    second = xw.design_sequence(explainer, first.sequences, 0, method="greedy", steps=50)
    assert torch.equal(second.scores[0], first.scores[-1])
    assert torch.equal(second.best_scores, torch.full((3,), FULL))


def test_strings_are_starts_too(scanner):
    result = xw.design_sequence(xw.Explainer(scanner), ["ACGTACGTACGT"], 0, method="greedy", steps=20)
    assert contains_motif(result.sequences) == [True]


@pytest.mark.parametrize("method", ["random", "greedy", "beam", "gradient"])
def test_model_unchanged(method):  # greedy's default ranks substitutions by the input gradient
    model = MotifScanner(MOTIF)
    model.train()
    model.conv.weight.grad = torch.ones_like(model.conv.weight)
    handle = model.pool.register_forward_hook(lambda m, i, o: None)
    before = snapshot(model)
    xw.design_sequence(xw.Explainer(model), xw.one_hot(random_sequences(2, 12)), 0, method=method, steps=3)
    assert_same(before, snapshot(model))
    handle.remove()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"x0": torch.rand(2, 4, 12)}, xw.InputError, "one-hot"),
        ({"x0": torch.rand(2, 12)}, xw.InputError, r"\(N, A, L\)"),
        ({"method": "anneal"}, xw.ParameterError, "unknown design method"),
        ({"beam_width": 0, "method": "beam"}, xw.ParameterError, "at least 1"),
        ({"lr": 0.1}, xw.ParameterError, "no parameter 'lr'"),
        ({"top_k": -1}, xw.ParameterError, "at least 0"),
        ({"steps": -1}, xw.ParameterError, "steps"),
        ({"target": 3}, xw.TargetError, "target"),
    ],
)
def test_bad_calls_raise(scanner, kwargs, error, match):
    call = {"x0": xw.one_hot(random_sequences(2, 12)), "target": 0, **kwargs}
    with pytest.raises(error, match=match):
        xw.design_sequence(xw.Explainer(scanner), **call)


def test_gradient_needs_a_differentiable_model():
    class Rounded(torch.nn.Module):
        def forward(self, x):
            return x.detach().sum(dim=(1, 2))[:, None]

    with pytest.raises(xw.NotDifferentiableError, match="greedy"):
        xw.design_sequence(xw.Explainer(Rounded()), xw.one_hot(["ACGT"]), 0, method="gradient", steps=2)


def test_the_explainer_is_free_for_other_threads_between_steps(scanner, starts):
    explainer = xw.Explainer(scanner)
    answers = []

    def on_step(step, sequences, scores, evaluations):
        # Another thread (a view's worker) asks the same explainer: it must not wait for the run.
        worker = threading.Thread(target=lambda: answers.append(explainer.outputs(sequences)))
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive()

    result = xw.design_sequence(explainer, starts, 0, method="greedy", steps=2, on_step=on_step)
    assert not result.cancelled and len(answers) == 2
    torch.testing.assert_close(answers[-1][:, 0], result.scores[-1])
