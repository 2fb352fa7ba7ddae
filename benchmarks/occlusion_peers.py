"""Time occlusion four ways on the same model, input, window and stride, interleaved round by round:
ours (incremental: each layer recomputes only the patch a window changes), ours by whole passes
(every occluded copy through the whole model, as before incremental occlusion), Captum's
``Occlusion`` at its default ``perturbations_per_eval=1`` and at its best batching. Prints a
markdown table of medians and the medians of the per-round ratios, against issue 17's goals:
ours <= 0.2 of Captum's default, <= 0.5 of Captum at its best batching, and >= 3 times faster
than whole passes on the VGG-style net at 224 px with a 16-pixel window and stride 8.

    python -m benchmarks.occlusion_peers [--cases goal grid] [--sizes 64 224] [--batches 1 16]

Runs on one thread (``torch.set_num_threads(1)``) unless ``--threads`` says otherwise, so the
shared CPU's noise hits every contender alike; only the ratios mean anything.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from unittest import mock

import torch
from captum.attr import Occlusion

import xai_widgets as xw
from xai_widgets.kernel.methods.perturbation import occlusion as occlusion_module
from xai_widgets.zoo.models import resnet_style, vgg_style

MODELS: dict[str, Callable[[], torch.nn.Module]] = {"VGG-style": vgg_style, "ResNet-style": resnet_style}


@dataclass(frozen=True)
class Setting:
    model: str
    size: int
    batch: int
    window: int
    stride: int

    @property
    def label(self) -> str:
        return f"{self.model} 3x{self.size}x{self.size} | {self.batch} | {self.window}/{self.stride}"


def captum_batchings(setting: Setting) -> tuple[int, ...]:
    """Captum's perturbations_per_eval options: each multiplies the batch, so fewer at large inputs."""
    if setting.size <= 64:
        return (16, 64, 256)
    return (4, 16) if setting.batch > 1 else (16, 64)


def contenders(setting: Setting) -> dict[str, Callable[[], object]]:
    model = MODELS[setting.model]()
    x = torch.rand((setting.batch, 3, setting.size, setting.size), generator=torch.Generator().manual_seed(0))
    explainer = xw.Explainer(model)
    target = explainer.outputs(x).argmax(1)
    params = {"window": setting.window, "stride": setting.stride, "baseline": 0.0}

    def ours():
        return explainer.attribute(x, "occlusion", target=target, **params)

    def whole_passes():
        with mock.patch.object(occlusion_module, "incremental_drops", lambda *args, **kwargs: None):
            return explainer.attribute(x, "occlusion", target=target, **params)

    def captum(per_eval: int):
        return lambda: Occlusion(model).attribute(
            x,
            sliding_window_shapes=(3, setting.window, setting.window),
            strides=(3, setting.stride, setting.stride),
            baselines=0.0,
            target=target.tolist(),
            perturbations_per_eval=per_eval,
        )

    runs = {"ours": ours, "whole passes": whole_passes, "Captum default": captum(1)}
    runs.update({f"Captum ppe={p}": captum(p) for p in captum_batchings(setting)})
    return runs


def measure(runs: dict[str, Callable[[], object]], repeats: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median ms of each run and the median over rounds of ours/run, interleaved round by round."""
    for run in runs.values():
        run()  # warm-up: the trace, allocator, caches
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeats):
        for label, run in runs.items():
            start = time.perf_counter()
            run()
            times[label].append((time.perf_counter() - start) * 1000)
    medians = {label: statistics.median(values) for label, values in times.items()}
    ratios = {
        label: statistics.median(o / t for o, t in zip(times["ours"], values, strict=True))
        for label, values in times.items()
    }
    return medians, ratios


def settings_for(cases: list[str], sizes: list[int], batches: list[int]) -> list[Setting]:
    found = []
    if "goal" in cases:
        found.append(Setting("VGG-style", 224, 1, 16, 8))
    if "grid" in cases:
        # The make-bench windows: an eighth of the size, stride a sixteenth.
        for model in MODELS:
            for size in sizes:
                for batch in batches:
                    found.append(Setting(model, size, batch, size // 8, size // 16))
    return found


HEAD = (
    "| model | batch | window/stride | ours ms | whole passes ms | Captum default ms | Captum best ms (ppe) "
    "| ours/whole | ours/default (goal <= 0.2) | ours/best (goal <= 0.5) |\n|---|---|---|---|---|---|---|---|---|---|"
)


def row(setting: Setting, medians: dict[str, float], ratios: dict[str, float]) -> str:
    # Captum at its best: the fastest of its settings, the default (perturbations_per_eval=1) included.
    batchings = {label: ms for label, ms in medians.items() if label.startswith("Captum")}
    best = min(batchings, key=batchings.__getitem__)
    setting_name = best.split("=")[1] if "=" in best else "1"
    return (
        f"| {setting.label} | {medians['ours']:.0f} | {medians['whole passes']:.0f} | {medians['Captum default']:.0f} "
        f"| {medians[best]:.0f} ({setting_name}) | **{ratios['whole passes']:.2f}** "
        f"| **{ratios['Captum default']:.2f}** | **{ratios[best]:.2f}** |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="*", default=["goal", "grid"], choices=["goal", "grid"])
    parser.add_argument("--sizes", nargs="*", type=int, default=[64, 224])
    parser.add_argument("--batches", nargs="*", type=int, default=[1, 16])
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (fewer for slow settings, see below)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=UserWarning)
    print(f"CPU, {torch.get_num_threads()} torch thread(s), torch {torch.__version__}")
    print(HEAD, flush=True)
    for setting in settings_for(args.cases, args.sizes, args.batches):
        # Captum's default at 224 px and batch 16 takes about a minute a round here: fewer rounds.
        repeats = 1 if setting.size >= 224 and setting.batch > 1 else args.repeats
        medians, ratios = measure(contenders(setting), repeats)
        print(row(setting, medians, ratios) + (" (1 round)" if repeats == 1 else ""), flush=True)


if __name__ == "__main__":
    main()
