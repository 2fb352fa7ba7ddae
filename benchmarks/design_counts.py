"""Sequence design on the zoo's JUND-like CNN: the model evaluations each method needs to reach
a goal, per start, for several goals (issue 14: greedy reaches the planted motif's score in at
most a tenth of the evaluations the seed's random search needs).

Goals per start: its score with the planted consensus TGACTCA written into it once, twice and
three times; the score the seed's random search reaches in 1,000 steps (another seed's run); and
a probability of 0.99 for "site" (the searches then maximise the softmax probability, as the
seed's model output was). Evaluations = sequences scored; a forward and backward pass (a gradient
step, greedy's ranking gradient) counts as one, and again as three in "forward equivalents" (a
backward pass costs about two forwards). Steps = sequential model passes (a greedy step whose first
candidates do not help takes more). Counts, not times: they do not depend on the load.

python -m benchmarks.design_counts [--device cpu|cuda] [--starts 10] [--threads 1] [--goals ...]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.zoo import load_jund_model, make_jund_like

TARGET = 1  # the JUND model's "site" logit
PLANTED = "TGACTCA"
PROBABILITY = 0.99


@dataclass(frozen=True)
class Method:
    label: str
    name: str
    steps: int
    params: dict


METHODS = [
    Method("random (the seed's)", "random", 20000, {}),
    Method("greedy, all (top_k=0)", "greedy", 400, {"top_k": 0}),
    *[Method(f"greedy, top_k={k}", "greedy", 400, {"top_k": k}) for k in (1, 2, 4, 8, 16, 32)],
    Method("beam (width 4)", "beam", 400, {"beam_width": 4}),
    Method("gradient (8 samples)", "gradient", 3000, {"n_samples": 8}),
]


class SiteProbability(nn.Module):
    """The JUND model's softmax output: what the seed's search maximised (a probability)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), dim=1)


