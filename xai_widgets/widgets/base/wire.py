"""Arrays onto the wire: one ``Array`` trait whose value carries the bytes with their dtype and shape."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import traitlets as t

WIRE_DTYPES = ("float16", "float32", "uint8")
_ITEM_SIZES = {"float16": 2, "float32": 4, "uint8": 1}


def empty_array() -> dict[str, Any]:
    """The empty array: no bytes, uint8, shape [0] (the default of every Array trait)."""
    return {"data": b"", "dtype": "uint8", "shape": [0]}


EMPTY_ARRAY = empty_array()


class Array(t.TraitType[dict, dict]):
    """A synced array: ``{"data": bytes, "dtype": "float16" | "float32" | "uint8", "shape": [int, ...]}``.

    The bytes are C-order and little-endian; ipywidgets sends nested bytes as binary buffers. A numpy
    array or tensor is refused: convert it with :func:`to_wire`, which says the dtype on purpose.
    """

    info_text = 'an array dict {"data": bytes, "dtype": ..., "shape": [...]} (make one with to_wire)'

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_value=empty_array(), **kwargs)

    def make_dynamic_default(self) -> dict[str, Any]:
        return empty_array()

    def validate(self, obj: Any, value: Any) -> dict[str, Any]:
        return check_wire(value, f"the {self.name!r} trait of {type(obj).__name__}")


def check_wire(value: Any, where: str = "an array") -> dict[str, Any]:
    """``value`` if it is a well-formed wire array, else a TraitError saying what is wrong with it."""
    if not isinstance(value, dict) or set(value) != {"data", "dtype", "shape"}:
        raise t.TraitError(
            f"{where} takes a dict with exactly the keys data, dtype and shape (use to_wire(array)), "
            f"got {type(value).__name__}{sorted(value) if isinstance(value, dict) else ''}"
        )
    data, dtype, shape = value["data"], value["dtype"], value["shape"]
    if dtype not in WIRE_DTYPES:
        raise t.TraitError(f"{where}: dtype must be one of {WIRE_DTYPES}, got {dtype!r}")
    if not isinstance(shape, (list, tuple)) or not all(
        isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in shape
    ):
        raise t.TraitError(f"{where}: shape must be a list of non-negative ints, got {shape!r}")
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise t.TraitError(f"{where}: data must be bytes, got {type(data).__name__}")
    expected = math.prod(shape) * _ITEM_SIZES[dtype]
    if len(data) != expected:
        raise t.TraitError(f"{where}: {len(data)} bytes do not hold shape {list(shape)} of {dtype} ({expected} bytes)")
    return {"data": data, "dtype": dtype, "shape": [int(size) for size in shape]}


def to_wire(array: Any, dtype: str = "float16") -> dict[str, Any]:
    """A tensor or array as a wire dict of ``dtype``, in C order.

    float16 halves the bytes and keeps ~3 significant digits, enough for colour; NaN becomes 0
    and values beyond float16's range are clipped to it rather than becoming inf.
    """
    if dtype not in WIRE_DTYPES:
        raise ValueError(f"wire dtype must be one of {WIRE_DTYPES}, got {dtype!r}")
    values = _as_numpy(array)
    if dtype == "float16":
        limit = np.finfo(np.float16).max
        values = np.clip(np.nan_to_num(values.astype(np.float32), nan=0.0), -limit, limit)
    wire = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"data": wire.tobytes(), "dtype": dtype, "shape": list(values.shape)}


def from_wire(value: dict[str, Any]) -> np.ndarray:
    """The numpy array a wire dict holds (the inverse of :func:`to_wire`; read-only)."""
    checked = check_wire(value)
    dtype = np.dtype(checked["dtype"]).newbyteorder("<")
    return np.frombuffer(checked["data"], dtype=dtype).reshape(checked["shape"])


def to_display_uint8(images: Any, max_size: int | None = None) -> np.ndarray:
    """(N, C, H, W) or (C, H, W) floats in [0, 1] as uint8 (…, H, W, 3) RGB for the browser.

    One channel is repeated to grey; ``max_size`` shrinks (nearest, by a whole stride) so the
    longer side is at most that, for thumbnails.
    """
    array = np.moveaxis(_as_numpy(images).astype(np.float32), -3, -1)
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    if array.shape[-1] != 3:
        raise ValueError(f"images need 1 or 3 channels to display, got {array.shape[-1]}")
    if max_size is not None:
        stride = max(1, -(-max(array.shape[-3], array.shape[-2]) // max_size))
        array = array[..., ::stride, ::stride, :]
    return np.ascontiguousarray((np.clip(array, 0.0, 1.0) * 255 + 0.5).astype(np.uint8))


def _as_numpy(array: Any) -> np.ndarray:
    # Tensors are read through their own numpy(), so the widgets need no torch import of their own.
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    return np.asarray(array)
