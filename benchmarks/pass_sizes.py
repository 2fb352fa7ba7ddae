"""How many inputs one backward pass should take on the CPU: time and page faults per pass size.

python -m benchmarks.pass_sizes [--threads 2] [--rounds 9]

The model's own forward and backward passes over the copies integrated gradients (50 steps) and
SmoothGrad (20 samples) make, cut into passes of each size, interleaved round by round, medians;
beside them the runner's choice and Captum's best batching from ``benchmarks.run``. Minor page
faults per call (``getrusage``) show the memory the allocator fetched afresh: glibc hands large
freed blocks back to the kernel, and their pages fault in again, zeroed, on the next call.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import torch

from xai_widgets.kernel.core.runner import ModelRunner
from xai_widgets.zoo import load_shapes_model, resnet_style


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def passes_of(model: torch.nn.Module, copies: torch.Tensor, size: int):
    """Forward and backward over ``copies`` in passes of ``size`` inputs (parameters frozen)."""

    def run() -> None:
        for start in range(0, copies.shape[0], size):
            part = copies[start : start + size].detach().requires_grad_(True)
            torch.autograd.grad(model(part)[:, 0].sum(), part)

    return run


def runner_passes(runner: ModelRunner, model: torch.nn.Module, copies: torch.Tensor):
    """The same passes cut as the runner cuts them (its size, evened out)."""

    def work(start: int, stop: int) -> None:
        part = copies[start:stop].detach().requires_grad_(True)
        torch.autograd.grad(model(part)[:, 0].sum(), part)

    return lambda: runner.chunks(copies.shape[0], copies.shape[1:], backward=True, work=work)


def measure(runs: dict, rounds: int) -> dict[str, tuple[float, float]]:
    """Median wall ms and median minor faults per call of each run, interleaved."""
    times: dict[str, list[float]] = {label: [] for label in runs}
    faults: dict[str, list[int]] = {label: [] for label in runs}
    for run in runs.values():
        run()
    for _ in range(rounds):
        for label, run in runs.items():
            before, start = minor_faults(), time.perf_counter()
            run()
            times[label].append((time.perf_counter() - start) * 1000)
            faults[label].append(minor_faults() - before)
    return {label: (statistics.median(times[label]), statistics.median(faults[label])) for label in runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    print(f"torch threads {args.threads}; ms per call (minor faults per call); best of each row in bold")
    columns = " | ".join(f"passes of {s}" for s in (8, 16, 32, 64))
    print(f"| model | batch | work | copies | {columns} | runner's |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, model, size in (("shapes CNN", load_shapes_model(), 64), ("ResNet-style", resnet_style(), 224)):
        model = model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        runner = ModelRunner(model, torch.device("cpu"))
        chosen = runner.chunk_size(torch.Size((3, size, size)), backward=True)
        for batch in (1, 16) if size == 64 else (1,):
            for work, copies in (("SmoothGrad 20", 20 * batch), ("IG 50 steps", 50 * batch)):
                inputs = torch.rand((copies, 3, size, size), generator=generator)
                sizes = {f"{s}": s for s in (8, 16, 32, 64)}
                runs = {label: passes_of(model, inputs, s) for label, s in sizes.items()}
                runs["runner"] = runner_passes(runner, model, inputs)
                rounds = args.rounds if copies * size * size <= 200 * 64 * 64 else max(3, args.rounds // 3)
                result = measure(runs, rounds)
                best = min(ms for ms, _ in result.values())
                cells = [
                    (f"**{ms:.1f}**" if ms == best else f"{ms:.1f}") + f" ({faults:.0f})"
                    for ms, faults in result.values()
                ]
                cells[-1] += f" [{chosen}]"
                print(f"| {name} {size} px | {batch} | {work} | {copies} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
