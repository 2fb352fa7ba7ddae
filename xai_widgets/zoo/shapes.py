"""Synthetic "shapes" images: one coloured shape per image among clutter, with its pixel mask.

The mask is ground truth for attribution checks: a good explanation of the class should land on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

CLASS_NAMES: tuple[str, ...] = ("circle", "square", "triangle", "cross")
"""Class names, indexed by label."""

# Object diameters at size 64; scaled with `size` for other resolutions.
_MIN_DIAMETER, _MAX_DIAMETER = 14.0, 30.0
# The furthest a shape's pixels reach from its centre, in half-diameters (a rotated square's corner).
_REACH = 1.15
_MAX_TILT = np.pi / 6
_MAX_CLUTTER = 6
# Uniform pixel noise in [-a, a]: as good as Gaussian here and several times faster to draw.
_NOISE_AMPLITUDE = 0.08
# Object and background colours closer than this (RGB distance) are pushed apart, so the shape is visible.
_MIN_CONTRAST = 0.45


@dataclass(frozen=True)
class ShapesData:
    """A batch of shapes images with labels and object masks.

    images: float32 (N, 3, size, size) in [0, 1].
    labels: int64 (N,), indices into `class_names`.
    masks: bool (N, 1, size, size), True on the pixels of the class object (clutter excluded).
    class_names: the name of each label.
    """

    images: torch.Tensor
    labels: torch.Tensor
    masks: torch.Tensor
    class_names: tuple[str, ...] = CLASS_NAMES

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def make_shapes(n: int, seed: int = 0, size: int = 64) -> ShapesData:
    """Draw `n` images, each with one shape of a balanced random class on a cluttered, noisy background.

    Position, diameter (14-30 px at size 64), tilt and colours are random; the same `seed` gives
    the same images bit for bit.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if size < 32:
        raise ValueError(f"size must be at least 32 pixels so shapes stay recognisable, got {size}")
    rng = np.random.default_rng(seed)
    n_classes = len(CLASS_NAMES)
    labels = rng.permutation(np.arange(n) % n_classes)

    # Pixel-centre coordinates, shaped to broadcast against (N, 1, 1) per-image parameters.
    coords = np.arange(size, dtype=np.float32) + 0.5
    ys, xs = coords[None, :, None], coords[None, None, :]

    images = _background(rng, n, size, xs, ys)
    _draw_clutter(rng, images, size)
    masks = _draw_objects(rng, images, labels, size, xs, ys)
    _add_noise(rng, images)

    return ShapesData(
        images=torch.from_numpy(images),
        labels=torch.from_numpy(labels.astype(np.int64)),
        masks=torch.from_numpy(masks[:, None]),
    )


def _add_noise(rng: np.random.Generator, images: np.ndarray, chunk: int = 256) -> None:
    """Add uniform pixel noise and clip to [0, 1], in place; chunked to avoid a second full-size array."""
    noise = np.empty((min(chunk, len(images)),) + images.shape[1:], dtype=np.float32)
    for start in range(0, len(images), chunk):
        block = images[start : start + chunk]
        block_noise = noise[: len(block)]
        rng.random(dtype=np.float32, out=block_noise)
        block_noise -= 0.5
        block_noise *= 2 * _NOISE_AMPLITUDE
        block += block_noise
        np.clip(block, 0.0, 1.0, out=block)


def _column(values: np.ndarray) -> np.ndarray:
    """Per-image parameters as (N, 1, 1) float32, to broadcast over the pixel grid."""
    return values.astype(np.float32)[:, None, None]


