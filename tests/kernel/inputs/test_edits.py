"""What-if edits: erase and rectangle fill with the image blurred, its mean colour, or black."""

from __future__ import annotations

import pytest
import torch

from xai_widgets.kernel import ExplainerError, apply_edits
from xai_widgets.kernel.inputs.baselines import gaussian_blur


@pytest.fixture
def image() -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.rand((3, 16, 20), generator=generator)


def rect_mask(shape: tuple[int, int], r0: int, c0: int, r1: int, c1: int) -> torch.Tensor:
    mask = torch.zeros(shape, dtype=torch.bool)
    mask[r0 : r1 + 1, c0 : c1 + 1] = True
    return mask


def test_a_blur_rectangle_is_the_blurred_image_there_and_the_rest_is_untouched(image):
    edited = apply_edits(image, [{"tool": "rectangle", "rect": [2, 3, 9, 12], "fill": "blur"}])
    blurred = gaussian_blur(image[None])[0]
    inside = rect_mask((16, 20), 2, 3, 9, 12)
    torch.testing.assert_close(edited[:, inside], blurred[:, inside])
    torch.testing.assert_close(edited[:, ~inside], image[:, ~inside])
    assert not torch.equal(blurred, image)


def test_a_mean_fill_is_the_mean_colour_per_channel(image):
    edited = apply_edits(image, [{"tool": "rectangle", "rect": [0, 0, 4, 4], "fill": "mean"}])
    mean = image.mean(dim=(1, 2))
    torch.testing.assert_close(edited[:, :5, :5], mean[:, None, None].expand(3, 5, 5))
    torch.testing.assert_close(edited[:, 5:], image[:, 5:])


def test_black_and_a_missing_fill_paint_the_baseline_as_before(image):
    box = {"tool": "rectangle", "rect": [1, 1, 3, 3]}
    assert (apply_edits(image, [{**box, "fill": "black"}])[:, 1:4, 1:4] == 0).all()
    assert (apply_edits(image, [box])[:, 1:4, 1:4] == 0).all()
    assert (apply_edits(image, [box], baseline=0.5)[:, 1:4, 1:4] == 0.5).all()


def test_an_erase_stroke_fills_its_pixels_from_the_blurred_original(image):
    stroke = {"tool": "erase", "points": [[8, 2], [8, 17]], "radius": 1, "fill": "blur"}
    # A paint stroke first: the blur is of the original image, so edits replay the same in any order.
    paint = {"tool": "paint", "points": [[8, 10]], "radius": 2, "color": [1, 0, 0]}
    edited = apply_edits(image, [paint, stroke])
    blurred = gaussian_blur(image[None])[0]
    torch.testing.assert_close(edited[:, 7:10, 2:18], blurred[:, 7:10, 2:18])
    torch.testing.assert_close(edited[:, :6], image[:, :6])


def test_a_one_channel_image_and_an_unknown_fill(image):
    grey = image[:1]
    edited = apply_edits(grey, [{"tool": "rectangle", "rect": [0, 0, 15, 19], "fill": "mean"}])
    torch.testing.assert_close(edited, grey.mean().expand_as(grey))
    with pytest.raises(ExplainerError, match="unknown edit fill 'white'"):
        apply_edits(image, [{"tool": "erase", "points": [[0, 0]], "radius": 1, "fill": "white"}])
