"""Time our LRP against Zennit's on torchvision VGG-11 and ResNet-18, the same composite on the same
model and input, interleaved, and print a markdown table of medians (ours, Zennit, their ratio,
ours against the floor: one plain gradient, the model's own forward and backward, and ours against
the rule floor: the convolutions the composite's rules cannot do without).

The rule floor counts what any implementation must compute per Conv/Linear layer with inputs
a >= 0 (after a ReLU), besides the plain forward z = Wa: the z+ rule needs z+ = W+a (one more
forward) and then one transposed product W+ᵀs (the backward); the generalised γ rule needs
p = W+a (one more forward; W-a = z - p) and two transposed products, Wᵀs and W+ᵀs' (its four
input-part/weight pairs folded into two). So ``epsilon_plus`` costs at least a forward plus a
gradient, and ``epsilon_gamma_box`` two gradients; these are timed as such, on the model itself.

Needs the peers environment (torchvision and zennit beside torch); run from the repository root:

    PYTHONPATH=. .venv-peers/bin/python benchmarks/lrp_peers.py --repeats 5

Zennit runs its stock composites with its stock canonizers (``SequentialMergeBatchNorm``;
``ResNetCanonizer``) through its ``Gradient`` attributor, seeded with the target output as ours
is; both register their hooks (and Zennit its canonizers) inside every timed call.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torchvision
from torch import nn
from zennit import composites as zennit_composites
from zennit.attribution import Gradient
from zennit.canonizers import SequentialMergeBatchNorm
from zennit.torchvision import ResNetCanonizer

import xai_widgets as xw

COMPOSITES = ("epsilon_plus", "epsilon_gamma_box")
EPSILON, GAMMA = 1e-6, 0.25


def build_model(name: str, seed: int = 0) -> nn.Module:
    """torchvision's ``name`` without downloaded weights, biases and BatchNorms randomised, eval mode."""
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.running_mean.copy_(0.2 * torch.randn(n, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
                module.weight.copy_(0.5 + torch.rand(n, generator=generator))
                module.bias.copy_(0.2 * torch.randn(n, generator=generator))
            if isinstance(module, (nn.Conv2d, nn.Linear)) and module.bias is not None:
                module.bias.copy_(0.05 * torch.randn(module.bias.shape, generator=generator))
    return model.eval()


def zennit_call(model: nn.Module, name: str, x: torch.Tensor, target: torch.Tensor) -> Callable[[], torch.Tensor]:
    canonizers = [ResNetCanonizer()] if isinstance(model, torchvision.models.ResNet) else [SequentialMergeBatchNorm()]
    if name == "epsilon_gamma_box":
        low, high = x.amin(dim=(1, 2, 3), keepdim=True), x.amax(dim=(1, 2, 3), keepdim=True)
        composite = zennit_composites.EpsilonGammaBox(
            low=low, high=high, epsilon=EPSILON, gamma=GAMMA, canonizers=canonizers
        )
    else:
        composite = zennit_composites.EpsilonPlus(epsilon=EPSILON, canonizers=canonizers)
    attributor = Gradient(model, composite)
    rows = torch.arange(len(target))

    def seed(output: torch.Tensor) -> torch.Tensor:
        onehot = torch.zeros_like(output)
        onehot[rows, target] = 1.0
        return onehot * output

    def run() -> torch.Tensor:
        return attributor(x.clone(), seed)[1]

    return run


def ours_call(explainer: xw.Explainer, name: str, x: torch.Tensor, target: torch.Tensor) -> Callable[[], object]:
    def run() -> object:
        return explainer.attribute(x, "lrp", target=target, composite=name, epsilon=EPSILON, gamma=GAMMA)

    return run


def floor_call(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> Callable[[], torch.Tensor]:
    def run() -> torch.Tensor:
        leaf = x.clone().requires_grad_(True)
        scores = model(leaf).gather(1, target[:, None]).sum()
        return torch.autograd.grad(scores, leaf)[0]

    return run


def rule_floor_call(model: nn.Module, name: str, x: torch.Tensor, target: torch.Tensor) -> Callable[[], torch.Tensor]:
    """The least work the composite's rules need (see the module docstring), timed on the model."""
    gradient = floor_call(model, x, target)

    def forward_and_gradient() -> torch.Tensor:
        with torch.no_grad():
            model(x)
        return gradient()

    def two_gradients() -> torch.Tensor:
        gradient()
        return gradient()

    return two_gradients if name == "epsilon_gamma_box" else forward_and_gradient


def timed(run: Callable[[], object], clock: Callable[[], float]) -> float:
    start = clock()
    run()
    return (clock() - start) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", default="vgg11,resnet18")
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall time, or the process's CPU time (steadier on a loaded machine; use with --threads 1)",
    )
    parser.add_argument(
        "--memory-budget",
        type=float,
        default=None,
        help="our explainer's memory budget in bytes (default: the runner's; on the CPU 256 MiB, which cuts "
        "VGG-11 at batch 8 into passes of 2)",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.clock} clock, {args.repeats} repeats, "
        f"{args.size} px, memory budget {args.memory_budget or 'default'}\n"
    )
    print("| model | batch | composite | ours ms | zennit ms | ours/zennit | ours/floor | ours/rule floor |")
    print("|---|---|---|---|---|---|---|---|")
    for model_name in args.models.split(","):
        model = build_model(model_name)
        for batch in (int(b) for b in args.batches.split(",")):
            x = torch.randn(batch, 3, args.size, args.size, generator=torch.Generator().manual_seed(1))
            target = torch.arange(batch) % 10
            budget = int(args.memory_budget) if args.memory_budget else None
            explainer = xw.Explainer(model, memory_budget=budget)
            runs: dict[str, Callable[[], object]] = {"floor": floor_call(model, x, target)}
            for name in COMPOSITES:
                runs[f"ours {name}"] = ours_call(explainer, name, x, target)
                runs[f"zennit {name}"] = zennit_call(model, name, x, target)
                runs[f"rule floor {name}"] = rule_floor_call(model, name, x, target)
            times: dict[str, list[float]] = {key: [] for key in runs}
            for run in runs.values():  # warm-up
                run()
            for _ in range(args.repeats):
                for key, run in runs.items():
                    times[key].append(timed(run, clock))
            medians = {key: statistics.median(values) for key, values in times.items()}
            for name in COMPOSITES:
                ours, theirs = medians[f"ours {name}"], medians[f"zennit {name}"]
                print(
                    f"| {model_name} | {batch} | {name} | {ours:.0f} | {theirs:.0f} | **{ours / theirs:.2f}** "
                    f"| {ours / medians['floor']:.2f} | {ours / medians[f'rule floor {name}']:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
