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
