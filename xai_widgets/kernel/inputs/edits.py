"""What-if edits of an input image: brush strokes and rectangles, replayed on the original."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from ..core.errors import InputError
from .baselines import gaussian_blur

TOOLS = ("paint", "erase", "rectangle")
# What erase and rectangle fill with: the image's blurred self, its mean colour, or 0. A blur or
# the mean removes what is there without adding a shape of its own, as a black box would.
FILLS = ("blur", "mean", "black")


def apply_edits(image: torch.Tensor, edits: Iterable[dict[str, Any]], baseline: float = 0.0) -> torch.Tensor:
    """Return a copy of ``image`` (C, H, W) with ``edits`` applied in order.

    ``{"tool": "paint", "points": [[r, c], ...], "radius": k, "color": [r, g, b]}`` sets the
    pixels within ``radius`` of the stroke to the colour (its first C entries, or their mean
    for one channel); ``"erase"`` strokes and ``{"tool": "rectangle", "rect": [r0, c0, r1, c1]}``
    (inclusive corners) fill with their ``"fill"``: ``"blur"`` (the original image under a
    Gaussian blur, as the "blur" baseline), ``"mean"`` (its mean colour per channel) or
    ``"black"`` (0); without a ``"fill"`` they fill with ``baseline``, as saved edits always did.
    Strokes are joined point to point.
    """
    if image.ndim != 3:
        raise InputError(f"edits apply to one image shaped (C, H, W), got {tuple(image.shape)}")
    edited = image.clone()
    channels, height, width = image.shape
    rows = torch.arange(height, device=image.device)[:, None]
    cols = torch.arange(width, device=image.device)[None, :]
    fills = _Fills(image, baseline)
    for edit in edits:
        tool = edit.get("tool")
        if tool not in TOOLS:
            raise InputError(f"unknown edit tool {tool!r}; use one of {TOOLS}")
        if tool == "rectangle":
            r0, c0, r1, c1 = (int(v) for v in edit["rect"])
            r0, r1 = sorted((max(0, r0), min(height - 1, r1)))
            c0, c1 = sorted((max(0, c0), min(width - 1, c1)))
            mask = torch.zeros((height, width), dtype=torch.bool, device=image.device)
            mask[r0 : r1 + 1, c0 : c1 + 1] = True
        else:
            mask = _stroke_mask(edit.get("points", []), float(edit.get("radius", 1)), rows, cols)
        if tool != "paint":
            edited[:, mask] = fills.get(edit.get("fill"))[:, mask]
        else:
            edited[:, mask] = _colour(edit.get("color", [1.0, 1.0, 1.0]), channels, image)[:, None]
    return edited


class _Fills:
    """The fill images of one image, (C, H, W) each, made the first time an edit asks for them."""

    def __init__(self, image: torch.Tensor, baseline: float) -> None:
        self.image = image
        self.baseline = baseline
        self.made: dict[str | None, torch.Tensor] = {}

    def get(self, fill: Any) -> torch.Tensor:
        if fill is not None and fill not in FILLS:
            raise InputError(f"unknown edit fill {fill!r}; use one of {FILLS}")
        if fill not in self.made:
            self.made[fill] = self._make(fill)
        return self.made[fill]

    def _make(self, fill: str | None) -> torch.Tensor:
        image = self.image
        if fill == "blur":
            return gaussian_blur(image[None].float())[0].to(image.dtype)
        if fill == "mean":
            return image.float().mean(dim=(1, 2), keepdim=True).to(image.dtype).expand_as(image)
        return torch.full_like(image, 0.0 if fill == "black" else self.baseline)


def _stroke_mask(points: list, radius: float, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """Pixels within ``radius`` of the polyline through ``points``."""
    mask = torch.zeros((rows.shape[0], cols.shape[1]), dtype=torch.bool, device=rows.device)
    if not points:
        return mask
    pts = torch.tensor([[float(r), float(c)] for r, c in points], device=rows.device)
    starts, ends = pts[:-1], pts[1:]
    if len(pts) == 1:
        starts, ends = pts, pts
    for (r0, c0), (r1, c1) in zip(starts.tolist(), ends.tolist(), strict=True):
        # Distance from each pixel to the segment: project onto it, clamp to its ends.
        dr, dc = r1 - r0, c1 - c0
        length_sq = dr * dr + dc * dc
        if length_sq == 0:
            along = torch.zeros_like(rows, dtype=torch.float32) + torch.zeros_like(cols, dtype=torch.float32)
        else:
            along = (((rows - r0) * dr + (cols - c0) * dc) / length_sq).clamp(0, 1)
        distance_sq = (rows - (r0 + along * dr)) ** 2 + (cols - (c0 + along * dc)) ** 2
        mask |= distance_sq <= radius * radius
    return mask


def _colour(colour: list, channels: int, like: torch.Tensor) -> torch.Tensor:
    values = torch.tensor([float(v) for v in colour], dtype=like.dtype, device=like.device)
    if channels == values.numel():
        return values
    if channels == 1:
        return values.mean().view(1)
    raise InputError(f"a paint colour of {values.numel()} values cannot paint a {channels}-channel image")
