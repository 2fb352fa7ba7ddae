"""Time our explanation metrics against Quantus 0.6's on the shapes model, the same inputs,
attributions and parameters, interleaved round by round, and print a markdown table of medians;
then time the sanity-check cascade (model parameter randomisation) for three methods.

    .venv/bin/python -m benchmarks.metrics_peers [--repeats 3] [--batches 1,8] [--threads 0]
        [--before DIR] [--skip-peers]

Goals (issue 12): each faithfulness and robustness metric at most 0.2 of Quantus's time; the
cascade for saliency, integrated gradients and Grad-CAM under 2 s on a laptop CPU. Batch 1 is
what a live view asks for (the current sample); batch 8 a small evaluation set. Quantus gets
our attribution methods as its ``explain_func`` (so both pay the same attribution cost) and
runs with its progress bar and warnings off. Quantus has no deletion or insertion curve: those
rows time its ``PixelFlipping`` doing the same number of model passes. On a shared, busy CPU pass
``--threads 1``: two threads on an oversubscribed machine spend most of their time waiting on
each other, which swamps both sides' times.

The floor column is the least work a metric needs, timed interleaved with it: for the faithfulness
curves the model's forward (no gradients) over the same perturbed images, built beforehand,
channels-last, in the runner's memory-budgeted passes; for max_sensitivity and continuity one
batched attribution call over the same perturbed inputs; for the randomisation one attribution per
cascade step (the randomised model costs what the intact one does). ``--before DIR`` also times a
copy of ``xai_widgets/kernel/metrics`` kept in DIR, interleaved, for before/after tables from one
process (``git archive <commit> xai_widgets/kernel/metrics | tar -x -C /tmp/old`` then ``--before
/tmp/old/xai_widgets/kernel/metrics``); ``--skip-peers`` times only the cascade.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import statistics
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch

import xai_widgets as xw
from xai_widgets.kernel.metrics.continuity import shifted as shift_copies
from xai_widgets.kernel.metrics.robustness import uniform_noise
from xai_widgets.zoo import load_shapes_model, make_shapes

# Elements of a 3 x 64 x 64 image flipped per step: 192 steps, as Quantus needs a divisor of 64 * 64.
FEATURES_IN_STEP = 64
NOISE_SAMPLES = 20
CASCADE_METHODS = ("saliency", "integrated_gradients", "grad_cam")


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000.0


def medians(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median ms of each run, after one warm-up each, interleaved so machine noise hits all alike."""
    for run in runs.values():
        run()
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeats):
        for label, run in runs.items():
            times[label].append(timed(run))
    return {label: statistics.median(values) for label, values in times.items()}


