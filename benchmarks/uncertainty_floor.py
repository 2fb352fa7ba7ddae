"""MC dropout against its floor: the model's own forward pass over the same n_samples x N inputs
in one batch, with its dropout on, interleaved, medians. Goal: ratio <= 1.2.

python -m benchmarks.uncertainty_floor [--device cpu|cuda] [--repeats 21] [--n-samples 30]
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable

import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.uncertainty.dropout import dropout_modules
from xai_widgets.zoo import DropoutMLP, load_dropout_shapes_model

from .run import median_ms


def floor_run(model: nn.Module, inputs: torch.Tensor, dropout_on: bool) -> Callable[[], object]:
    """One forward of ``model`` over ``inputs`` without gradients: dropout on (the MC floor) or off."""
    dropouts = dropout_modules(model)

    def run() -> object:
        for module in dropouts:
            module.training = dropout_on
        try:
            with torch.no_grad():
                return model(inputs)
        finally:
            for module in dropouts:
                module.training = False

    return run


def cases(device: torch.device) -> list[tuple[str, nn.Module, torch.Size]]:
    # Speed does not depend on the weights: the MLP is the zoo's architecture, untrained.
    torch.manual_seed(0)
    return [
        ("dropout MLP (1 -> 64 -> 64 -> 1)", DropoutMLP().to(device).eval(), torch.Size([1])),
        ("dropout shapes CNN (3x64x64)", load_dropout_shapes_model(device=device), torch.Size([3, 64, 64])),
    ]


def ratio_row(name: str, model: nn.Module, x: torch.Tensor, n_samples: int, device: torch.device, repeats: int) -> None:
    """Time MC dropout against its floors on ``x`` and print one table row."""
    explainer = xw.Explainer(model)
    inputs = x.repeat((n_samples,) + (1,) * (x.ndim - 1))
    explainer.predict_uncertainty(x, n_samples=n_samples, seed=0)  # the runner's shape probe, once
    passes: list[int] = []
    handle = model.register_forward_hook(lambda m, i, o: passes.append(i[0].shape[0]))
    explainer.predict_uncertainty(x, n_samples=n_samples, seed=0)
    handle.remove()
    times = median_ms(
        {
            "ours": lambda: explainer.predict_uncertainty(x, n_samples=n_samples, seed=0),
            "floor": floor_run(model, inputs, dropout_on=True),
            "eval": floor_run(model, inputs, dropout_on=False),
        },
        device,
        repeats,
    )
    print(
        f"| {name} | {x.shape[0]} | {times['ours']:.3f} | {times['floor']:.3f} | "
        f"{times['ours'] / times['floor']:.2f} | {times['eval']:.3f} | {len(passes)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--n-samples", type=int, default=30)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's own)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    n_samples = args.n_samples

    print(
        f"MC dropout, {n_samples} samples, {device} ({platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} threads), medians of {args.repeats} interleaved rounds\n"
    )
    print("| model | N | MC dropout ms | floor ms (dropout on) | ratio | forward ms (eval) | model passes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, model, shape in cases(device):
        for n in args.batch_sizes:
            ratio_row(name, model, torch.rand((n, *shape), device=device), n_samples, device, args.repeats)


if __name__ == "__main__":
    main()
