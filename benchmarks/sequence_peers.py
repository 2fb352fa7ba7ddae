"""DNA sequences: in-silico mutagenesis against tangermeme and against its floor. Interleaved, medians.

Goals (issue 14): ISM at most 0.5 of tangermeme's time (batch 1 and 64) and within 1.2x its floor
(the model's forward passes over all mutants, no gradients). The design methods' evaluation counts
are in ``benchmarks/design_counts.py``.

python -m benchmarks.sequence_peers [--device cpu|cuda] [--repeats 11] [--threads 1]
"""

from __future__ import annotations

import argparse
import itertools
import platform
from collections.abc import Callable

import torch

import xai_widgets as xw
from xai_widgets.kernel.probes.mutagenesis import mutate
from xai_widgets.zoo import load_jund_model, make_jund_like

from .run import median_ms

TARGET = 1  # the JUND model's "site" logit


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
    # The same ISM in passes of 32 mutants, what tangermeme's batch_size=32 does.
    per_item = explainer._runner._bytes_per_item((4, 101))
    small = xw.Explainer(model, memory_budget=int(per_item * 32))
    print(
        "| N | mutants | ours ms | tangermeme ms | ours / tangermeme | one-pass floor ms | ours / that "
        "| floor in our passes ms | ours / that | our passes | ours, 32 per pass, ms | that / tangermeme |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in batch_sizes:
        x = make_jund_like(max(n, 2), seed=5).x[:n].to(device)
        mutants = all_mutants(x)
        passes: list[int] = []
        handle = model.conv1.register_forward_hook(lambda m, i, o, passes=passes: passes.append(i[0].shape[0]))
        xw.in_silico_mutagenesis(explainer, x, TARGET)
        passes.clear()
        xw.in_silico_mutagenesis(explainer, x, TARGET)
        handle.remove()
        # The originals and the mutants, as ours runs them: the least our passes can cost.
        inputs = torch.cat([x, mutants])
        bounds = [0, *itertools.accumulate(passes)]

        def floor(mutants=mutants, x=x) -> object:
            with torch.no_grad():
                return model(x)[:, TARGET], model(mutants)[:, TARGET]

        def floor_in_passes(inputs=inputs, bounds=bounds) -> object:
            with torch.no_grad():
                return [model(inputs[a:b])[:, TARGET] for a, b in itertools.pairwise(bounds)]

        runs: dict[str, Callable[[], object]] = {
            "ours": lambda x=x: xw.in_silico_mutagenesis(explainer, x, TARGET),
            "floor": floor,
            "passes": floor_in_passes,
            "small": lambda x=x: xw.in_silico_mutagenesis(small, x, TARGET),
        }
        if saturation_mutagenesis is not None:
            # Its defaults (batch_size=32, fast path when the job is long) with the same target.
            runs["tangermeme"] = lambda x=x: saturation_mutagenesis(model, x, target=TARGET, device=device)
        times = median_ms(runs, device, repeats)
        peer = times.get("tangermeme", float("nan"))
        ours = times["ours"]
        print(
            f"| {n} | {mutants.shape[0]} | {ours:.2f} | {peer:.2f} | {ours / peer:.2f} | "
            f"{times['floor']:.2f} | {ours / times['floor']:.2f} | {times['passes']:.2f} | "
            f"{ours / times['passes']:.2f} | {len(passes)} of {max(passes)} (originals included) | "
            f"{times['small']:.2f} | {times['small'] / peer:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's own)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64])
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(
        f"JUND-like CNN (4x101 one-hot), {device} ({platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} threads), ISM medians of {args.repeats} interleaved rounds\n"
    )
    ism_rows(device, args.repeats, args.batch_sizes)


if __name__ == "__main__":
    main()
