"""Patch geometry: where each occluding window's changes lie in every feature map, and how to read them.

A patch is a rectangle per window, the same size for every window (so that a chunk of copies is
one tensor), shifted inward at the borders rather than shrunk. Outside its rectangle a copy's
map equals the unoccluded ("base") map of its sample. Positions are in the map's own coordinates;
a rectangle may hold unchanged positions too, which carry their base values. A 1-D map (N, C, L)
is a 2-D one of height 1: its patches are (copies, C, 1, w), its rectangles one row high.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .graph import Window


@dataclass(frozen=True)
class Rect:
    """Each window's patch in a map of spatial size ``extent``: ``origin`` (n_windows, 2), one ``size``."""

    origin: torch.Tensor
    size: tuple[int, int]
    extent: tuple[int, int]

    def fraction(self) -> float:
        """The part of the map a patch covers."""
        return (self.size[0] * self.size[1]) / (self.extent[0] * self.extent[1])


def occluded_rect(starts: list[torch.Tensor], window: tuple[int, int], extent: tuple[int, int]) -> Rect:
    """The input patch of each window (``starts``: per dim, (n_windows,) first covered positions)."""
    origin = torch.stack(
        [start.clamp(max=size - w) for start, w, size in zip(starts, window, extent, strict=True)], dim=1
    )
    return Rect(origin, window, extent)


def window_rect(rect: Rect, window: Window, extent: tuple[int, int]) -> Rect:
    """The output patch of a sliding window op: every output whose window reads a changed input."""
    origins, sizes = [], []
    for dim in range(2):
        lo = rect.origin[:, dim]
        hi = lo + rect.size[dim] - 1
        lo, hi = _padded_changes(lo, hi, rect.extent[dim], extent[dim], window, dim)
        k, s, p, d = window.kernel[dim], window.stride[dim], window.padding[dim], window.dilation[dim]
        # Output o reads padded positions o*s - p + d*j, j in [0, k).
        first = torch.div(lo + p - d * (k - 1) + s - 1, s, rounding_mode="floor").clamp(min=0)
        last = torch.div(hi + p, s, rounding_mode="floor").clamp(max=extent[dim] - 1)
        size = min(extent[dim], max(1, int((last - first + 1).max())))
        origins.append(first.clamp(max=extent[dim] - size))
        sizes.append(size)
    return Rect(torch.stack(origins, dim=1), (sizes[0], sizes[1]), extent)


