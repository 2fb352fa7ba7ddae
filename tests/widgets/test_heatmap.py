"""HeatmapView in Python: traits carry bytes with dtype and shape, and come from an Attribution."""

import numpy as np
import torch

import xai_widgets as xw
from xai_widgets.widgets.encoding import from_wire, to_wire


def test_wire_round_trip_keeps_values_dtype_and_shape():
    values = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 4)
    data, dtype, shape = to_wire(values, "float32")
    assert isinstance(data, bytes) and dtype == "float32" and shape == [2, 3, 4]
    np.testing.assert_array_equal(from_wire(data, dtype, shape), values)


def test_float16_wire_halves_the_bytes_and_clips_instead_of_overflowing():
    values = torch.tensor([[1e6, -1e6, float("nan"), 0.5]])
    data, dtype, shape = to_wire(values)
    assert len(data) == 8 and dtype == "float16"
    decoded = from_wire(data, dtype, shape)
    assert np.isfinite(decoded).all()
    assert decoded[0, 0] == np.finfo(np.float16).max and decoded[0, 3] == 0.5


def test_from_attribution_sets_image_map_and_colormap():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3, padding=1), torch.nn.Flatten(), torch.nn.Linear(2 * 36, 3))
    x = torch.rand(2, 3, 6, 6)
    result = xw.Explainer(model).attribute(x, "saliency")
    view = xw.HeatmapView.from_attribution(x[1], result, index=1)
    assert view.image_shape == [3, 6, 6] and view.attribution_shape == [3, 6, 6]
    np.testing.assert_allclose(
        from_wire(view.attribution, view.attribution_dtype, view.attribution_shape),
        result.values[1].numpy(), rtol=1e-3, atol=1e-4,
    )
    assert view.colormap == "inferno"  # saliency is unsigned: a sequential map
    signed = xw.HeatmapView.from_attribution(x[0], xw.Explainer(model).attribute(x, "gradient"))
    assert signed.colormap == "RdBu_r"


def test_mask_goes_as_uint8():
    view = xw.HeatmapView()
    view.set_mask(torch.eye(4, dtype=torch.bool))
    assert view.mask_shape == [4, 4] and len(view.mask) == 16
