"""Feature groups for surrogate methods: a grid or superpixels over the spatial dims, one per tabular feature."""

from __future__ import annotations

import math

import torch

from ..core.errors import ParameterError

SEGMENT_KINDS = ("grid", "superpixels")
# The automatic segment covers about an eighth of each spatial side.
_AUTO_SEGMENT_FRACTION = 8
_SLIC_ITERATIONS = 5
# Weight of position against colour in the superpixel distance (SLIC's compactness): a pixel
# one segment away weighs as much as a quarter of the full colour range, so colour edges win
# over the grid the clusters start from, yet segments stay compact.
_SLIC_COMPACTNESS = 0.25


def segment_labels(x: torch.Tensor, kind: str, segment_size: int | tuple | None) -> tuple[torch.Tensor, list[int]]:
    """Label every feature of each sample with its segment.

    Returns ``labels`` shaped (N, F) for tabular input and (N, *spatial) otherwise (segments
    cover all channels), with ids ``0 .. count - 1`` per sample, and the count per sample.
    Tabular input always gets one segment per feature.
    """
    n = x.shape[0]
    if x.ndim == 2:
        labels = torch.arange(x.shape[1], device=x.device).expand(n, -1)
        return labels, [x.shape[1]] * n
    spatial = tuple(x.shape[2:])
    if segment_size is None:
        sizes = tuple(max(1, side // _AUTO_SEGMENT_FRACTION) for side in spatial)
    else:
        sizes = tuple(segment_size) if isinstance(segment_size, tuple) else (segment_size,) * len(spatial)
    if len(sizes) != len(spatial):
        raise ParameterError(
            f"segment_size {segment_size} has {len(sizes)} dims but the input has {len(spatial)} spatial dims {spatial}"
        )
    if any(s > side for s, side in zip(sizes, spatial, strict=True)):
        raise ParameterError(
            f"segment_size {segment_size} is larger than the input's spatial size {spatial}; pass a smaller one"
        )
    grid = grid_labels(spatial, sizes, x.device)
    if kind == "grid":
        counts = int(grid.max()) + 1
        return grid.expand(n, *spatial), [counts] * n
    if kind == "superpixels":
        per_sample = [superpixel_labels(sample, grid, sizes) for sample in x]
        return torch.stack(per_sample), [int(labels.max()) + 1 for labels in per_sample]
    raise ParameterError(f"segments must be one of {list(SEGMENT_KINDS)}, got {kind!r}")


def grid_labels(spatial: tuple, sizes: tuple, device: torch.device) -> torch.Tensor:
    """Blocks of ``sizes`` over ``spatial`` (the last ones cut at the border), numbered in C order."""
    labels = torch.zeros(spatial, dtype=torch.long, device=device)
    for dim, (side, size) in enumerate(zip(spatial, sizes, strict=True)):
        shape = [1] * len(spatial)
        shape[dim] = side
        block = (torch.arange(side, device=device) // size).view(shape)
        labels = labels * math.ceil(side / size) + block
    return labels


def superpixel_labels(sample: torch.Tensor, grid: torch.Tensor, sizes: tuple) -> torch.Tensor:
    """SLIC-like superpixels of one (C, *spatial) sample: k-means on colour and position, seeded by ``grid``.

    Deterministic: the clusters start at the grid blocks' means and run a fixed number of
    iterations. Empty clusters are dropped and the ids renumbered.
    """
    spatial = sample.shape[1:]
    colour = sample.reshape(sample.shape[0], -1).T.float()  # (P, C)
    span = (colour.max(0).values - colour.min(0).values).clamp_min(1e-12)
    colour = colour / span.max()
    axes = torch.meshgrid(
        *[torch.arange(side, device=sample.device, dtype=torch.float32) for side in spatial], indexing="ij"
    )
    position = (
        torch.stack([axis.reshape(-1) / size for axis, size in zip(axes, sizes, strict=True)], dim=1)
        * _SLIC_COMPACTNESS
    )
    features = torch.cat([colour, position], dim=1)  # (P, C + D)
    assign = grid.reshape(-1)
    n_clusters = int(assign.max()) + 1
    for _ in range(_SLIC_ITERATIONS):
        sums = torch.zeros(n_clusters, features.shape[1], device=sample.device).index_add_(0, assign, features)
        counts = torch.bincount(assign, minlength=n_clusters).clamp_min(1)
        empty = torch.bincount(assign, minlength=n_clusters) == 0
        distances = torch.cdist(features, sums / counts[:, None].float())
        # An emptied cluster attracts no pixel again.
        assign = distances.masked_fill(empty[None], float("inf")).argmin(1)
    _, renumbered = torch.unique(assign, return_inverse=True)
    return renumbered.view(spatial)


def spread(segment_values: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Give every feature of one sample its segment's value: (M,) and labels (*dims) -> (*dims)."""
    return segment_values[labels]
