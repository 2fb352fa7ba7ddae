"""Time our explanation metrics against Quantus 0.6's on the shapes model, the same inputs,
attributions and parameters, interleaved round by round, and print a markdown table of medians;
then time the sanity-check cascade (model parameter randomisation) for three methods.

    .venv/bin/python -m benchmarks.metrics_peers [--repeats 3] [--batches 1,8] [--threads 0]

Goals (issue 12): each faithfulness and robustness metric at most 0.2 of Quantus's time; the
cascade for saliency, integrated gradients and Grad-CAM under 2 s on a laptop CPU. Batch 1 is
what a live view asks for (the current sample); batch 8 a small evaluation set. Quantus gets
our attribution methods as its ``explain_func`` (so both pay the same attribution cost) and
runs with its progress bar and warnings off. Quantus has no deletion or insertion curve: those
rows time its ``PixelFlipping`` doing the same number of model passes. On a shared, busy CPU pass
``--threads 1``: two threads on an oversubscribed machine spend most of their time waiting on
each other, which swamps both sides' times.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch

import xai_widgets as xw
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


def quantus_explain(method: str) -> Callable[..., np.ndarray]:
    def explain(model, inputs, targets, **_ignored):
        batch = torch.as_tensor(np.asarray(inputs, dtype=np.float32))
        return xw.Explainer(model).attribute(batch, method, torch.as_tensor(targets)).values.numpy()

    return explain


def cases(quantus, model, x: torch.Tensor, y: torch.Tensor) -> dict[str, tuple[Callable, Callable]]:
    """metric -> (ours, Quantus's), each a call with no arguments doing the same work."""
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
    return {
        "pixel_flipping": (
            lambda: xw.metrics.pixel_flipping(explainer, x, attribution, y, FEATURES_IN_STEP),
            quantus_call(flipping, a_batch=a_np),
        ),
        "deletion_curve (peer: PixelFlipping)": (
            lambda: xw.metrics.deletion_curve(explainer, x, attribution, y, steps=n_steps),
            quantus_call(zero_flipping, a_batch=a_np),
        ),
        "insertion_curve (peer: PixelFlipping)": (
            lambda: xw.metrics.insertion_curve(explainer, x, attribution, y, steps=n_steps),
            quantus_call(zero_flipping, a_batch=a_np),
        ),
        f"max_sensitivity ({NOISE_SAMPLES} draws, saliency)": (
            lambda: xw.metrics.max_sensitivity(explainer, x, "saliency", y, n_samples=NOISE_SAMPLES),
            quantus_call(sensitivity, a_batch=a_np, explain_func=quantus_explain("saliency")),
        ),
        "continuity (28 shifts, saliency)": (
            lambda: xw.metrics.continuity(explainer, x, "saliency", y),
            quantus_call(quantus.Continuity(disable_warnings=True), explain_func=quantus_explain("saliency")),
        ),
        "model_parameter_randomisation (saliency)": (
            lambda: xw.metrics.model_parameter_randomisation(explainer, x, "saliency", y),
            quantus_call(quantus.MPRT(disable_warnings=True), a_batch=None, explain_func=quantus_explain("saliency")),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import quantus
    warnings.filterwarnings("ignore", module="quantus")
    model = load_shapes_model()
    batches = [int(b) for b in args.batches.split(",")]
    print(
        f"torch {torch.__version__}, quantus {quantus.__version__}, {torch.get_num_threads()} threads, "
        f"shapes model (3x64x64), {args.repeats} repeats, medians\n"
    )
    print("| metric | batch | ours ms | quantus ms | ours/quantus |")
    print("|---|---|---|---|---|")
    for batch in batches:
        data = make_shapes(batch, seed=0)
        for name, (ours, theirs) in cases(quantus, model, data.images, data.labels).items():
            times = medians({"ours": ours, "quantus": theirs}, args.repeats)
            ratio = times["ours"] / times["quantus"]
            print(f"| {name} | {batch} | {times['ours']:.0f} | {times['quantus']:.0f} | **{ratio:.2f}** |", flush=True)

    explainer = xw.Explainer(model)
    print("\nSanity-check cascade on the shapes model (9 layers randomised), median ms:\n")
    print(f"| batch | {' | '.join(CASCADE_METHODS)} | all three (goal < 2000) |")
    print("|---|" + "---|" * (len(CASCADE_METHODS) + 1))
    for batch in batches:
        data = make_shapes(batch, seed=0)
        cascade = {
            method: functools.partial(
                xw.metrics.model_parameter_randomisation, explainer, data.images, method, data.labels
            )
            for method in CASCADE_METHODS
        }
        times = medians(cascade, args.repeats)
        cells = " | ".join(f"{times[method]:.0f}" for method in CASCADE_METHODS)
        print(f"| {batch} | {cells} | **{sum(times.values()):.0f}** |", flush=True)


if __name__ == "__main__":
    main()
