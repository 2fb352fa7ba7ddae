"""Eager against ``torch.compile``d forwards (``xai_widgets.kernel.core.compilation``) for repeated
attribution calls on the same shapes, as an explorer recomputing on clicks makes them.

For each model, batch and method: the compiled side's first call (the compile time: torch's
in-process caches are reset and inductor's on-disk graph caches are off, but its compiled C++
kernels from earlier runs on this machine are reused, so a first run on a machine pays more),
then both sides interleaved round by round on one thread; prints a markdown table of medians and
the ratio compiled/eager. Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/compile_ab.py --repeats 7

Only passes through the runner's forward are compiled: methods that hook layers (Grad-CAM here)
run eagerly by design, and incremental occlusion computes its patches layer by layer outside the
forward (only its full-input scores go through it). Until the Explainer takes the option, the
compiled side is an Explainer whose runner calls the compiled forward
(:func:`compiled_explainer`), which is what that option would wire in.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import types
from collections.abc import Callable
from typing import Any

# No on-disk graph caches from earlier runs: compile times close to what a first session pays.
os.environ.setdefault("TORCHINDUCTOR_FX_GRAPH_CACHE", "0")
os.environ.setdefault("TORCHINDUCTOR_AUTOGRAD_CACHE", "0")

import torch
import torch._dynamo
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.core.compilation import CompiledForward
from xai_widgets.kernel.core.runner import as_output_matrix
from xai_widgets.zoo import load_shapes_model, resnet_style

MODELS: dict[str, tuple[Callable[[], nn.Module], int]] = {
    "CNN 64px": (load_shapes_model, 64),
    "ResNet-style 224px": (resnet_style, 224),
}
# "predict" is Explainer.predict (forward passes only, what a prediction chart asks for on a click).
METHODS: dict[str, dict[str, Any]] = {
    "predict": {},
    "saliency": {},
    "grad_cam": {},
    "integrated_gradients": {"n_steps": 16},
    "smoothgrad": {"n_samples": 8, "seed": 0},
    "occlusion": {},  # window and stride per size, below
}
OCCLUSION = {64: {"window": 8, "stride": 8}, 224: {"window": 32, "stride": 32}}


def compiled_explainer(model: nn.Module, forward: Callable[[torch.Tensor], Any]) -> xw.Explainer:
    """An Explainer whose runner calls ``forward`` instead of the model (what ``compile=`` would wire)."""
    explainer = xw.Explainer(model)

    def runner_forward(_runner: Any, x: torch.Tensor) -> torch.Tensor:
        return as_output_matrix(forward(x), x.shape[0])

    explainer._runner.forward = types.MethodType(runner_forward, explainer._runner)  # type: ignore[method-assign]
    return explainer


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000.0, result


def call_of(explainer: xw.Explainer, x: torch.Tensor, method: str, params: dict) -> Callable[[], torch.Tensor]:
    """The timed call: ``predict``, or ``attribute`` with ``method``."""
    if method == "predict":
        return lambda: explainer.predict(x)
    return lambda: explainer.attribute(x, method, target=0, **params).values


def run_case(
    model: nn.Module, size: int, batch: int, method: str, backend: str, repeats: int
) -> tuple[float, float, float, float, int]:
    """(compile ms, eager median ms, compiled median ms, max |difference| / max |eager|, shapes compiled)."""
    params = dict(METHODS[method], **(OCCLUSION[size] if method == "occlusion" else {}))
    x = torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(0))
    torch._dynamo.reset()
    forward = CompiledForward(model, backend=backend, max_shapes=8)
    eager, compiled = (
        call_of(explainer, x, method, params) for explainer in (xw.Explainer(model), compiled_explainer(model, forward))
    )
    _, reference = timed(eager)
    compile_ms, result = timed(compiled)
    error = ((result - reference).abs().max() / reference.abs().max().clamp_min(1e-30)).item()
    eager_times, compiled_times = [], []
    for _ in range(repeats):  # interleaved, so that load on the machine hits both sides alike
        eager_times.append(timed(eager)[0])
        compiled_times.append(timed(compiled)[0])
    return compile_ms, statistics.median(eager_times), statistics.median(compiled_times), error, forward.compiled_shapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--backend", default="inductor")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    parser.add_argument("--batches", nargs="*", type=int, default=[1, 16])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    machine = platform.processor() or platform.machine()
    print(f"torch {torch.__version__}, backend {args.backend}, {args.threads} thread(s), {machine}")
    print(f"IG {METHODS['integrated_gradients']}, SmoothGrad {METHODS['smoothgrad']}, occlusion {OCCLUSION}\n")
    print(
        "| model | batch | method | compile (first call) ms | eager ms | compiled ms | compiled/eager "
        "| max rel. diff | shapes |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.models:
        make_model, size = MODELS[name]
        torch.manual_seed(0)
        model = make_model().eval()
        for batch in args.batches:
            for method in args.methods:
                compile_ms, eager_ms, compiled_ms, error, shapes = run_case(
                    model, size, batch, method, args.backend, args.repeats
                )
                print(
                    f"| {name} | {batch} | {method} | {compile_ms:.0f} | {eager_ms:.2f} | {compiled_ms:.2f} | "
                    f"{compiled_ms / eager_ms:.2f} | {error:.1e} | {shapes} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
