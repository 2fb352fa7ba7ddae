"""scikit-learn's bundled handwritten digits (1,797 8x8 images) as tensors: small real data, no download."""

from __future__ import annotations

from dataclasses import dataclass

import torch

DIGIT_CLASS_NAMES: tuple[str, ...] = tuple(str(digit) for digit in range(10))

# scikit-learn stores the digits as 4-bit grey levels, 0..16.
_MAX_GREY_LEVEL = 16.0


@dataclass(frozen=True)
class DigitsData:
    """The digits data set.

    images: float32 (N, 1, 8, 8) in [0, 1], ink bright on a dark background.
    labels: int64 (N,), the digit shown.
    class_names: "0" to "9".
    """

    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...] = DIGIT_CLASS_NAMES

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def load_digits() -> DigitsData:
    """All 1,797 digits of `sklearn.datasets.load_digits`, in its order, scaled to [0, 1]."""
    # Imported here: scikit-learn is an optional (demo) dependency, the rest of the zoo needs none.
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as error:
        raise ImportError(
            'the digits data set comes with scikit-learn; install it with `pip install "xai_widgets[demo]"`'
        ) from error
    bunch = sklearn_load_digits()
    images = torch.as_tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / _MAX_GREY_LEVEL
    return DigitsData(images=images, labels=torch.as_tensor(bunch.target, dtype=torch.int64))
