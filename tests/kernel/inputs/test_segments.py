"""Segments for the surrogate methods: grid blocks constant within a segment, sequence segments,
superpixels that follow a colour edge, per-dim sizes and the errors bad sizes raise."""

import pytest
import torch

import xai_widgets as xw
from xai_widgets.kernel.inputs.segments import segment_labels

from ..models import ReluCNN, SequenceCNN


def test_image_grid_segments_shape_constant_and_deterministic():
    model = ReluCNN().eval()
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(3))
    explainer = xw.Explainer(model)
    for name in ("lime", "kernel_shap"):
        a = explainer.attribute(x, name, target=1, n_samples=64, segment_size=4, seed=7)
        assert a.values.shape == (2, 1, 16, 16)
        blocks = a.values.view(2, 4, 4, 4, 4)  # (N, block row, row, block col, col)
        assert torch.equal(blocks, blocks[:, :, :1, :, :1].expand_as(blocks)), "not constant within a segment"
        again = explainer.attribute(x, name, target=1, n_samples=64, segment_size=4, seed=7)
        assert torch.equal(a.values, again.values)
        other = explainer.attribute(x, name, target=1, n_samples=64, segment_size=4, seed=8)
        assert not torch.equal(a.values, other.values)


def test_sequence_segments_and_default_size():
    model = SequenceCNN().eval()
    x = torch.rand(2, 4, 32)
    a = xw.Explainer(model).attribute(x, "kernel_shap", target=0, n_samples=40)
    assert a.values.shape == (2, 1, 32)
    assert torch.equal(a.values.view(2, 8, 4), a.values.view(2, 8, 4)[..., :1].expand(2, 8, 4))  # default 32 // 8


def test_superpixels_follow_a_colour_edge():
    x = torch.zeros(1, 3, 16, 16)
    x[:, 0, :, :6] = 1.0  # a red band 6 pixels wide: not on the 4-pixel grid
    labels, counts = segment_labels(x, "superpixels", 4)
    assert labels.shape == (1, 16, 16) and counts[0] == int(labels.max()) + 1
    red, dark = labels[0, :, :6], labels[0, :, 6:]
    assert not set(red.unique().tolist()) & set(dark.unique().tolist()), "a superpixel straddles the edge"
    again, _ = segment_labels(x, "superpixels", 4)
    assert torch.equal(labels, again)
    explainer = xw.Explainer(ReluCNN().eval())
    a = explainer.attribute(x, "kernel_shap", target=0, n_samples=50, segments="superpixels", segment_size=4)
    assert a.values.shape == (1, 1, 16, 16)


def test_segment_size_per_dim_and_errors():
    explainer = xw.Explainer(ReluCNN().eval())
    x = torch.rand(1, 3, 16, 16)
    a = explainer.attribute(x, "lime", target=0, n_samples=30, segment_size=(16, 4))
    assert torch.equal(a.values, a.values[:, :, :1].expand_as(a.values))  # one segment per column band
    assert explainer.attribute(x, "lime", target=0, n_samples=30, segment_size=None).values.shape == (1, 1, 16, 16)
    with pytest.raises(xw.ExplainerError, match="segment_size"):
        explainer.attribute(x, "kernel_shap", target=0, segment_size=40)
    with pytest.raises(xw.ExplainerError, match="segments"):
        explainer.attribute(x, "kernel_shap", target=0, segments="nope")
