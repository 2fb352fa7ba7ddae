"""What is measured: each method with its Captum equivalents (defaults and best batching) and its floor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from captum.attr import (
    LRP,
    DeepLift,
    InputXGradient,
    IntegratedGradients,
    KernelShap,
    LayerAttribution,
    LayerGradCam,
    Lime,
    NoiseTunnel,
    Occlusion,
    Saliency,
)

from xai_widgets.kernel.core.layers import last_conv_layer

N_STEPS = 50
N_SAMPLES = 20
NOISE = 0.15
N_SURROGATE = 200

Run = Callable[[], object]


@dataclass
class Case:
    """One method on one model and batch: our call, Captum's default call, Captum's batching options."""

    method: str
    params: dict
    passes: int  # model passes per sample the method needs (the floor runs as many)
    backward: bool
    captum_default: Run
    captum_options: dict[str, Run] = field(default_factory=dict)
    # The floor's copies carry this much Gaussian noise (a fraction of the value range), as the
    # method's own copies do: a batch of identical images runs faster than noisy ones.
    floor_noise: float = 0.0


def build_cases(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor) -> list[Case]:
    n, spatial = x.shape[0], x.shape[-1]
    window, stride = spatial // 8, spatial // 16
    n_windows = ((spatial - window + stride - 1) // stride + 1) ** 2
    value_range = (x.max() - x.min()).item()
    _, layer = last_conv_layer(model)
    t = target.tolist()

    def integrated(batch):
        return lambda: IntegratedGradients(model).attribute(
            x, baselines=0.0, target=t, n_steps=N_STEPS, internal_batch_size=batch, return_convergence_delta=True
        )

    def noise_tunnel(batch):
        return lambda: NoiseTunnel(Saliency(model)).attribute(
            x,
            nt_type="smoothgrad",
            nt_samples=N_SAMPLES,
            nt_samples_batch_size=batch,
            stdevs=NOISE * value_range,
            target=t,
            abs=False,
        )

    def occlude(per_eval):
        return lambda: Occlusion(model).attribute(
            x,
            sliding_window_shapes=(x.shape[1], window, window),
            strides=(x.shape[1], stride, stride),
            baselines=0.0,
            target=t,
            perturbations_per_eval=per_eval,
        )

    def grad_cam():
        layer_map = LayerGradCam(model, layer).attribute(x, target=t, relu_attributions=True)
        return LayerAttribution.interpolate(layer_map, tuple(x.shape[2:]), interpolate_mode="bilinear")

    segment = spatial // 8
    grid = torch.arange(spatial, device=x.device) // segment
    feature_mask = (grid[:, None] * (spatial // segment) + grid[None, :])[None, None]

    def surrogate(kind, per_eval):
        # Captum's Lime/KernelShap explain one sample per call; the same grid segments as ours.
        def run():
            for i in range(n):
                kind(model).attribute(
                    x[i : i + 1],
                    target=t[i],
                    baselines=0.0,
                    feature_mask=feature_mask,
                    n_samples=N_SURROGATE,
                    perturbations_per_eval=per_eval,
                )

        return run

    def deeplift():
        return DeepLift(model).attribute(x, baselines=0.0, target=t, return_convergence_delta=True)

    def lrp():
        # Captum's default rules: EpsilonRule(1e-9) on every layer, as our epsilon composite.
        return LRP(model).attribute(x, target=t, return_convergence_delta=True)

    surrogate_params = {"n_samples": N_SURROGATE, "segments": "grid", "segment_size": segment, "baseline": 0.0}
    steps_total = n * N_STEPS
    return [
        Case("gradient", {}, 1, True, lambda: Saliency(model).attribute(x, target=t, abs=False)),
        Case("saliency", {}, 1, True, lambda: Saliency(model).attribute(x, target=t)),
        Case("grad_x_input", {}, 1, True, lambda: InputXGradient(model).attribute(x, target=t)),
        Case(
            "smoothgrad",
            {"n_samples": N_SAMPLES, "noise": NOISE},
            N_SAMPLES,
            True,
            noise_tunnel(None),
            {f"nt_samples_batch_size={b}": noise_tunnel(b) for b in (N_SAMPLES, 5)},
            floor_noise=NOISE,
        ),
        Case(
            "integrated_gradients",
            {"n_steps": N_STEPS},
            N_STEPS,
            True,
            integrated(None),
            {f"internal_batch_size={b}": integrated(b) for b in sorted({min(steps_total, 800), 64})},
        ),
        Case(
            "occlusion",
            {"window": window, "stride": stride, "baseline": 0.0},
            n_windows,
            False,
            occlude(1),
            {f"perturbations_per_eval={p}": occlude(p) for p in ((16, 64, 256) if spatial <= 64 else (16, 64))},
        ),
        Case("grad_cam", {}, 1, True, grad_cam),
        Case("deeplift", {"baseline": "zeros"}, 2, True, deeplift),
        Case("lrp", {"composite": "epsilon", "epsilon": 1e-9}, 1, True, lrp),
        Case(
            "lime",
            surrogate_params,
            N_SURROGATE,
            False,
            surrogate(Lime, 1),
            {f"perturbations_per_eval={p}": surrogate(Lime, p) for p in (50, N_SURROGATE)},
        ),
        Case(
            "kernel_shap",
            surrogate_params,
            N_SURROGATE,
            False,
            surrogate(KernelShap, 1),
            {f"perturbations_per_eval={p}": surrogate(KernelShap, p) for p in (50, N_SURROGATE)},
        ),
    ]
