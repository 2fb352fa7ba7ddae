"""HeatmapView in Python: its Array traits come from an Attribution (the wire itself: base/test_wire.py)."""

import numpy as np
import torch

import xai_widgets as xw
from xai_widgets.widgets.base.wire import from_wire


def test_from_attribution_sets_image_map_and_colormap():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3, padding=1), torch.nn.Flatten(), torch.nn.Linear(2 * 36, 3))
    x = torch.rand(2, 3, 6, 6)
    result = xw.Explainer(model).attribute(x, "saliency")
    view = xw.HeatmapView.from_attribution(x[1], result, index=1)
    assert view.image["shape"] == [3, 6, 6] and view.attribution["shape"] == [3, 6, 6]
    np.testing.assert_allclose(
        from_wire(view.attribution),
        result.values[1].numpy(),
        rtol=1e-3,
        atol=1e-4,
    )
    assert view.colormap == "inferno"  # saliency is unsigned: a sequential map
    signed = xw.HeatmapView.from_attribution(x[0], xw.Explainer(model).attribute(x, "gradient"))
    assert signed.colormap == "RdBu_r"


def test_mask_goes_as_uint8():
    view = xw.HeatmapView()
    view.set_mask(torch.eye(4, dtype=torch.bool))
    assert view.mask["shape"] == [4, 4] and len(view.mask["data"]) == 16
