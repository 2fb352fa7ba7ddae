"""Train `ShapesCNN` on the synthetic shapes data in seconds on a CPU, deterministically.

`python -m xai_widgets.zoo.train_shapes` retrains it and writes the shipped weights file.
"""

from __future__ import annotations

import torch

from .models import SHAPES_WEIGHTS, ShapesCNN
from .shapes import make_shapes
from .training import TEST_SEED_OFFSET, accuracy, fit_one_cycle, retrain_and_save


def train_shapes_model(
    seed: int = 0,
    n_train: int = 4000,
    epochs: int = 4,
    threads: int = 2,
    n_test: int = 1000,
    batch_size: int = 32,
    max_lr: float = 6e-3,
) -> tuple[ShapesCNN, float]:
    """Train a fresh `ShapesCNN`; return it in eval mode with its accuracy on `n_test` unseen images.

    The same arguments give the same weights: seeded data, seeded init and a seeded batch order.
    The defaults reach 98.6-99.0% test accuracy (seeds 0-3) in 6-10 s on two idle CPU cores.
    """
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        train = make_shapes(n_train, seed=seed)
        test = make_shapes(n_test, seed=seed + TEST_SEED_OFFSET)
        # Seeded init in a forked RNG, so the caller's global torch random stream is left as it was.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = ShapesCNN(num_classes=len(train.class_names))
        # channels_last makes the CPU convolutions markedly faster; the weights are made contiguous on return.
        # Module.to takes memory_format at run time; torch's stubs omit it from the overloads.
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        images = train.images.contiguous(memory_format=torch.channels_last)
        fit_one_cycle(model, images, train.labels, seed=seed, epochs=epochs, batch_size=batch_size, max_lr=max_lr)
        model = model.to(memory_format=torch.contiguous_format)
        return model.eval(), accuracy(model, test.images, test.labels)
    finally:
        torch.set_num_threads(previous_threads)


def main() -> None:
    retrain_and_save(__doc__, SHAPES_WEIGHTS, train_shapes_model)


if __name__ == "__main__":
    main()
