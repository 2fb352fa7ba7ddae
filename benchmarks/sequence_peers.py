"""DNA sequences: in-silico mutagenesis against tangermeme and against its floor, and design
methods by the model evaluations they need to reach a planted motif's score. Interleaved, medians.

Goals (issue 14): ISM at most 0.5 of tangermeme's time (batch 1 and 64) and within 1.2x its floor
(one forward pass over all mutants, no gradients); greedy design reaches the planted motif's score
in at most a tenth of the model evaluations the seed's random search needs.

python -m benchmarks.sequence_peers [--device cpu|cuda] [--repeats 11] [--threads 1] [--starts 10]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

import xai_widgets as xw
from xai_widgets.kernel.probes.mutagenesis import mutate
from xai_widgets.zoo import load_jund_model, make_jund_like

from .run import median_ms

TARGET = 1  # the JUND model's "site" logit
PLANTED = "TGACTCA"


def all_mutants(x: torch.Tensor) -> torch.Tensor:
    """Every single-substitution mutant of one-hot ``x`` (N, A, L): N * L * (A - 1) sequences."""
    n, n_letters, length = x.shape
    per_sample = length * (n_letters - 1)
    index = torch.arange(n * per_sample, device=x.device)
    sample, rest = index // per_sample, index % per_sample
    position, shift = rest // (n_letters - 1), rest % (n_letters - 1) + 1
    letter = (x.argmax(dim=1)[sample, position] + shift) % n_letters
    return mutate(x[sample], position, letter)


def ism_rows(device: torch.device, repeats: int, batch_sizes: list[int]) -> None:
    try:
        from tangermeme.saturation_mutagenesis import saturation_mutagenesis
    except ImportError:  # pragma: no cover - the peer is a test extra
        saturation_mutagenesis = None
    model = load_jund_model(device=device)
    explainer = xw.Explainer(model)
    # The same ISM in cache-sized passes of 32 mutants (what tangermeme's batch_size=32 does): on a
    # CPU, much larger passes leave the caches; the default budget runs all 303 mutants in one.
    per_item = explainer._runner._bytes_per_item((4, 101))
    small = xw.Explainer(model, memory_budget=int(per_item * 3 * 32))
    print(
        "| N | mutants | ours ms | tangermeme ms | ours / tangermeme | floor ms | ours / floor | our passes "
        "| ours, 32 per pass, ms | that / tangermeme |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in batch_sizes:
        x = make_jund_like(max(n, 2), seed=5).x[:n].to(device)
        mutants = all_mutants(x)
        passes: list[int] = []
        handle = model.conv1.register_forward_hook(lambda m, i, o, passes=passes: passes.append(i[0].shape[0]))
        xw.in_silico_mutagenesis(explainer, x, TARGET)
        passes.clear()
        xw.in_silico_mutagenesis(explainer, x, TARGET)
        handle.remove()

        def floor(mutants=mutants, x=x) -> object:
            with torch.no_grad():
                return model(x)[:, TARGET], model(mutants)[:, TARGET]

        runs = {
            "ours": lambda x=x: xw.in_silico_mutagenesis(explainer, x, TARGET),
            "floor": floor,
            "small": lambda x=x: xw.in_silico_mutagenesis(small, x, TARGET),
        }
        if saturation_mutagenesis is not None:
            # Its defaults (batch_size=32, fast path when the job is long) with the same target.
            runs["tangermeme"] = lambda x=x: saturation_mutagenesis(model, x, target=TARGET, device=device)
        times = median_ms(runs, device, repeats)
        peer = times.get("tangermeme", float("nan"))
        print(
            f"| {n} | {mutants.shape[0]} | {times['ours']:.2f} | {peer:.2f} | {times['ours'] / peer:.2f} | "
            f"{times['floor']:.2f} | {times['ours'] / times['floor']:.2f} | {len(passes) - 1} (+1 originals) | "
            f"{times['small']:.2f} | {times['small'] / peer:.2f} |"
        )


def planted_scores(explainer: xw.Explainer, starts: torch.Tensor) -> torch.Tensor:
    """Each start's score with the planted consensus written into its middle: the score to reach."""
    strings = xw.decode_one_hot(starts)
    middle = (starts.shape[2] - len(PLANTED)) // 2
    planted = [s[:middle] + PLANTED + s[middle + len(PLANTED) :] for s in strings]
    return explainer.outputs(xw.one_hot(planted))[:, TARGET]


def design_rows(device: torch.device, n_starts: int, random_steps: int) -> None:
    explainer = xw.Explainer(load_jund_model(device=device))
    data = make_jund_like(400, seed=21)
    starts = data.x[[i for i, kind in enumerate(data.kind) if kind == "background"][:n_starts]]
    goal = planted_scores(explainer, starts)
    runs = [
        ("random (the seed's)", "random", random_steps, {}, 1),
        ("greedy", "greedy", 50, {}, 303),
        ("beam (width 4)", "beam", 50, {"beam_width": 4}, 4 * 303),
        ("gradient (8 samples)", "gradient", 2000, {"n_samples": 8}, 8),
    ]
    print(f"\nDesign from {n_starts} background sequences (batched); goal per start: its score with {PLANTED}")
    print(f"planted in the middle (median {float(goal.median()):.2f} logits). Per start, until it reaches the goal:")
    print("evaluations = sequences scored; steps = sequential model passes (one batched pass per step).\n")
    print("| method | reached | median evaluations | max evaluations | median steps | median score at end | wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    medians, steps_to_goal = {}, {}
    for label, method, steps, params, per_step in runs:
        start = time.perf_counter()
        result = xw.design_sequence(
            explainer, starts, TARGET, method=method, steps=steps, seed=0, stop_at=float(goal.max()), **params
        )
        wall = time.perf_counter() - start
        reached = result.scores >= goal[None]  # (steps + 1, N)
        first = [int(reached[:, i].nonzero()[0]) for i in range(n_starts) if reached[:, i].any()]
        # The start itself, then per_step evaluations per step until the goal is reached.
        evaluations = [1 + k * per_step for k in first]
        medians[method] = statistics.median(evaluations) if evaluations else float("nan")
        steps_to_goal[method] = statistics.median(first) if first else float("nan")
        print(
            f"| {label} | {len(evaluations)}/{n_starts} | {medians[method]:.0f} | "
            f"{max(evaluations) if evaluations else float('nan'):.0f} | {steps_to_goal[method]:.0f} | "
            f"{float(result.best_scores.median()):.2f} | {wall:.1f} |"
        )
    print(
        f"\ngreedy / random: evaluations {medians['greedy'] / medians['random']:.2f} (goal <= 0.1), "
        f"sequential passes {steps_to_goal['greedy'] / steps_to_goal['random']:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's own)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--random-steps", type=int, default=20000)
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(
        f"JUND-like CNN (4x101 one-hot), {device} ({platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} threads), ISM medians of {args.repeats} interleaved rounds\n"
    )
    ism_rows(device, args.repeats, args.batch_sizes)
    design_rows(device, args.starts, args.random_steps)


if __name__ == "__main__":
    main()
