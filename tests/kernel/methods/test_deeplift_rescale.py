"""DeepLIFT's rescale pieces: the max pooling rule through the pooling's own backward kernel equals
the scatter it replaces (1d, 2d, 3d), positions where input and baseline agree take the local
gradient, and a ReLU's output may be changed in place afterwards."""

import pytest
import torch
from captum.attr import DeepLift
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.methods.propagation import deeplift_max_pool

from .test_deeplift import PoolCNN, captum_deeplift


class PoolNet(nn.Module):
    """Conv, ReLU, overlapping max pooling and a linear head, in 1, 2 or 3 spatial dims."""

    def __init__(self, dims: int) -> None:
        super().__init__()
        torch.manual_seed(dims)
        conv = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[dims]
        pool = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}[dims]
        self.features = nn.Sequential(conv(2, 4, 3, padding=1), nn.ReLU(inplace=True), pool(3, stride=2, padding=1))
        self.head = nn.Sequential(nn.Flatten(), nn.LazyLinear(3))

    def forward(self, x):
        return self.head(self.features(x))


class ScaledAfterReLU(nn.Module):
    """A ReLU's output doubled, in place (only possible with the rule: plain autograd refuses it,
    the ReLU's own backward needs its output) or not."""

    def __init__(self, in_place: bool) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.in_place = in_place
        self.fc1, self.relu, self.fc2 = nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)

    def forward(self, x):
        h = self.relu(self.fc1(x))
        h = h.mul_(2.0) if self.in_place else h * 2.0
        return self.fc2(h)


def _attribute(model, x, baseline=0.0):
    return xw.Explainer(model).attribute(x, "deeplift", target=1, baseline=baseline)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_the_pooling_kernel_gives_the_scatter_numbers(dims, monkeypatch):
    model = PoolNet(dims).eval()
    x = torch.rand((3, 2) + (8,) * dims, generator=torch.Generator().manual_seed(1))
    model(x)  # size the lazy layer
    kernel = _attribute(model, x)
    monkeypatch.setattr(deeplift_max_pool, "_POOLING_BACKWARDS", {})
    scatter = _attribute(model, x)
    torch.testing.assert_close(kernel.values, scatter.values, rtol=1e-6, atol=1e-7)
    # Completeness: the multipliers carry the whole output change.
    assert kernel.delta.abs().max() < 1e-4


def test_where_input_and_baseline_agree_the_local_gradient_is_used():
    """Half the image equals the baseline: Δin = 0 there, in the input and after the first layers."""
    model = PoolCNN().eval()
    baseline = torch.full((1, 3, 16, 16), 0.3)
    x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    x[..., :8] = 0.3
    ours = _attribute(model, x, baseline)
    reference, reference_delta = captum_deeplift(model, x, baseline, 1)
    torch.testing.assert_close(ours.values, reference.float(), rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(ours.delta, reference_delta.float(), rtol=1e-3, atol=1e-4)


def test_a_relu_output_changed_in_place_keeps_its_rule():
    x = torch.randn(4, 6, generator=torch.Generator().manual_seed(3))
    ours = _attribute(ScaledAfterReLU(in_place=True).eval(), x)
    reference = DeepLift(ScaledAfterReLU(in_place=False).eval()).attribute(x, baselines=0.0, target=1)
    torch.testing.assert_close(ours.values, reference.float(), rtol=1e-4, atol=1e-6)
    assert ours.delta.abs().max() < 1e-5
