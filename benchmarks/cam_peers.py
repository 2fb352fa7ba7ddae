"""Time our CAM family against pytorch-grad-cam (and Captum's LayerGradCam for Grad-CAM) on torchvision
VGG-11 and ResNet-18, the same layer (the last convolution), inputs and targets, interleaved round
by round, and print a markdown table of medians and ratios.

Needs the peers environment (torchvision and grad-cam beside torch); run from the repository root:

    PYTHONPATH=. .venv-peers/bin/python benchmarks/cam_peers.py --threads 1

The one-pass variants (the gradient CAMs and Eigen-CAM) run at 224 px, batch 1 and 8. Score-CAM
and Ablation-CAM run one masked or ablated copy per sample and channel (512 here, each a whole
forward for Score-CAM), so they run at ``--slow-size`` px (48 by default), batch 1 and 2, with
``--slow-repeats`` rounds and no warm-up. Each side does its whole public job per call:
pytorch-grad-cam builds its CAM object (hooks) and returns its map resized to the input (and
min-max scaled); Captum's LayerGradCam is followed by its bilinear ``LayerAttribution.interpolate``;
ours returns the map upsampled to the input. pytorch-grad-cam keeps the layer's output by
reference, so it runs on a copy of the model whose ReLUs are not in place (ours runs on the
original).
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


def peer_call(variant: str, model: nn.Module, x: torch.Tensor, targets: list[int]) -> Callable[[], object]:
    layer = last_conv(model)[1]

    def run() -> object:
        # pytorch-grad-cam draws tqdm bars for the per-channel methods.
        with contextlib.redirect_stderr(io.StringIO()), PEERS[variant](model=model, target_layers=[layer]) as cam:
            return cam(input_tensor=x, targets=[ClassifierOutputTarget(target) for target in targets])

    return run


def captum_call(model: nn.Module, x: torch.Tensor, targets: list[int]) -> Callable[[], object] | None:
    try:
        from captum.attr import LayerAttribution, LayerGradCam
    except ImportError:
        return None
    layer = last_conv(model)[1]

    def run() -> object:
        cam = LayerGradCam(model, layer).attribute(x, target=targets, relu_attributions=True)
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
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds of the one-pass variants at batch 1")
    parser.add_argument("--batch-repeats", type=int, default=2, help="timed rounds of the one-pass variants at batch 8")
    parser.add_argument("--slow-repeats", type=int, default=2, help="timed rounds of Score-CAM and Ablation-CAM")
    parser.add_argument("--size", type=int, default=224, help="input size of the one-pass variants (px)")
    parser.add_argument("--slow-size", type=int, default=48, help="input size of Score-CAM and Ablation-CAM (px)")
    parser.add_argument("--batches", type=int, nargs="*", default=[1, 8], help="batch sizes of the one-pass variants")
    parser.add_argument("--slow-batches", type=int, nargs="*", default=[1, 2], help="batch sizes of the slow ones")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--variants", nargs="*", default=list(PEERS), choices=list(PEERS))
    parser.add_argument(
        "--memory-budget", type=int, default=None, help="our Explainer's memory_budget in bytes (default: its own)"
    )
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    print(
        f"CPU: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads; "
        f"torch {torch.__version__}; ours with memory_budget={args.memory_budget}"
    )
    print()
    print("| model | variant | px | batch | ours ms | pytorch-grad-cam ms | ours/peer | Captum ms | ours/Captum |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, name in MODELS.items():
        if label not in args.models:
            continue
        model = build_model(name)
        twin = without_inplace(model)
        explainer = xw.Explainer(model, memory_budget=args.memory_budget)
        for variant in args.variants:
            slow = variant in SLOW
            for batch in args.slow_batches if slow else args.batches:
                size = args.slow_size if slow else args.size
                x = torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(batch))
                with torch.no_grad():
                    targets = model(x).argmax(1).tolist()
                runs = {
                    "ours": functools.partial(explainer.attribute, x, variant, target=targets),
                    "peer": peer_call(variant, twin, x, targets),
                }
                captum = captum_call(model, x, targets) if variant == "grad_cam" else None
                if captum is not None:
                    runs["captum"] = captum
                repeats = args.slow_repeats if slow else args.repeats if batch == 1 else args.batch_repeats
                result = medians(runs, repeats, warm_up=not slow)
                ours, peer = result["ours"], result["peer"]
                captum_cells = (
                    f"{result['captum']:.1f} | **{ours / result['captum']:.2f}**" if "captum" in result else "— | —"
                )
                cells = f"{label} | {variant} | {size} | {batch} | {ours:.1f} | {peer:.1f} | **{ours / peer:.2f}**"
                print(f"| {cells} | {captum_cells} |", flush=True)


if __name__ == "__main__":
    main()
