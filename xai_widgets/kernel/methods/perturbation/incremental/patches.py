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


class _FillRows:
    """Row tables that end in a row of zeros and a row of -inf, the fills padding reads."""

    zero_row: int
    minus_inf_row: int

    def fill_row(self, fill: float) -> int:
        if fill == 0.0:
            return self.zero_row
        if fill == float("-inf"):
            return self.minus_inf_row
        raise ValueError(f"no fill row for {fill}")


class Store(_FillRows):
    """One map's values for a chunk as rows of channels: the base maps of the N samples, a row of
    zeros, a row of -inf, then the chunk's patches. Reading a region of every copy is then one
    ``index_select`` of whole rows (many times faster than a gather over four dims). A 1-D map's
    base (N, C, L) is held as height 1, and :func:`materialise` gives its whole maps back 1-D.
    Both the rows and the whole maps are buffers kept from chunk to chunk: a fresh tensor of a few
    MB page-faults in on every chunk (copying the ResNet-style net's whole 16x16 maps for 96
    copies took 0.65 ms into a fresh tensor during a call, 0.02 ms into a reused one)."""

    def __init__(self, base: torch.Tensor) -> None:
        self.one_d = base.ndim == 3
        if self.one_d:
            base = base.unsqueeze(2)
        n, channels, height, width = base.shape
        self.n_samples = n
        self.extent = (height, width)
        self.zero_row, self.minus_inf_row = n * height * width, n * height * width + 1
        self.patch_start = n * height * width + 2
        self._base = base.permute(0, 2, 3, 1).reshape(-1, channels).contiguous()
        self.rows = torch.empty(0)
        self._whole = torch.empty(0)

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

    def whole_rows(self, copies: int) -> torch.Tensor:
        """A (copies * H * W, C) buffer holding each copy's base map (copies window-major, as
        :func:`read` orders them)."""
        channels = self._base.shape[1]
        size = copies * self.extent[0] * self.extent[1]
        if self._whole.shape[0] < size:
            self._whole = torch.empty((size, channels), dtype=self._base.dtype, device=self._base.device)
        whole = self._whole[:size]
        per_batch = self._base.numel()  # copies are window-major: each window repeats the batch
        whole.view(-1, per_batch).copy_(self._base.view(1, per_batch).expand(copies // self.n_samples, per_batch))
        return whole


class InputTable(_FillRows):
    """The occluded copies' input without writing it out: rows (positions, C) of the input's N
    maps, then of each baseline's N maps, then a row of zeros and one of -inf. A region of a copy
    reads its window's baseline rows where the window covers, the input's elsewhere (see
    :func:`bind_input`), so a first layer reads its input region in one gather."""

    def __init__(self, x: torch.Tensor, baselines: torch.Tensor) -> None:
        """``x`` (N, C, H, W), ``baselines`` (B, N, C, H, W)."""
        n, channels, height, width = x.shape
        rows = torch.cat([x[None], baselines]).permute(0, 1, 3, 4, 2).reshape(-1, channels)
        fills = torch.tensor([[0.0], [float("-inf")]], dtype=x.dtype, device=x.device).expand(2, channels)
        self.rows = torch.cat([rows, fills])
        self.extent = (height, width)
        self.map_rows = n * height * width  # rows from the input's maps to the first baseline's
        self.zero_row, self.minus_inf_row = self.rows.shape[0] - 2, self.rows.shape[0] - 1


@dataclass(frozen=True)
class BoundReader:
    """A :class:`Reader` bound to a store: per window (n_windows, 1, Lh, Lw), the store row of each
    position for sample 0 of the chunk's first copy (``select``), and which positions move with
    the sample (base rows: ``per_sample``) or with the copy (patch rows: ``per_copy``); fill
    positions move with neither. A chunk's rows are then ``select + per_sample * sample offset +
    per_copy * copy offset``: two multiply-adds instead of rebuilding the geometry per chunk.
    Row numbers are int32 where the store allows (half the index traffic). It depends on the
    geometry and the batch size only, so a repeated call reuses it."""

    select: torch.Tensor
    per_sample: torch.Tensor | None  # None: every position moves with the sample
    per_copy: torch.Tensor | None
    sample_step: int  # rows between one sample's base map and the next
    copy_step: int  # rows between one copy's patch and the next


def bind(reader: Reader, store: Store, source: Rect | None, max_copies: int) -> BoundReader:
    """``reader`` over ``store``, whose map's patch is ``source`` (None: the map is the base);
    ``max_copies``: the most copies a chunk may hold (what the row numbers must reach)."""
    height, width = store.extent
    most_rows = store.patch_start + max_copies * (1 if source is None else source.size[0] * source.size[1])
    dtype = torch.int32 if most_rows < 2**31 else torch.int64
    select = _outer_sum(reader.rows * width, reader.cols, dtype)
    per_sample: torch.Tensor | None = None
    per_copy = None
    copy_step = 0
    if source is not None:
        inside = reader.in_rows[:, :, None] & reader.in_cols[:, None, :]
        patch_local = _outer_sum(reader.patch_rows * source.size[1] + store.patch_start, reader.patch_cols, dtype)
        select = torch.where(inside, patch_local, select)
        per_copy, copy_step = inside, source.size[0] * source.size[1]
        per_sample = ~inside
    if reader.valid_rows is not None and reader.valid_cols is not None:
        valid = reader.valid_rows[:, :, None] & reader.valid_cols[:, None, :]
        select = torch.where(valid, select, store.fill_row(reader.fill))
        per_sample = valid if per_sample is None else per_sample & valid
        per_copy = None if per_copy is None else per_copy & valid
    # (n_windows, 1, Lh, Lw): a chunk's copies of a window broadcast along the second dim.
    return BoundReader(
        select[:, None],
        None if per_sample is None else per_sample.to(dtype)[:, None],
        None if per_copy is None else per_copy.to(dtype)[:, None],
        height * width,
        copy_step,
    )


def _outer_sum(rows: torch.Tensor, cols: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(n_windows, Lh, Lw): ``rows`` (n_windows, Lh) plus ``cols`` (n_windows, Lw), in ``dtype``."""
    return rows.to(dtype)[:, :, None] + cols.to(dtype)[:, None, :]


def bind_input(
    reader: Reader,
    table: InputTable,
    starts: list[torch.Tensor],
    window: tuple[int, int],
    baseline_of_window: torch.Tensor,
) -> BoundReader:
    """``reader`` over the occluded input (``starts``: per dim, each window's first covered
    position; ``baseline_of_window``: which baseline fills it): covered positions read the
    window's baseline, the others the input; a chunk only adds each sample's offset."""
    height, width = table.extent
    dtype = torch.int32 if table.rows.shape[0] < 2**31 else torch.int64
    covered = [
        (positions >= first[:, None]) & (positions < first[:, None] + size)
        for positions, first, size in zip((reader.rows, reader.cols), starts, window, strict=True)
    ]
    shift = ((baseline_of_window + 1) * table.map_rows).to(dtype)[:, None, None]
    select = _outer_sum(reader.rows * width, reader.cols, dtype)
    select += (covered[0][:, :, None] & covered[1][:, None, :]) * shift
    per_sample = None
    if reader.valid_rows is not None and reader.valid_cols is not None:
        valid = reader.valid_rows[:, :, None] & reader.valid_cols[:, None, :]
        select = torch.where(valid, select, table.fill_row(reader.fill))
        per_sample = valid.to(dtype)[:, None]
    return BoundReader(select[:, None], per_sample, None, height * width, 0)


def read(
    reader: BoundReader,
    windows: slice,
    n_samples: int,
    store: Store | InputTable,
    buffers: dict[int, torch.Tensor],
) -> torch.Tensor:
    """The region (copies, C, Lh, Lw) of each copy's map for the windows in ``windows``; copies
    are ordered window-major, copy ``w * n_samples + i`` being window ``w`` over sample ``i``.
    The region lives in ``buffers`` (one per reader, kept from chunk to chunk: a fresh tensor
    page-faults on every chunk), so the next chunk's read overwrites it."""
    select = reader.select[windows]
    n_windows, _, length_h, length_w = select.shape
    device, dtype = select.device, select.dtype
    samples = torch.arange(0, n_samples * reader.sample_step, reader.sample_step, device=device, dtype=dtype)
    samples = samples.view(1, n_samples, 1, 1)
    if reader.per_sample is None:
        index = select + samples
    else:
        index = torch.addcmul(select, reader.per_sample[windows], samples)
    if reader.per_copy is not None:
        copies = torch.arange(0, n_windows * n_samples * reader.copy_step, reader.copy_step, device=device, dtype=dtype)
        index.addcmul_(reader.per_copy[windows], copies.view(n_windows, n_samples, 1, 1))
    size = (index.numel(), store.rows.shape[1])
    buffer = buffers.get(id(reader))
    if buffer is None or buffer.shape != size:
        buffer = buffers[id(reader)] = torch.empty(size, dtype=store.rows.dtype, device=store.rows.device)
    values = torch.index_select(store.rows, 0, index.view(-1), out=buffer)
    return values.view(n_windows * n_samples, length_h, length_w, -1).permute(0, 3, 1, 2)


def patch_targets(store: Store, origin: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Per window (n_windows, ph, pw), the rows of its patch in a copy's whole map
    (``origin``: (n_windows, 2) on the device), for :func:`materialise`."""
    width = store.extent[1]
    rows = origin[:, 0:1] + torch.arange(size[0], device=origin.device)
    cols = origin[:, 1:2] + torch.arange(size[1], device=origin.device)
    return rows[:, :, None] * width + cols[:, None, :]


def materialise(store: Store, targets: torch.Tensor, windows: slice, n_samples: int) -> torch.Tensor:
    """Whole maps (copies, C, H, W), or (copies, C, L) for a 1-D map, for the rest of the network:
    each copy's base with its patch written in (``targets``: see :func:`patch_targets`). Copying
    whole base maps and then the patch rows beats gathering every position one row at a time
    (3-5 times here). The maps are a view of the store's buffer, rewritten by the next chunk."""
    height, width = store.extent
    target = targets[windows]
    n_windows, patch_h, patch_w = target.shape
    copies = n_windows * n_samples
    device = target.device
    channels = store.rows.shape[1]
    whole = store.whole_rows(copies)
    first = (torch.arange(copies, device=device) * (height * width)).view(n_windows, n_samples, 1, 1)
    patch_rows = store.rows[store.patch_start : store.patch_start + copies * patch_h * patch_w]
    whole.index_copy_(0, (target[:, None] + first).view(-1), patch_rows)
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