def _background(rng: np.random.Generator, n: int, size: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """A random base colour per image with a gentle linear brightness ramp in a random direction."""
    base = rng.uniform(0.0, 1.0, (n, 3)).astype(np.float32)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    strength = rng.uniform(0.0, 0.25, n)
    ramp = _column(np.cos(angle) * strength) * (xs / size - 0.5) + _column(np.sin(angle) * strength) * (ys / size - 0.5)
    return base[:, :, None, None] + ramp[:, None]


def _paint(images: np.ndarray, mask: np.ndarray, colours: np.ndarray) -> None:
    """Paint `colours` (N, 3) into `images` where `mask` (N, H, W) is True, in place."""
    np.copyto(images, colours[:, :, None, None].astype(np.float32), where=mask[:, None])


def _draw_clutter(rng: np.random.Generator, images: np.ndarray, size: int) -> None:
    """Scatter 2-6 short segments and dots per image in random colours; drawn first, the object covers them."""
    n = int(images.shape[0])
    scale = size / 64.0
    max_length, max_radius = 10 * scale, 2 * scale
    # Each item is drawn in a small window around its start point instead of the full frame: 6x less work.
    half_window = int(np.ceil(max_length + max_radius)) + 1
    offsets = np.arange(-half_window, half_window + 1)
    counts = rng.integers(2, _MAX_CLUTTER + 1, n)
    for k in range(_MAX_CLUTTER):
        is_dot = rng.random(n) < 0.4
        start_x, start_y = rng.uniform(0, size, n), rng.uniform(0, size, n)
        length = rng.uniform(4, 10, n) * scale
        angle = rng.uniform(0, 2 * np.pi, n)
        radius = _column(np.where(is_dot, rng.uniform(1.0, 2.0, n), 0.8) * scale)
        colours = rng.uniform(0.0, 1.0, (n, 3)).astype(np.float32)

        cols = np.floor(start_x).astype(np.int64)[:, None, None] + offsets[None, None, :]
        rows = np.floor(start_y).astype(np.int64)[:, None, None] + offsets[None, :, None]
        rel_x, rel_y = cols + 0.5 - _column(start_x), rows + 0.5 - _column(start_y)
        # A dot is a segment of length zero with a larger radius.
        dx = _column(np.where(is_dot, 0.0, np.cos(angle) * length))
        dy = _column(np.where(is_dot, 0.0, np.sin(angle) * length))
        along = np.clip((rel_x * dx + rel_y * dy) / np.maximum(dx * dx + dy * dy, 1e-6), 0, 1)
        dist_sq = (rel_x - along * dx) ** 2 + (rel_y - along * dy) ** 2
        inside = (
            (dist_sq <= radius * radius)
            & (k < counts)[:, None, None]
            & (rows >= 0)
            & (rows < size)
            & (cols >= 0)
            & (cols < size)
        )
        image_idx, row_idx, col_idx = np.nonzero(inside)
        images[image_idx, :, rows[image_idx, row_idx, 0], cols[image_idx, 0, col_idx]] = colours[image_idx]


def _shape_mask(label: int, u: np.ndarray, v: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Pixels inside the shape of class `label`, from coordinates (u, v) relative to its centre and tilt."""
    name = CLASS_NAMES[label]
    if name == "circle":
        return u * u + v * v <= radius * radius
    if name == "square":
        return np.maximum(np.abs(u), np.abs(v)) <= 0.8 * radius
    if name == "triangle":
        # Equilateral, pointing up: inside all three edges, each at the inradius (half the circumradius).
        circumradius = 1.1 * radius
        inside = v <= 0.5 * circumradius
        for edge_angle in (np.pi / 6, 5 * np.pi / 6):
            inside &= u * np.cos(edge_angle) - v * np.sin(edge_angle) <= 0.5 * circumradius
        return inside
    if name == "cross":
        arm = 0.3 * radius
        abs_u, abs_v = np.abs(u), np.abs(v)
        return ((abs_u <= arm) & (abs_v <= radius)) | ((abs_v <= arm) & (abs_u <= radius))
    raise ValueError(f"unknown class {label}")


def _draw_objects(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    size: int,
    xs: np.ndarray,
    ys: np.ndarray,
) -> np.ndarray:
    """Draw each image's class shape on top of the clutter, in place; return the masks (N, H, W)."""
    n = int(images.shape[0])
    scale = size / 64.0
    radius = rng.uniform(_MIN_DIAMETER / 2, _MAX_DIAMETER / 2, n) * scale
    # Keep the whole shape, plus a pixel, inside the frame.
    margin = _REACH * radius + 1
    centre_x = rng.uniform(margin, size - margin)
    centre_y = rng.uniform(margin, size - margin)
    tilt = rng.uniform(-_MAX_TILT, _MAX_TILT, n)

    background = images.mean(axis=(2, 3))
    colours = rng.uniform(0.0, 1.0, (n, 3)).astype(np.float32)
    too_close = np.linalg.norm(colours - background, axis=1) < _MIN_CONTRAST
    colours[too_close] = (background[too_close] + 0.5) % 1.0

    masks = np.zeros((n, size, size), dtype=bool)
    for label in range(len(CLASS_NAMES)):
        idx = np.flatnonzero(labels == label)
        if idx.size == 0:
            continue
        rel_x, rel_y = xs - _column(centre_x[idx]), ys - _column(centre_y[idx])
        cos, sin = _column(np.cos(tilt[idx])), _column(np.sin(tilt[idx]))
        u, v = rel_x * cos + rel_y * sin, -rel_x * sin + rel_y * cos
        masks[idx] = _shape_mask(label, u, v, _column(radius[idx]))
    _paint(images, masks, colours)
    return masks