def planted(starts: torch.Tensor, copies: int) -> torch.Tensor:
    """The starts with ``copies`` consensus sites written at evenly spaced places."""
    length = starts.shape[2]
    places = [round((i + 1) * length / (copies + 1)) - len(PLANTED) // 2 for i in range(copies)]
    strings = []
    for s in xw.decode_one_hot(starts):
        for place in places:
            s = s[:place] + PLANTED + s[place + len(PLANTED) :]
        strings.append(s)
    return xw.one_hot(strings)


def evaluations_to_reach(
    explainer: xw.Explainer, starts: torch.Tensor, goals: torch.Tensor, method: Method
) -> list[tuple[int, int] | None]:
    """Per start, the evaluations and steps it needs to reach its goal (None: not within the
    method's steps). All starts run in one batched run; each start's own count is kept."""
    result = xw.design_sequence(
        explainer,
        starts,
        TARGET,
        method=method.name,
        steps=method.steps,
        seed=0,
        stop_at=float(goals.max()),
        **method.params,
    )
    reached = result.scores >= goals[None]  # (steps + 1, N)
    counts: list[tuple[int, int] | None] = []
    for i in range(len(goals)):
        step = int(reached[:, i].nonzero()[0]) if reached[:, i].any() else None
        counts.append(None if step is None else (int(result.evaluations_per_start[step, i]), step))
    return counts


def gradient_passes(method: Method, steps: int) -> int:
    """Sequences that also went backward in ``steps`` steps of one start's run."""
    if method.name == "gradient":
        return method.params["n_samples"] * steps
    if method.name == "greedy" and method.params["top_k"]:
        return steps  # one ranking gradient per step
    return 0


def goal_rows(
    label: str, explainer: xw.Explainer, starts: torch.Tensor, goals: torch.Tensor, methods: list[Method]
) -> dict[str, float]:
    print(f"\n### {label} (median goal {float(goals.median()):.3f})\n")
    print(
        "| method | reached | median evaluations | max evaluations | / random's median | median steps "
        "| median forward equivalents | / random's median |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    medians: dict[str, float] = {}
    random_forwards = float("nan")
    for method in methods:
        counts = evaluations_to_reach(explainer, starts, goals, method)
        done = [c[0] for c in counts if c is not None]
        # A start that never reaches the goal counts as infinitely many evaluations in the median.
        missing = [float("inf")] * (len(counts) - len(done))
        medians[method.label] = statistics.median(sorted(done) + missing)
        steps = statistics.median(sorted(c[1] for c in counts if c is not None) + missing)
        backward = [gradient_passes(method, c[1]) for c in counts if c is not None]
        forwards = statistics.median(sorted(e + 2 * b for e, b in zip(done, backward, strict=True)) + missing)
        if method.name == "random":
            random_forwards = forwards
        ratio = medians[method.label] / medians[METHODS[0].label] if METHODS[0].label in medians else float("nan")
        worst = f"{max(done)}" if done else "-"
        print(
            f"| {method.label} | {len(done)}/{len(counts)} | {medians[method.label]:.0f} | {worst} | {ratio:.3f} | "
            f"{steps:.0f} | {forwards:.0f} | {forwards / random_forwards:.3f} |",
            flush=True,
        )
    return medians


def end_rows(explainer: xw.Explainer, starts: torch.Tensor, methods: list[Method]) -> None:
    """Where each search ends: run on all starts at once with no goal, to its local optimum (greedy,
    beam) or for its steps (random 1,000 as in the seed's story, and its full budget; gradient)."""
    print("\n### To the end: best logit reached and evaluations spent (no goal)\n")
    print("| method | steps | median best logit | min | max | evaluations per start | median P(site) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    runs = [Method("random (the seed's, 1,000 steps)", "random", 1000, {}), *methods]
    for method in runs:
        steps = 500 if method.name == "gradient" else method.steps
        result = xw.design_sequence(explainer, starts, TARGET, method=method.name, steps=steps, seed=0, **method.params)
        best = result.best_scores
        probability = explainer.predict(result.sequences)[:, TARGET]
        print(
            f"| {method.label} | {result.steps_done} | {float(best.median()):.2f} | {float(best.min()):.2f} | "
            f"{float(best.max()):.2f} | {float(result.evaluations[-1]) / len(starts):.0f} | "
            f"{float(probability.median()):.4f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's own)")
    parser.add_argument("--starts", type=int, default=10)
    goal_names = ["planted1", "planted2", "planted3", "random1000", "probability", "end"]
    parser.add_argument("--goals", nargs="+", default=goal_names, choices=goal_names)
    parser.add_argument("--methods", nargs="+", default=None, help="method labels' first words to run")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    model = load_jund_model(device=device)
    explainer = xw.Explainer(model)
    data = make_jund_like(400, seed=21)
    starts = data.x[[i for i, kind in enumerate(data.kind) if kind == "background"][: args.starts]]
    methods = METHODS if args.methods is None else [m for m in METHODS if m.label.split()[0] in args.methods]
    print(f"JUND-like CNN (4x101 one-hot), {device}, {len(starts)} background starts, target 'site'")

    def logit(x: torch.Tensor) -> torch.Tensor:
        return explainer.outputs(x)[:, TARGET]

    goals: dict[str, Callable[[], tuple[str, xw.Explainer, torch.Tensor]]] = {
        "planted1": lambda: (f"Goal: its score with {PLANTED} planted once", explainer, logit(planted(starts, 1))),
        "planted2": lambda: (f"Goal: its score with {PLANTED} planted twice", explainer, logit(planted(starts, 2))),
        "planted3": lambda: (f"Goal: its score with {PLANTED} planted 3 times", explainer, logit(planted(starts, 3))),
        "random1000": lambda: (
            "Goal: the score the seed's random search reaches in 1,000 steps (seed 1)",
            explainer,
            xw.design_sequence(explainer, starts, TARGET, method="random", steps=1000, seed=1).best_scores,
        ),
        "probability": lambda: (
            f"Goal: probability {PROBABILITY} of 'site' (the searches maximise the softmax probability)",
            xw.Explainer(SiteProbability(model)),
            torch.full((len(starts),), PROBABILITY),
        ),
    }
    for name in args.goals:
        if name == "end":
            end_rows(explainer, starts, methods)
            continue
        label, goal_explainer, goal = goals[name]()
        goal_rows(label, goal_explainer, starts, goal, methods)


if __name__ == "__main__":
    main()
