"""The wire's Array trait: one dict carries bytes, dtype and shape, and bad ones are refused."""

import numpy as np
import pytest
import torch
import traitlets as t

from xai_widgets.widgets.base.wire import EMPTY_ARRAY, Array, from_wire, to_display_uint8, to_wire


class Holder(t.HasTraits):
    values = Array()


def test_wire_round_trip_keeps_values_dtype_and_shape():
    values = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 4)
    wire = to_wire(values, "float32")
    data, dtype, shape = wire["data"], wire["dtype"], wire["shape"]
    assert isinstance(data, bytes) and dtype == "float32" and shape == [2, 3, 4]
    np.testing.assert_array_equal(from_wire(wire), values)


def test_float16_wire_halves_the_bytes_and_clips_instead_of_overflowing():
    values = torch.tensor([[1e6, -1e6, float("nan"), 0.5]])
    wire = to_wire(values)
    assert len(wire["data"]) == 8 and wire["dtype"] == "float16"
    decoded = from_wire(wire)
    assert np.isfinite(decoded).all()
    assert decoded[0, 0] == np.finfo(np.float16).max and decoded[0, 3] == 0.5
    assert decoded[0, 2] == 0.0  # NaN becomes 0


def test_the_default_is_the_empty_array_and_each_holder_has_its_own():
    first, second = Holder(), Holder()
    assert first.values == EMPTY_ARRAY == {"data": b"", "dtype": "uint8", "shape": [0]}
    assert first.values is not second.values
    assert from_wire(first.values).size == 0


def test_a_valid_dict_is_accepted_as_it_is():
    holder = Holder()
    holder.values = to_wire(np.arange(6, dtype=np.uint8).reshape(2, 3), "uint8")
    assert holder.values["shape"] == [2, 3] and holder.values["data"] == bytes(range(6))


@pytest.mark.parametrize(
    "value, message",
    [
        (np.zeros((2, 2), np.float32), "use to_wire"),
        (torch.zeros(2), "use to_wire"),
        ({"data": b"\0" * 4, "dtype": "float64", "shape": [1]}, "dtype must be one of"),
        ({"data": b"\0" * 4, "dtype": "uint8", "shape": [2, -2]}, "non-negative ints"),
        ({"data": b"\0" * 4, "dtype": "uint8", "shape": [2.0, 2]}, "non-negative ints"),
        ({"data": b"\0" * 5, "dtype": "uint8", "shape": [2, 2]}, "5 bytes do not hold shape"),
        ({"data": b"\0" * 4, "dtype": "float32", "shape": [2]}, "8 bytes"),
        ({"data": "text", "dtype": "uint8", "shape": [4]}, "data must be bytes"),
        ({"data": b"", "dtype": "uint8"}, "exactly the keys"),
    ],
)
def test_a_malformed_value_is_refused_with_a_clear_message(value, message):
    holder = Holder()
    with pytest.raises(t.TraitError, match=message) as raised:
        holder.values = value
    assert "values" in str(raised.value)
    assert holder.values == EMPTY_ARRAY


def test_display_uint8_repeats_grey_and_shrinks_thumbnails():
    grey = torch.linspace(0, 1, 16).reshape(1, 1, 4, 4)
    rgb = to_display_uint8(grey, max_size=2)
    assert rgb.shape == (1, 2, 2, 3) and rgb.dtype == np.uint8
    assert (rgb[..., 0] == rgb[..., 2]).all() and rgb[0, 0, 0, 0] == 0
