"""Traits that only change how a map looks; every view with heatmaps shares them, and JS applies them."""

from __future__ import annotations

import traitlets as t

SIGNS = ("all", "positive", "negative", "absolute")
REDUCTIONS = ("sum", "abs_sum", "max_abs")
#: Captum's ``visualize_image_attr`` layouts: the heat map over the image; over the image in grey
#: (at ``opacity``); the image multiplied by the normalised map; the image with the normalised map
#: as its alpha. The last two show magnitudes, so they show sign "all" as "absolute".
DISPLAY_MODES = ("heat_map", "blended_heat_map", "masked_image", "alpha_scaling")


class DisplayTraits(t.HasTraits):
    """Display mode, colormap, sign filter, percentile clipping, overlay opacity and channel reduction."""

    display_mode = t.Enum(DISPLAY_MODES, "heat_map").tag(sync=True)
    sign = t.Enum(SIGNS, "all").tag(sync=True)
    clip_percentile = t.Float(99.5, min=50.0, max=100.0).tag(sync=True)
    opacity = t.Float(0.7, min=0.0, max=1.0).tag(sync=True)
    reduction = t.Enum(REDUCTIONS, "sum").tag(sync=True)
    display_size = t.Int(0).tag(sync=True)
