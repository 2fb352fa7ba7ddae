"""The synthetic shapes data: determinism, types, balance, and masks that mark exactly the drawn object."""

import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from xai_widgets.zoo import CLASS_NAMES, ShapesData, make_shapes
from xai_widgets.zoo.shapes import _NOISE_AMPLITUDE


@pytest.fixture(scope="module")
def data() -> ShapesData:
    return make_shapes(400, seed=3)


def test_same_seed_gives_identical_data():
    first, second = make_shapes(64, seed=5), make_shapes(64, seed=5)
    assert torch.equal(first.images, second.images)
    assert torch.equal(first.labels, second.labels)
    assert torch.equal(first.masks, second.masks)


def test_different_seeds_give_different_data():
    first, second = make_shapes(64, seed=5), make_shapes(64, seed=6)
    assert not torch.equal(first.images, second.images)
    assert not torch.equal(first.masks, second.masks)


def test_leaves_global_random_state_alone():
    # The legacy global generator is the state under test: data code must not reseed it.
    numpy_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state()  # noqa: NPY002
    make_shapes(16, seed=1)
    assert np.array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_types_shapes_and_ranges(data):
    assert len(data) == 400
    assert data.images.shape == (400, 3, 64, 64) and data.images.dtype == torch.float32
    assert data.labels.shape == (400,) and data.labels.dtype == torch.int64
    assert data.masks.shape == (400, 1, 64, 64) and data.masks.dtype == torch.bool
    assert data.images.min() >= 0.0 and data.images.max() <= 1.0
    assert data.class_names == CLASS_NAMES == ("circle", "square", "triangle", "cross")
    assert set(data.labels.tolist()) == set(range(len(CLASS_NAMES)))


def test_classes_are_balanced(data):
    assert data.labels.bincount().tolist() == [100] * 4
    counts = make_shapes(402, seed=0).labels.bincount()
    assert counts.max() - counts.min() <= 1


def test_masks_are_non_empty_and_wholly_inside_the_frame(data):
    assert data.masks.flatten(1).any(1).all()
    border = torch.ones(64, 64, dtype=torch.bool)
    border[1:-1, 1:-1] = False
    assert not (data.masks[:, 0] & border).any(), "a shape touches the edge: it may be cut off"


# Area of each shape relative to its half-diameter squared, and the half-diameter range (7 to 15 px).
_AREA_PER_RADIUS_SQUARED = {"circle": np.pi, "square": 1.6**2, "triangle": 1.299 * 1.1**2, "cross": 2.04}


def test_mask_area_fits_the_class_geometry(data):
    areas = data.masks.flatten(1).sum(1).float()
    for label, name in enumerate(CLASS_NAMES):
        class_areas = areas[data.labels == label]
        low, high = 7**2 * _AREA_PER_RADIUS_SQUARED[name], 15**2 * _AREA_PER_RADIUS_SQUARED[name]
        # Pixelisation moves small areas by a few pixels either way.
        assert class_areas.min() >= 0.9 * low - 4, name
        assert class_areas.max() <= 1.1 * high + 4, name


def test_mask_covers_one_uniformly_coloured_object(data):
    # The object is painted last in one colour, so inside its mask only the pixel noise varies.
    for image, mask in zip(data.images, data.masks, strict=True):
        inside = image[:, mask[0]]
        spread = (inside - inside.median(dim=1, keepdim=True).values).abs().max()
        assert spread <= 2 * _NOISE_AMPLITUDE + 1e-6


def test_object_stands_out_from_its_surroundings(data):
    # The ring of pixels just outside the mask is background (or clutter), a different colour.
    masks = data.masks.float()
    ring = (F.max_pool2d(masks, 3, stride=1, padding=1) - masks).bool()
    inside_colour = (data.images * masks).sum((2, 3)) / masks.sum((2, 3))
    ring_colour = (data.images * ring).sum((2, 3)) / ring.sum((2, 3))
    distance = (inside_colour - ring_colour).norm(dim=1)
    assert (distance > 0.25).float().mean() >= 0.95


def test_other_sizes_scale_the_shapes():
    small = make_shapes(8, seed=0, size=32)
    assert small.images.shape == (8, 3, 32, 32) and small.masks.shape == (8, 1, 32, 32)
    assert small.masks.flatten(1).any(1).all()


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n must be"):
        make_shapes(0)
    with pytest.raises(ValueError, match="size"):
        make_shapes(4, size=16)


def test_two_thousand_images_take_under_two_seconds():
    # Best of two, so a moment of load from other processes does not fail the test.
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        make_shapes(2000, seed=0)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 2.0, timings
