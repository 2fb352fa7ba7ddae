"""Score-CAM: each channel, upsampled and min-max scaled, masks the input; the masked scores weight it."""

from __future__ import annotations

from typing import Any

import torch

from ...core.registry import method
from ...core.runner import ModelRunner
from .base import (
    CAM_PARAMS,
    LayerActivations,
    activation_cam,
    per_channel_scores,
    signed_unless_relu,
    upsample,
    weighted_sum,
)

# pytorch-grad-cam's guard on a channel's range (a constant channel masks everything out).
_EPS = 1e-8


@method("score_cam", family="cam", params=list(CAM_PARAMS), signed=signed_unless_relu, inputs="spatial")
def score_cam(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, layer: Any, relu: bool
) -> tuple[torch.Tensor, None]:
    """Score-CAM (Wang et al., 2020): weights softmax over channels of f(x * M_k), map sum_k w_k A_k.

    M_k is channel k's activation upsampled to the input's size and scaled to [0, 1] by its
    min and max (range + 1e-8); f is the target output (the logit, as pytorch-grad-cam's
    ClassifierOutputTarget), and the softmax runs over the channels, as in pytorch-grad-cam.
    Subtracting f of a baseline, as the paper writes it, leaves that softmax unchanged. (The
    authors' code weights each channel by the masked copy's softmax probability of the class
    instead; pytorch-grad-cam, which they merged into, is the reference followed here.) One
    masked copy per sample and channel; the copies go through the model in memory-budgeted
    batches.

    One deliberate difference from pytorch-grad-cam 1.5.7: the masks are upsampled with
    align_corners=False, as the map itself (here, in Captum and in pytorch-grad-cam's own final
    resize) and in the Score-CAM authors' code, so M_k is exactly where channel k shows in the
    map; pytorch-grad-cam upsamples the masks with ``UpsamplingBilinear2d`` (align_corners=True),
    half a layer pixel off at the borders. With its masks upsampled as ours, the two agree.
    The layer's map is upsampled to the input's size (bilinear, align_corners=False) as
    (N, 1, *spatial).
    """
    return activation_cam(
        runner, x, target, layer, relu, "score_cam", _score_cam_map, need_scores=False, runs_copies=True
    ), None


def _score_cam_map(layer: LayerActivations) -> torch.Tensor:
    size = tuple(layer.x.shape[2:])

    def masked_scores(samples: torch.Tensor, channels: torch.Tensor) -> torch.Tensor:
        masks = upsample(layer.activation[samples, channels][:, None], size)
        flat = masks.flatten(1)
        low = flat.amin(dim=1).view(-1, *([1] * (masks.ndim - 1)))
        high = flat.amax(dim=1).view(-1, *([1] * (masks.ndim - 1)))
        masks = (masks - low) / (high - low + _EPS)
        return layer.runner.scores(layer.x[samples] * masks, layer.target[samples])

    scores = per_channel_scores(layer, masked_scores)
    return weighted_sum(torch.softmax(scores, dim=1), layer.activation)
