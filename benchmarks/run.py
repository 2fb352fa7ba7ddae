"""Run the kernel and Captum side by side and write the table to benchmarks/RESULTS.md.

python -m benchmarks.run [--device cpu|cuda] [--quick] [--output benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import platform
import re
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

import xai_widgets as xw
from xai_widgets.kernel.core.runner import ModelRunner
from xai_widgets.zoo import load_shapes_model, resnet_style
from xai_widgets.zoo.models import vgg_style

from .cases import Case, build_cases
from .memory import PeakMemory

# A row whose round of runs takes longer than this gets one round, in which runs slower than
# _SLOW_RUN_MS are not repeated: their warm-up, itself in the interleaved order, is their timing
# (first-call costs are lost in a run that long). Captum's default occlusion on the VGG-style
# net at 224 px and batch 16 takes about a minute a call here.
_ROW_BUDGET_MS = 60_000.0
_SLOW_RUN_MS = 5_000.0


def timed_ms(run: Callable[[], object], device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    run()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (time.perf_counter() - start) * 1000


def median_ms(runs: dict[str, Callable[[], object]], device: torch.device, repeats: int) -> dict[str, float]:
    """Median wall time of each run, interleaved round by round so machine noise hits all alike."""
    # Warm-up: allocator, caches, lazy initialisation.
    warm = {label: timed_ms(run, device) for label, run in runs.items()}
    times: dict[str, list[float]] = {label: [] for label in runs}
    if sum(warm.values()) > _ROW_BUDGET_MS:
        repeats = 1
        for label, ms in warm.items():
            if ms >= _SLOW_RUN_MS:
                times[label].append(ms)
    for _ in range(repeats):
        for label, run in runs.items():
            if len(times[label]) < repeats:
                times[label].append(timed_ms(run, device))
    return {label: statistics.median(values) for label, values in times.items()}


def peak_mb(run, device: torch.device) -> float:
    with PeakMemory(device) as peak:
        run()
    return peak.peak_mb


def floor_run(model, x, target, case: Case, runner: ModelRunner):
    """The model's own batched passes for the same number of inputs: the least any method can do."""
    n_items = x.shape[0] * case.passes
    inputs = x.repeat((case.passes,) + (1,) * (x.ndim - 1))
    if case.floor_noise:
        value_range = (x.max() - x.min()).item()
        generator = torch.Generator(device=x.device).manual_seed(0)
        noise = torch.randn(inputs.shape, generator=generator, device=x.device)
        inputs = inputs + case.floor_noise * value_range * noise
    targets = target.repeat(case.passes)
    chunk = runner.chunk_size(x.shape[1:], case.backward)
    params = list(model.parameters())

    def run():
        flags = [p.requires_grad for p in params]
        for p in params:
            p.requires_grad_(False)
        try:
            for start in range(0, n_items, chunk):
                part = inputs[start : start + chunk]
                if case.backward:
                    part = part.detach().requires_grad_(True)
                    scores = model(part).gather(1, targets[start : start + chunk, None]).sum()
                    torch.autograd.grad(scores, part)
                else:
                    with torch.no_grad():
                        model(part)
        finally:
            for p, flag in zip(params, flags, strict=True):
                p.requires_grad_(flag)

    return run


def bench_model(name: str, model, shape, batch: int, device, quick: bool, only: list[str] | None = None) -> list[dict]:
    model = model.to(device).eval()
    generator = torch.Generator().manual_seed(0)
    x = torch.rand((batch, *shape), generator=generator).to(device)
    explainer = xw.Explainer(model)
    target = explainer.outputs(x).argmax(1).to(device)
    runner = ModelRunner(model, device)
    rows = []
    for case in build_cases(model, x, target):
        if only and case.method not in only:
            continue
        ours = functools.partial(explainer.attribute, x, case.method, target=target, **case.params)
        # Enough rounds for about two seconds of our method: many for fast ones, 3 at least.
        ours()
        start = time.perf_counter()
        ours()
        once_ms = (time.perf_counter() - start) * 1000
        repeats = 1 if quick else int(min(41, max(3, 2000 / max(once_ms, 1e-3))))
        runs = {"ours": ours, "defaults": case.captum_default, **case.captum_options}
        runs["floor"] = floor_run(model, x, target, case, runner)
        medians = median_ms(runs, device, repeats)
        options = {label: ms for label, ms in medians.items() if label not in ("ours", "floor")}
        best_label = min(options, key=options.get)
        ours_ms, default_ms, floor_ms = medians["ours"], medians["defaults"], medians["floor"]
        best_run = case.captum_options.get(best_label, case.captum_default)
        row = dict(
            model=name,
            batch=batch,
            method=case.method,
            ours_ms=ours_ms,
            captum_default_ms=default_ms,
            captum_best_ms=options[best_label],
            captum_best=best_label,
            floor_ms=floor_ms,
            ours_mb=peak_mb(ours, device),
            captum_mb=peak_mb(best_run, device),
        )
        rows.append(row)
        print(format_row(row), flush=True)
    return rows


