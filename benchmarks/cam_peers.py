"""Time our CAM family against pytorch-grad-cam (and Captum's LayerGradCam for Grad-CAM) on torchvision
VGG-11 and ResNet-18 at 224 px, batch 1, the same layer (the last convolution), input and target,
interleaved round by round, and print a markdown table of medians and ratios.

Needs the peers environment (torchvision and grad-cam beside torch); run from the repository root:

    PYTHONPATH=. .venv-peers/bin/python benchmarks/cam_peers.py --repeats 9 --slow-repeats 2

Each side does its whole public job per call: pytorch-grad-cam builds its CAM object (hooks)
and returns its map resized to the input (and min-max scaled); Captum's LayerGradCam is followed
by its bilinear ``LayerAttribution.interpolate``; ours returns the map upsampled to the input.
pytorch-grad-cam keeps the layer's output by reference, so it runs on a copy of the model whose
ReLUs are not in place (ours runs on the original). Score-CAM and Ablation-CAM run one masked or
ablated copy per channel (512 here), so they get ``--slow-repeats`` rounds and no warm-up.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import io
import platform
import statistics
import time
from collections.abc import Callable

import torch
import torchvision
from pytorch_grad_cam import (
    AblationCAM,
    EigenCAM,
    GradCAM,
    GradCAMPlusPlus,
    HiResCAM,
    LayerCAM,
    ScoreCAM,
    XGradCAM,
)
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torch import nn

import xai_widgets as xw

PEERS = {
    "grad_cam": GradCAM,
    "grad_cam_plus_plus": GradCAMPlusPlus,
    "xgrad_cam": XGradCAM,
    "hires_cam": HiResCAM,
    "layer_cam": LayerCAM,
    "eigen_cam": EigenCAM,
    "score_cam": ScoreCAM,
    "ablation_cam": AblationCAM,
}
SLOW = ("score_cam", "ablation_cam")
MODELS = {"VGG-11": "vgg11", "ResNet-18": "resnet18"}


def build_model(name: str, seed: int = 0) -> nn.Module:
    """torchvision's ``name`` without downloaded weights, BatchNorms randomised, eval mode."""
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
    return model.eval()


def without_inplace(model: nn.Module) -> nn.Module:
    twin = copy.deepcopy(model)
    for module in twin.modules():
        if isinstance(module, nn.ReLU):
            module.inplace = False
    return twin


def last_conv(model: nn.Module) -> tuple[str, nn.Module]:
    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d)][-1]


def peer_call(variant: str, model: nn.Module, x: torch.Tensor, target: int) -> Callable[[], object]:
    layer = last_conv(model)[1]

    def run() -> object:
        # pytorch-grad-cam draws tqdm bars for the per-channel methods.
        with contextlib.redirect_stderr(io.StringIO()), PEERS[variant](model=model, target_layers=[layer]) as cam:
            return cam(input_tensor=x, targets=[ClassifierOutputTarget(target)])

    return run


def captum_call(model: nn.Module, x: torch.Tensor, target: int) -> Callable[[], object] | None:
    try:
        from captum.attr import LayerAttribution, LayerGradCam
    except ImportError:
        return None
    layer = last_conv(model)[1]

    def run() -> object:
        cam = LayerGradCam(model, layer).attribute(x, target=target, relu_attributions=True)
        return LayerAttribution.interpolate(cam, tuple(x.shape[2:]), interpolate_mode="bilinear")

    return run


def medians(runs: dict[str, Callable[[], object]], repeats: int, warm_up: bool) -> dict[str, float]:
    """Median wall time (ms) of each run, interleaved round by round so machine noise hits all alike."""
    if warm_up:
        for run in runs.values():
            run()
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeats):
        for label, run in runs.items():
            start = time.perf_counter()
            run()
            times[label].append((time.perf_counter() - start) * 1000)
    return {label: statistics.median(values) for label, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed rounds of the gradient CAMs and Eigen-CAM")
    parser.add_argument("--slow-repeats", type=int, default=2, help="timed rounds of Score-CAM and Ablation-CAM")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--variants", nargs="*", default=list(PEERS), choices=list(PEERS))
    parser.add_argument(
        "--memory-budget", type=int, default=None, help="our Explainer's memory_budget in bytes (default: its own)"
    )
    args = parser.parse_args()
    print(
        f"CPU: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads; "
        f"torch {torch.__version__}; batch 1, {args.size} px; ours with memory_budget={args.memory_budget}"
    )
    print()
    print("| model | variant | ours ms | pytorch-grad-cam ms | ours/peer | Captum ms | ours/Captum |")
    print("|---|---|---|---|---|---|---|")
    for label, name in MODELS.items():
        if label not in args.models:
            continue
        model = build_model(name)
        twin = without_inplace(model)
        x = torch.rand(1, 3, args.size, args.size, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            target = int(model(x).argmax())
        explainer = xw.Explainer(model, memory_budget=args.memory_budget)
        for variant in args.variants:
            runs = {
                "ours": functools.partial(explainer.attribute, x, variant, target=target),
                "peer": peer_call(variant, twin, x, target),
            }
            captum = captum_call(model, x, target) if variant == "grad_cam" else None
            if captum is not None:
                runs["captum"] = captum
            slow = variant in SLOW
            result = medians(runs, args.slow_repeats if slow else args.repeats, warm_up=not slow)
            ours, peer = result["ours"], result["peer"]
            captum_cells = (
                f"{result['captum']:.1f} | **{ours / result['captum']:.2f}**" if "captum" in result else "— | —"
            )
            row = f"| {label} | {variant} | {ours:.1f} | {peer:.1f} | **{ours / peer:.2f}** | {captum_cells} |"
            print(row, flush=True)


if __name__ == "__main__":
    main()
