"""A shapes classifier with dropout (weights shipped) and out-of-distribution images for it: noise,
images without a shape, and shapes it never saw."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .models import WEIGHTS_DIR, ShapesCNN
from .shapes import (
    _MAX_DIAMETER,
    _MAX_TILT,
    _MIN_DIAMETER,
    _REACH,
    _add_noise,
    _background,
    _column,
    _draw_clutter,
    _paint,
)

DROPOUT_SHAPES_WEIGHTS = WEIGHTS_DIR / "dropout_shapes_cnn.pt"
OOD_KINDS = ("noise", "blank", "crescent", "l_shape", "static", "ring")


class DropoutShapesCNN(ShapesCNN):
    """:class:`ShapesCNN` with channel dropout after its third conv block (``features.drop3``) and
    dropout before the classifier (``dropout``): trained with them, kept on by MC dropout."""

    def __init__(self, num_classes: int = 4, p_features: float = 0.1, p: float = 0.2) -> None:
        super().__init__(num_classes)
        layers = list(self.features.named_children())
        after = [name for name, _ in layers].index("relu3") + 1
        self.features = nn.Sequential(
            OrderedDict(layers[:after] + [("drop3", nn.Dropout2d(p_features))] + layers[after:])
        )
        self.dropout = nn.Dropout(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(torch.flatten(self.global_pool(self.features(x)), 1)))


def load_dropout_shapes_model(pretrained: bool = True, device: torch.device | str | None = None) -> DropoutShapesCNN:
    """A :class:`DropoutShapesCNN` in eval mode, with the shipped trained weights unless ``pretrained`` is False."""
    model = DropoutShapesCNN()
    if pretrained:
        if not DROPOUT_SHAPES_WEIGHTS.is_file():
            raise FileNotFoundError(
                f"trained weights not found at {DROPOUT_SHAPES_WEIGHTS}; create them with "
                "`python -m xai_widgets.zoo.train_dropout_shapes`"
            )
        model.load_state_dict(torch.load(DROPOUT_SHAPES_WEIGHTS, map_location="cpu", weights_only=True))
    return model.to(device).eval()


@dataclass(frozen=True)
class OODImages:
    """Images unlike the training data: float32 (N, 3, size, size) in [0, 1], and each one's kind
    (an index into ``kind_names``)."""

    images: torch.Tensor
    kinds: torch.Tensor
    kind_names: tuple[str, ...] = OOD_KINDS

    def __len__(self) -> int:
        return int(self.kinds.shape[0])


def make_ood_images(n: int, seed: int = 0, size: int = 64, kinds: tuple[str, ...] = OOD_KINDS) -> OODImages:
    """Draw ``n`` out-of-distribution images, the ``kinds`` in turn; the same ``seed`` gives the same images.

    Kinds: "noise", smooth random colour blobs; "blank", a shapes background and clutter with no
    shape; "crescent" and "l_shape", shapes never seen, drawn like the training shapes. The
    trained :class:`DropoutShapesCNN` finds these uncertain (MC dropout entropy well above that of
    its test images). Two kinds show the limits of MC dropout: "static", uniform pixel noise,
    which drives the max-pooled features harder than any shape and is classified confidently,
    and "ring", close enough to a circle to be called one with confidence: the masks agree, so
    the spread is small, though neither image is like the training data.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    unknown = sorted(set(kinds) - set(OOD_KINDS))
    if unknown or not kinds:
        raise ValueError(f"kinds must be a non-empty tuple of {OOD_KINDS}, got {kinds!r}")
    rng = np.random.default_rng(seed)
    names = [kinds[i % len(kinds)] for i in range(n)]
    coords = np.arange(size, dtype=np.float32) + 0.5
    ys, xs = coords[None, :, None], coords[None, None, :]

    images = _background(rng, n, size, xs, ys)
    _draw_clutter(rng, images, size)
    radius = rng.uniform(_MIN_DIAMETER / 2, _MAX_DIAMETER / 2, n) * size / 64.0
    margin = _REACH * radius + 1
    centre_x, centre_y = rng.uniform(margin, size - margin), rng.uniform(margin, size - margin)
    tilt = rng.uniform(-_MAX_TILT, _MAX_TILT, n)
    rel_x, rel_y = xs - _column(centre_x), ys - _column(centre_y)
    cos, sin = _column(np.cos(tilt)), _column(np.sin(tilt))
    u, v, r = rel_x * cos + rel_y * sin, -rel_x * sin + rel_y * cos, _column(radius)
    shapes = {
        "ring": (u * u + v * v <= r * r) & (u * u + v * v >= (0.6 * r) ** 2),
        "crescent": (u * u + v * v <= r * r) & ((u - 0.5 * r) ** 2 + v * v >= (0.8 * r) ** 2),
        "l_shape": ((np.abs(u + 0.6 * r) <= 0.3 * r) & (np.abs(v) <= r))
        | ((np.abs(v - 0.7 * r) <= 0.3 * r) & (np.abs(u) <= r)),
    }
    masks = np.zeros((n, size, size), dtype=bool)
    for name, mask in shapes.items():
        chosen = np.array([kind == name for kind in names])
        masks[chosen] = mask[chosen]
    _paint(images, masks, (images.mean(axis=(2, 3)) + 0.5) % 1.0)
    # Smooth blobs: an 8x8 random colour field, bilinearly upsampled.
    field = torch.from_numpy(rng.random((n, 3, 8, 8), dtype=np.float32))
    smooth = torch.nn.functional.interpolate(field, size=(size, size), mode="bilinear", align_corners=False).numpy()
    noise = np.array([kind == "noise" for kind in names])
    images[noise] = smooth[noise]
    _add_noise(rng, images)
    static = np.array([kind == "static" for kind in names])
    images[static] = rng.random(images[static].shape, dtype=np.float32)
    kind_index = np.array([OOD_KINDS.index(kind) for kind in names], dtype=np.int64)
    return OODImages(torch.from_numpy(images), torch.from_numpy(kind_index))