TABLE_HEAD = (
    "| model | batch | method | ours ms | Captum best ms (setting) | ours/best | Captum default ms | ours/default "
    "| floor ms | ours/floor | peak MB ours / Captum |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def format_row(r: dict) -> str:
    return (
        f"| {r['model']} | {r['batch']} | {r['method']} | {r['ours_ms']:.1f} | {r['captum_best_ms']:.1f} "
        f"({r['captum_best']}) | **{r['ours_ms'] / r['captum_best_ms']:.2f}** | {r['captum_default_ms']:.1f} "
        f"| **{r['ours_ms'] / r['captum_default_ms']:.2f}** | {r['floor_ms']:.1f} | {r['ours_ms'] / r['floor_ms']:.2f} "
        f"| {r['ours_mb']:.0f} / {r['captum_mb']:.0f} |"
    )


def machine_line(device: torch.device) -> str:
    if device.type == "cuda":
        what = torch.cuda.get_device_name(device)
    else:
        what = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads"
    return f"{device.type.upper()}: {what}; torch {torch.__version__}; {dt.date.today().isoformat()}"


def write_section(path: Path, name: str, body: str) -> None:
    """Replace the section called ``name`` in the results file, keeping the others."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"{start}\n{body}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def _row_key(line: str) -> tuple:
    return tuple(cell.strip() for cell in line.split("|")[1:4])


def merged_rows(path: Path, name: str, new_lines: list[str]) -> list[str]:
    """The section's existing table rows with those of ``new_lines`` (same model, batch, method) replaced."""
    text = path.read_text() if path.exists() else ""
    match = re.search(re.escape(f"<!-- {name} -->") + "(.*?)" + re.escape(f"<!-- /{name} -->"), text, re.S)
    old = [
        line for line in (match.group(1).splitlines() if match else []) if line.startswith("| ") and "---" not in line
    ]
    old = [line for line in old if not line.startswith("| model ")]
    replacements = {_row_key(line): line for line in new_lines}
    merged = [replacements.pop(_row_key(line), line) for line in old]
    return merged + list(replacements.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true", help="one timed repeat, small models only")
    parser.add_argument("--output", type=Path, default=None, help="write the table into this markdown file")
    parser.add_argument("--methods", nargs="*", default=None, help="only these methods (their rows are replaced)")
    args = parser.parse_args()
    device = torch.device(args.device)
    warnings.filterwarnings("ignore", category=UserWarning)
    torch.manual_seed(0)
    # (name, model, input shape, only these methods: None for all)
    models = [("shapes CNN 3x64x64", load_shapes_model(), (3, 64, 64), None)]
    if not args.quick:
        models.append(("ResNet-style 3x224x224", resnet_style(), (3, 224, 224), None))
        # Issue 17's occlusion rows: a VGG- and a ResNet-style net at 64 and 224 px.
        models += [
            ("ResNet-style 3x64x64", resnet_style(), (3, 64, 64), ["occlusion"]),
            ("VGG-style 3x64x64", vgg_style(), (3, 64, 64), ["occlusion"]),
            ("VGG-style 3x224x224", vgg_style(), (3, 224, 224), ["occlusion"]),
        ]
    print(machine_line(device))
    print(TABLE_HEAD)
    rows = []
    for name, model, shape, methods in models:
        only = methods if not args.methods else [m for m in args.methods if methods is None or m in methods]
        if only == []:
            continue
        for batch in (1, 16):
            rows += bench_model(name, model, shape, batch, device, args.quick, only)
    if args.output:
        lines = [format_row(r) for r in rows]
        if args.methods:
            lines = merged_rows(args.output, f"kernel:{device.type}", lines)
        body = "\n".join([f"### Kernel vs Captum, {machine_line(device)}", "", TABLE_HEAD] + lines)
        write_section(args.output, f"kernel:{device.type}", body)
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