def load_before(directory: str):
    """A copy of the metrics package kept in ``directory``, imported beside the current one (its
    relative imports resolve to the current kernel); its registrations replace the current ones,
    which only matters for views, not for the direct calls timed here."""
    name = "xai_widgets.kernel._metrics_before"
    spec = importlib.util.spec_from_file_location(
        name, f"{directory}/__init__.py", submodule_search_locations=[directory]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def floor_forward(explainer, copies: torch.Tensor) -> Callable[[], object]:
    """The model's forward over prebuilt copies in the runner's passes: a faithfulness curve's floor."""
    copies = copies.contiguous(memory_format=torch.channels_last)
    size = explainer._runner.chunk_size(copies.shape[1:], backward=False)

    def run():
        with torch.no_grad():
            return [explainer.model(copies[start : start + size]) for start in range(0, len(copies), size)]

    return run


def floor_attribute(explainer, x: torch.Tensor, copies: torch.Tensor, method: str, target) -> Callable[[], object]:
    """One batched attribution of x and its prebuilt perturbed copies (copies, N, ...): the floor of
    max_sensitivity and continuity."""
    batch = torch.cat([x, copies.flatten(0, 1)])
    targets = torch.as_tensor(target).repeat(len(copies) + 1)
    return lambda: explainer.attribute(batch, method, targets)


def floor_cascade(explainer, x: torch.Tensor, method: str, target, n_layers: int) -> Callable[[], object]:
    """One attribution per cascade step (the intact model's cost is the randomised one's)."""

    def run():
        return [explainer.attribute(x, method, target) for _ in range(n_layers + 1)]

    return run


def flipped_copies(
    x: torch.Tensor, attribution: torch.Tensor, counts: torch.Tensor, insertion: bool, fill
) -> torch.Tensor:
    """The perturbed images of a faithfulness curve (counts, N, ...), built the plain way."""
    flat = attribution.flatten(1)
    ranks = torch.empty_like(flat, dtype=torch.long)
    order = torch.sort(flat, dim=1, descending=True, stable=True).indices
    ranks.scatter_(1, order, torch.arange(flat.shape[1]).expand_as(order))
    changed = ranks.view(attribution.shape)[None] < counts.view(-1, 1, 1, 1, 1)
    fill = torch.as_tensor(fill, dtype=x.dtype).expand_as(x)
    return torch.where(changed, x, fill) if insertion else torch.where(changed, fill, x)


def quantus_explain(method: str) -> Callable[..., np.ndarray]:
    def explain(model, inputs, targets, **_ignored):
        batch = torch.as_tensor(np.asarray(inputs, dtype=np.float32))
        return xw.Explainer(model).attribute(batch, method, torch.as_tensor(targets)).values.numpy()

    return explain


def cases(quantus, model, x: torch.Tensor, y: torch.Tensor, metrics=None) -> dict[str, dict[str, Callable]]:
    """metric -> {"ours", "floor", "quantus"}: calls with no arguments doing the same work, ``metrics``
    the module of ours (default: xw.metrics)."""
    metrics = metrics or xw.metrics
    explainer = xw.Explainer(model)
    attribution = explainer.attribute(x, "saliency", y).values
    x_np, y_np, a_np = x.numpy(), y.numpy(), attribution.numpy()
    n_steps = 3 * 64 * 64 // FEATURES_IN_STEP

    def quantus_call(metric, **data):
        def run():
            return metric(model=model, x_batch=x_np, y_batch=y_np, device="cpu", **data)

        return run

    flipping = quantus.PixelFlipping(features_in_step=FEATURES_IN_STEP, disable_warnings=True)
    zero_flipping = quantus.PixelFlipping(
        features_in_step=FEATURES_IN_STEP, perturb_baseline=0.0, disable_warnings=True
    )
    sensitivity = quantus.MaxSensitivity(nr_samples=NOISE_SAMPLES, disable_warnings=True)
    flip_counts = (torch.arange(n_steps + 1) * FEATURES_IN_STEP).clamp(max=3 * 64 * 64)
    even_counts = torch.round(torch.linspace(0, 3 * 64 * 64, n_steps + 1, dtype=torch.float64)).long()
    black = x.flatten(1).amin(1).view(-1, 1, 1, 1)
    noise = uniform_noise(x.shape[1:], 0.2, NOISE_SAMPLES, 42, explainer.device)
    width = x.shape[-1]
    shifts = -width + (2 * width + 1) // 28 * torch.arange(1, 29)
    shifted = shift_copies(x, shifts, black.expand_as(x))
    n_layers = sum(1 for m in model.modules() if hasattr(m, "reset_parameters"))
    saliency_rgb = attribution  # (N, 3, H, W): features are elements, as Quantus's
    return {
        "pixel_flipping": {
            "ours": lambda: metrics.pixel_flipping(explainer, x, attribution, y, FEATURES_IN_STEP),
            "floor": floor_forward(explainer, flipped_copies(x, saliency_rgb, flip_counts, False, black).flatten(0, 1)),
            "quantus": quantus_call(flipping, a_batch=a_np),
        },
        "deletion_curve (peer: PixelFlipping)": {
            "ours": lambda: metrics.deletion_curve(explainer, x, attribution, y, steps=n_steps),
            "floor": floor_forward(explainer, flipped_copies(x, saliency_rgb, even_counts, False, 0.0).flatten(0, 1)),
            "quantus": quantus_call(zero_flipping, a_batch=a_np),
        },
        "insertion_curve (peer: PixelFlipping)": {
            "ours": lambda: metrics.insertion_curve(explainer, x, attribution, y, steps=n_steps),
            "floor": floor_forward(explainer, flipped_copies(x, saliency_rgb, even_counts, True, 0.0).flatten(0, 1)),
            "quantus": quantus_call(zero_flipping, a_batch=a_np),
        },
        f"max_sensitivity ({NOISE_SAMPLES} draws, saliency)": {
            "ours": lambda: metrics.max_sensitivity(explainer, x, "saliency", y, n_samples=NOISE_SAMPLES),
            "floor": floor_attribute(explainer, x, x[None] + noise[:, None], "saliency", y),
            "quantus": quantus_call(sensitivity, a_batch=a_np, explain_func=quantus_explain("saliency")),
        },
        "continuity (28 shifts, saliency)": {
            "ours": lambda: metrics.continuity(explainer, x, "saliency", y),
            "floor": floor_attribute(explainer, x, shifted, "saliency", y),
            "quantus": quantus_call(
                quantus.Continuity(disable_warnings=True), explain_func=quantus_explain("saliency")
            ),
        },
        "model_parameter_randomisation (saliency)": {
            "ours": lambda: metrics.model_parameter_randomisation(explainer, x, "saliency", y),
            "floor": floor_cascade(explainer, x, "saliency", y, n_layers),
            "quantus": quantus_call(
                quantus.MPRT(disable_warnings=True), a_batch=None, explain_func=quantus_explain("saliency")
            ),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--before", default="", help="a copy of kernel/metrics to time beside the current one")
    parser.add_argument("--skip-peers", action="store_true", help="only the cascade table")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import quantus
    warnings.filterwarnings("ignore", module="quantus")
    before = load_before(args.before) if args.before else None
    model = load_shapes_model()
    batches = [int(b) for b in args.batches.split(",")]
    print(
        f"torch {torch.__version__}, quantus {quantus.__version__}, {torch.get_num_threads()} threads, "
        f"shapes model (3x64x64), {args.repeats} repeats, medians\n"
    )
    extra = " before ms |" if before else ""
    if not args.skip_peers:
        print(
            f"| metric | batch |{extra} ours ms | floor ms | quantus ms | ours/quantus | ours/floor | floor/quantus |"
        )
        print("|---|---|" + "---|" * (6 + bool(before)))
        for batch in batches:
            data = make_shapes(batch, seed=0)
            before_cases = cases(quantus, model, data.images, data.labels, before) if before else {}
            for name, runs in cases(quantus, model, data.images, data.labels).items():
                if before:
                    runs = {"before": before_cases[name]["ours"], **runs}
                times = medians(runs, args.repeats)
                ours, floor, theirs = times["ours"], times["floor"], times["quantus"]
                cell = f" {times['before']:.0f} |" if before else ""
                print(
                    f"| {name} | {batch} |{cell} {ours:.0f} | {floor:.0f} | {theirs:.0f} | **{ours / theirs:.2f}** | "
                    f"{ours / floor:.2f} | {floor / theirs:.2f} |",
                    flush=True,
                )

    explainer = xw.Explainer(model)
    n_layers = sum(1 for m in model.modules() if hasattr(m, "reset_parameters"))
    print(f"\nSanity-check cascade on the shapes model ({n_layers} layers randomised), median ms:\n")
    versions = {"ours": xw.metrics, **({"before": before} if before else {})}
    print(f"| batch | version | {' | '.join(CASCADE_METHODS)} | all three (goal < 2000) |")
    print("|---|---|" + "---|" * (len(CASCADE_METHODS) + 1))
    for batch in batches:
        data = make_shapes(batch, seed=0)
        cascade = {
            (label, method): functools.partial(
                module.model_parameter_randomisation, explainer, data.images, method, data.labels
            )
            for label, module in versions.items()
            for method in CASCADE_METHODS
        }
        for method in CASCADE_METHODS:
            cascade[("floor", method)] = floor_cascade(explainer, data.images, method, data.labels, n_layers)
        times = medians(cascade, args.repeats)
        for label in (*versions, "floor"):
            cells = " | ".join(f"{times[(label, method)]:.0f}" for method in CASCADE_METHODS)
            total = sum(times[(label, method)] for method in CASCADE_METHODS)
            print(f"| {batch} | {label} | {cells} | **{total:.0f}** |", flush=True)


if __name__ == "__main__":
    main()