def _padded_changes(
    lo: torch.Tensor, hi: torch.Tensor, size: int, out_size: int, window: Window, dim: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The changed range in padded coordinates: reflect, replicate and circular pads copy changes."""
    before = window.padding[dim]
    after = (out_size - 1) * window.stride[dim] + window.dilation[dim] * (window.kernel[dim] - 1) + 1 - size - before
    mode = window.pad_mode
    if mode == "constant" or (before <= 0 and after <= 0):
        return lo, hi
    if mode == "reflect":
        # Pad position -i copies i (i in 1..before); size-1+i copies size-1-i.
        left = (lo <= before) & (hi >= 1)
        right = (hi >= size - 1 - after) & (lo <= size - 2)
    elif mode == "replicate":
        left, right = lo == 0, hi == size - 1
    else:  # circular: the left pad copies the map's end, the right pad its start
        left, right = hi >= size - before, lo <= after - 1
    lo = torch.where(left & (before > 0), torch.full_like(lo, -before), lo)
    hi = torch.where(right & (after > 0), torch.full_like(hi, size - 1 + max(after, 0)), hi)
    return lo, hi


def merge_rect(rects: list[Rect]) -> Rect:
    """The smallest common patch holding every input's patch (residual additions, concatenation)."""
    extent = rects[0].extent
    lo = torch.stack([r.origin for r in rects]).amin(dim=0)
    hi = torch.stack([r.origin + torch.tensor(r.size) for r in rects]).amax(dim=0)
    size = tuple(min(e, int(m)) for e, m in zip(extent, (hi - lo).amax(dim=0).tolist(), strict=True))
    origin = torch.minimum(lo, torch.tensor(extent) - torch.tensor(size))
    return Rect(origin, (size[0], size[1]), extent)


@dataclass(frozen=True)
class Reader:
    """Per window, how to read a region of a map: which base positions, which patch positions.

    ``rows``/``cols`` (n_windows, L): source positions in the map; ``patch_rows``/``patch_cols``:
    the same relative to the patch, clamped; ``in_rows``/``in_cols``: inside the patch;
    ``valid_rows``/``valid_cols``: inside the map (None when every position is, else the
    rest takes ``fill``).
    """

    rows: torch.Tensor
    cols: torch.Tensor
    patch_rows: torch.Tensor
    patch_cols: torch.Tensor
    in_rows: torch.Tensor
    in_cols: torch.Tensor
    valid_rows: torch.Tensor | None
    valid_cols: torch.Tensor | None
    fill: float

    def to(self, device: torch.device) -> Reader:
        def move(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(device)

        return Reader(
            self.rows.to(device),
            self.cols.to(device),
            self.patch_rows.to(device),
            self.patch_cols.to(device),
            self.in_rows.to(device),
            self.in_cols.to(device),
            move(self.valid_rows),
            move(self.valid_cols),
            self.fill,
        )


def window_reader(source: Rect, out: Rect, window: Window) -> Reader:
    """The padded input region each output patch of a sliding window op needs."""
    rows = []
    for dim in range(2):
        k, s, p, d = window.kernel[dim], window.stride[dim], window.padding[dim], window.dilation[dim]
        length = (out.size[dim] - 1) * s + d * (k - 1) + 1
        rows.append(out.origin[:, dim : dim + 1] * s - p + torch.arange(length))
    return _reader(source, rows[0], rows[1], window.pad_mode, window.fill)


def region_reader(source: Rect, out: Rect) -> Reader:
    """The region of ``out``'s patch read from a map whose patch is ``source`` (a merge's input)."""
    rows = [out.origin[:, dim : dim + 1] + torch.arange(out.size[dim]) for dim in range(2)]
    return _reader(source, rows[0], rows[1], "constant", 0.0)


def _reader(source: Rect, row_positions: torch.Tensor, col_positions: torch.Tensor, mode: str, fill: float) -> Reader:
    parts = []
    for dim, positions in enumerate((row_positions, col_positions)):
        size = source.extent[dim]
        valid = None
        if mode == "constant":
            inside = (positions >= 0) & (positions < size)
            valid = None if bool(inside.all()) else inside
            positions = positions.clamp(0, size - 1)
        elif mode == "reflect":
            positions = positions.abs()
            positions = torch.where(positions > size - 1, 2 * (size - 1) - positions, positions)
        elif mode == "replicate":
            positions = positions.clamp(0, size - 1)
        else:
            positions = torch.remainder(positions, size)
        relative = positions - source.origin[:, dim : dim + 1]
        in_patch = (relative >= 0) & (relative < source.size[dim])
        parts.append((positions, relative.clamp(0, source.size[dim] - 1), in_patch, valid))
    (rows, patch_rows, in_rows, valid_rows), (cols, patch_cols, in_cols, valid_cols) = parts
    if valid_rows is not None or valid_cols is not None:
        valid_rows = torch.ones_like(in_rows) if valid_rows is None else valid_rows
        valid_cols = torch.ones_like(in_cols) if valid_cols is None else valid_cols
    return Reader(rows, cols, patch_rows, patch_cols, in_rows, in_cols, valid_rows, valid_cols, fill)


class Store:
    """One map's values for a chunk as rows of channels: the base maps of the N samples, a row of
    zeros, a row of -inf, then the chunk's patches. Reading a region of every copy is then one
    ``index_select`` of whole rows (many times faster than a gather over four dims). A 1-D map's
    base (N, C, L) is held as height 1, and :func:`materialise` gives its whole maps back 1-D."""

    def __init__(self, base: torch.Tensor) -> None:
        self.one_d = base.ndim == 3
        if self.one_d:
            base = base.unsqueeze(2)
        n, channels, height, width = base.shape
        self.extent = (height, width)
        self.zero_row, self.minus_inf_row = n * height * width, n * height * width + 1
        self.patch_start = n * height * width + 2
        self._base = base.permute(0, 2, 3, 1).reshape(-1, channels)
        self.rows = torch.empty(0)

    def put(self, patch: torch.Tensor) -> None:
        """Hold a chunk's patches (copies, C, ph, pw)."""
        copies, channels, height, width = patch.shape
        needed = self.patch_start + copies * height * width
        if self.rows.shape[0] < needed:
            self.rows = torch.empty((needed, channels), dtype=patch.dtype, device=patch.device)
            self.rows[: self.zero_row] = self._base
            self.rows[self.zero_row] = 0.0
            self.rows[self.minus_inf_row] = float("-inf")
        self.rows[self.patch_start : needed].view(copies, height, width, channels).copy_(patch.permute(0, 2, 3, 1))

    def fill_row(self, fill: float) -> int:
        if fill == 0.0:
            return self.zero_row
        if fill == float("-inf"):
            return self.minus_inf_row
        raise ValueError(f"no fill row for {fill}")


def read(reader: Reader, windows: slice, n_samples: int, store: Store, source: Rect | None) -> torch.Tensor:
    """The region (copies, C, Lh, Lw) of each copy's map for the windows in ``windows``.

    ``source`` is the map's patch (None: the map is the base); copies are ordered window-major,
    copy ``w * n_samples + i`` being window ``w`` over sample ``i``.
    """
    rows, cols = reader.rows[windows], reader.cols[windows]
    device = rows.device
    n_windows = rows.shape[0]
    height, width = store.extent
    base_local = rows[:, :, None] * width + cols[:, None, :]
    sample_offset = (torch.arange(n_samples, device=device) * (height * width))[None, :, None, None]
    index = base_local[:, None] + sample_offset
    if source is not None:
        patch_size = source.size[0] * source.size[1]
        inside = reader.in_rows[windows][:, :, None] & reader.in_cols[windows][:, None, :]
        patch_local = reader.patch_rows[windows][:, :, None] * source.size[1] + reader.patch_cols[windows][:, None, :]
        copies = torch.arange(n_windows * n_samples, device=device).view(n_windows, n_samples)
        patch_index = patch_local[:, None] + (store.patch_start + copies * patch_size)[:, :, None, None]
        index = torch.where(inside[:, None], patch_index, index)
    if reader.valid_rows is not None and reader.valid_cols is not None:
        valid = reader.valid_rows[windows][:, :, None] & reader.valid_cols[windows][:, None, :]
        index = torch.where(valid[:, None], index, store.fill_row(reader.fill))
    length_h, length_w = rows.shape[1], cols.shape[1]
    values = store.rows.index_select(0, index.reshape(-1))
    return values.view(n_windows * n_samples, length_h, length_w, -1).permute(0, 3, 1, 2)


def materialise(
    store: Store, origin: torch.Tensor, size: tuple[int, int], windows: slice, n_samples: int
) -> torch.Tensor:
    """Whole maps (copies, C, H, W), or (copies, C, L) for a 1-D map, for the rest of the network:
    each copy's base with its patch (``origin``: (n_windows, 2) on the device, ``size``) written
    in. Copying whole base maps and then the patch rows beats gathering every position one row at
    a time (3-5 times here)."""
    height, width = store.extent
    n_windows = windows.stop - windows.start
    copies = n_windows * n_samples
    device = origin.device
    channels = store.rows.shape[1]
    bases = store.rows[: store.zero_row].view(-1, height * width * channels)
    samples = torch.arange(n_samples, device=device).repeat(n_windows)
    whole = bases.index_select(0, samples).view(copies * height * width, channels)
    corner = origin[windows]
    rows = corner[:, 0:1] + torch.arange(size[0], device=device)
    cols = corner[:, 1:2] + torch.arange(size[1], device=device)
    first = (torch.arange(copies, device=device) * (height * width)).view(n_windows, n_samples, 1, 1)
    target = first + (rows[:, :, None] * width + cols[:, None, :])[:, None]
    patch_rows = store.rows[store.patch_start : store.patch_start + copies * size[0] * size[1]]
    whole.index_copy_(0, target.reshape(-1), patch_rows)
    if store.one_d:
        return whole.view(copies, width, channels).permute(0, 2, 1)
    return whole.view(copies, height, width, channels).permute(0, 3, 1, 2)


class OutsidePool:
    """A global max or mean pool of a 1-D map (N, C, L) for copies that differ from the base only
    inside their patch: the pool of the base before the patch and after it (prefix and suffix
    tables, built once) combined with the pool of the patch, instead of whole maps per copy."""

    def __init__(self, base: torch.Tensor, reduce: str) -> None:
        n, channels, length = base.shape
        self.reduce, self.length = reduce, length
        if reduce == "max":
            edge = torch.full((n, channels, 1), float("-inf"), dtype=base.dtype, device=base.device)
            running = base.cummax(-1).values
            running_back = base.flip(-1).cummax(-1).values.flip(-1)
        else:
            edge = torch.zeros((n, channels, 1), dtype=base.dtype, device=base.device)
            running, running_back = base.cumsum(-1), base.flip(-1).cumsum(-1).flip(-1)
        # before[..., i]: the pool of positions < i; after[..., i]: of positions >= i (as rows (N, L + 1, C)).
        self.before = torch.cat([edge, running], -1).transpose(1, 2)
        self.after = torch.cat([running_back, edge], -1).transpose(1, 2)

    def pool(self, patch: torch.Tensor, origin: torch.Tensor, windows: slice, n_samples: int) -> torch.Tensor:
        """The pooled (copies, C, 1) of each copy, from its patch (copies, C, 1, w) at ``origin``
        ((n_windows, 2) on the device); copies window-major, as :func:`read` orders them."""
        width = patch.shape[-1]
        start = origin[windows, 1].repeat_interleave(n_samples)
        samples = torch.arange(n_samples, device=patch.device).repeat(origin[windows].shape[0])
        before, after = self.before[samples, start], self.after[samples, start + width]
        if self.reduce == "max":
            pooled = torch.maximum(torch.maximum(before, after), patch.amax((2, 3)))
        else:
            pooled = (before + after + patch.sum((2, 3))) / self.length
        return pooled[:, :, None]
