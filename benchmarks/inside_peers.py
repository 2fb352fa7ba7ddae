"""Inside the network: layer and neuron attribution against Captum (same model, layer, inputs,
targets and parameters; results checked equal first), and activation maximisation against its
floor (the model's own forward and backward passes on the same inputs, step after step), on the
shapes model, interleaved round by round, medians.

    .venv/bin/python -m benchmarks.inside_peers --threads 1

Goals (issue 15): layer and neuron attributions at most Captum's time (ratio <= 1); activation
maximisation at most 1.2 times its floor.
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable

import torch
from captum.attr import (
    LayerActivation,
    LayerConductance,
    LayerGradientXActivation,
    NeuronGradient,
    NeuronIntegratedGradients,
)
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.optimize.image_parametrization import ImageParametrization
from xai_widgets.kernel.optimize.regularizers import rotate
from xai_widgets.zoo import load_shapes_model

from .run import median_ms

LAYER = "features.conv3"
NEURON = (5, 4, 4)
N_STEPS = 32


def attribution_cases(model: nn.Module, explainer: xw.Explainer, x: torch.Tensor, target: list[int]):
    """(name, ours, Captum's) for each layer and neuron method, each a no-argument call."""
    layer = dict(model.named_modules())[LAYER]
    return [
        (
            "layer activation",
            lambda: xw.layer_attribution(explainer, x, LAYER, "activation").values,
            lambda: LayerActivation(model, layer).attribute(x),
        ),
        (
            "layer gradient x activation",
            lambda: xw.layer_attribution(explainer, x, LAYER, "grad_x_activation", target=target).values,
            lambda: LayerGradientXActivation(model, layer).attribute(x, target=target),
        ),
        (
            f"layer conductance ({N_STEPS} steps)",
            lambda: xw.layer_attribution(explainer, x, LAYER, "conductance", target=target, n_steps=N_STEPS).values,
            lambda: LayerConductance(model, layer).attribute(x, target=target, n_steps=N_STEPS),
        ),
        (
            "neuron gradient",
            lambda: xw.neuron_attribution(explainer, x, LAYER, NEURON, "gradient").values,
            lambda: NeuronGradient(model, layer).attribute(x, NEURON),
        ),
        (
            f"neuron integrated gradients ({N_STEPS} steps)",
            lambda: xw.neuron_attribution(explainer, x, LAYER, NEURON, "integrated_gradients", n_steps=N_STEPS).values,
            lambda: NeuronIntegratedGradients(model, layer).attribute(x, NEURON, n_steps=N_STEPS),
        ),
    ]


def check_equal(ours: torch.Tensor, peer: torch.Tensor, name: str) -> float:
    """The largest difference relative to the peer's scale; raise when they disagree."""
    error = ((ours - peer.detach()).abs().max() / peer.abs().max().clamp_min(1e-12)).item()
    if error > 1e-3:
        raise AssertionError(f"{name}: ours differs from Captum's by {error:.2e} of its scale")
    return error


def floor_run(
    model: nn.Module,
    k: int,
    shape: tuple[int, ...],
    targets: torch.Tensor,
    steps: int,
    parametrization: ImageParametrization | None = None,
    transformed: bool = False,
) -> Callable:
    """``steps`` forward and backward passes of the model on k inputs, w.r.t. the inputs only (the
    parameters frozen, as ours freezes them): what any gradient ascent of ``steps`` steps needs.
    With ``parametrization``, through it as well (its images from its parameters and back: the
    Fourier transform and colour mixing, or the sigmoid of a value range), with nothing else.
    ``transformed``: each step's images also go through one random resampling and its backward,
    as an ascent robust to scale and rotation must (ours samples once at the product of the two
    transforms' matrices: one ``grid_sample``)."""
    rows = torch.arange(k)
    generator = torch.Generator().manual_seed(0)

    def run() -> None:
        flags = [p.requires_grad for p in model.parameters()]
        for p in model.parameters():
            p.requires_grad_(False)
        try:
            x = torch.rand((k, *shape), generator=torch.Generator().manual_seed(0)).requires_grad_(True)
            for _ in range(steps):
                image = x if parametrization is None else parametrization.images()
                if transformed:
                    image = rotate(image, generator, degrees=10.0)
                model(image)[rows, targets].sum().backward()
        finally:
            for p, flag in zip(model.parameters(), flags, strict=True):
                p.requires_grad_(flag)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--steps", type=int, default=64, help="activation maximisation steps")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's own)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device("cpu")  # Captum and the floor run where the model is; the shapes model is small
    model = load_shapes_model(device=device)
    explainer = xw.Explainer(model)
    print(
        f"Shapes CNN (3x64x64), layer {LAYER}, neuron {NEURON}, {device} "
        f"({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads), "
        f"medians of {args.repeats} interleaved rounds\n"
    )
    print("| method | N | ours ms | Captum ms | ours / Captum | max rel. difference |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in args.batch_sizes:
        x = torch.rand((n, 3, 64, 64), generator=torch.Generator().manual_seed(n))
        target = [i % 4 for i in range(n)]
        for name, ours, peer in attribution_cases(model, explainer, x, target):
            error = check_equal(ours(), peer(), name)
            times = median_ms({"ours": ours, "peer": peer}, device, args.repeats)
            print(
                f"| {name} | {n} | {times['ours']:.2f} | {times['peer']:.2f} | "
                f"{times['ours'] / times['peer']:.2f} | {error:.1e} |"
            )

    shape = (3, 64, 64)
    k = 4
    targets = torch.arange(k)
    steps = args.steps
    print(f"\nActivation maximisation, {k} classes in one batch, {steps} steps, against its floor\n")
    print(
        "| configuration | ours ms | floor ms | ours / floor | floor with the parametrisation "
        "(and the resampling of scale and rotate) ms | ours / that |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    configurations: dict[str, dict] = {
        "pixel, no regularisers, unbounded": dict(regularizers=[], value_range=None),
        "pixel, no regularisers, value range (0, 1)": dict(regularizers=[]),
        "pixel, default regularisers (l2, tv, jitter)": dict(),
        "fourier, default regularisers": dict(parametrization="fourier"),
        "pixel, every regulariser": dict(regularizers=list(xw.regularizer_specs())),
    }
    floor = floor_run(model, k, shape, targets, steps)
    for name, options in configurations.items():

        def ours(options: dict = options) -> None:
            xw.activation_maximization(explainer, target=targets.tolist(), shape=shape, steps=steps, **options)

        parametrization = ImageParametrization(
            options.get("parametrization", "pixel"),
            shape,
            k,
            options.get("value_range", (0.0, 1.0)),
            torch.Generator().manual_seed(0),
            device,
        )
        transformed = any(getattr(r, "name", r) in ("scale", "rotate") for r in options.get("regularizers", ()))
        with_parametrization = floor_run(model, k, shape, targets, steps, parametrization, transformed)
        runs = {"ours": ours, "floor": floor, "parametrised": with_parametrization}
        times = median_ms(runs, device, args.repeats)
        print(
            f"| {name} | {times['ours']:.1f} | {times['floor']:.1f} | {times['ours'] / times['floor']:.2f} | "
            f"{times['parametrised']:.1f} | {times['ours'] / times['parametrised']:.2f} |"
        )


if __name__ == "__main__":
    main()
