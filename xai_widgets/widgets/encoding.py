"""Arrays onto the wire: raw bytes with dtype and shape beside them, never JSON lists."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

WIRE_DTYPES = ("float16", "float32", "uint8")


def to_wire(array: Any, dtype: str = "float16") -> tuple[bytes, str, list[int]]:
    """Return ``(bytes, dtype, shape)`` for a tensor or array, cast to ``dtype`` in C order.

    float16 halves the bytes and keeps ~3 significant digits, enough for colour; values
    beyond float16's range are clipped to it rather than becoming inf.
    """
    if dtype not in WIRE_DTYPES:
        raise ValueError(f"wire dtype must be one of {WIRE_DTYPES}, got {dtype!r}")
    if isinstance(array, torch.Tensor):
        array = array.detach().cpu().numpy()
    array = np.asarray(array)
    if dtype == "float16":
        limit = np.finfo(np.float16).max
        array = np.clip(np.nan_to_num(array.astype(np.float32), nan=0.0), -limit, limit)
    return np.ascontiguousarray(array, dtype=dtype).tobytes(), dtype, list(array.shape)


def from_wire(data: bytes, dtype: str, shape: list[int]) -> np.ndarray:
    """The inverse of :func:`to_wire` (used by tests and by views reading JS-made arrays)."""
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def to_display_uint8(images: Any, max_size: int | None = None) -> np.ndarray:
    """(N, C, H, W) or (C, H, W) floats in [0, 1] as uint8 (…, H, W, 3) RGB for the browser.

    One channel is repeated to grey; ``max_size`` shrinks (nearest, by a whole stride) so the
    longer side is at most that, for thumbnails.
    """
    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().numpy()
    array = np.asarray(images, dtype=np.float32)
    array = np.moveaxis(array, -3, -1)
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    if array.shape[-1] != 3:
        raise ValueError(f"images need 1 or 3 channels to display, got {array.shape[-1]}")
    if max_size is not None:
        stride = max(1, -(-max(array.shape[-3], array.shape[-2]) // max_size))
        array = array[..., ::stride, ::stride, :]
    return np.ascontiguousarray((np.clip(array, 0.0, 1.0) * 255 + 0.5).astype(np.uint8))
