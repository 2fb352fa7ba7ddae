"""Train `DropoutShapesCNN` on the synthetic shapes data, deterministically, and write the shipped weights.

`python -m xai_widgets.zoo.train_dropout_shapes` retrains it (about 15 s on two idle CPU cores).
"""

from __future__ import annotations

import torch
from torch import nn

from .dropout_shapes import DROPOUT_SHAPES_WEIGHTS, DropoutShapesCNN
from .shapes import make_shapes
from .training import TEST_SEED_OFFSET, accuracy, retrain_and_save


def train_dropout_shapes_model(
    seed: int = 0, n_train: int = 4000, epochs: int = 6, threads: int = 2, batch_size: int = 32, max_lr: float = 6e-3
) -> tuple[DropoutShapesCNN, float]:
    """Train a fresh `DropoutShapesCNN`; return it in eval mode with its accuracy on 1000 unseen images.

    The same arguments give the same weights: seeded data, init, batch order and dropout draws.
    """
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        train = make_shapes(n_train, seed=seed)
        test = make_shapes(1000, seed=seed + TEST_SEED_OFFSET)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = DropoutShapesCNN(num_classes=len(train.class_names))
            # channels_last makes the CPU convolutions markedly faster (as in train_shapes).
            model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
            images = train.images.contiguous(memory_format=torch.channels_last)
            steps_per_epoch = -(-n_train // batch_size)
            optimizer = torch.optim.AdamW(model.parameters(), lr=max_lr, weight_decay=1e-4)
            schedule = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=max_lr, total_steps=epochs * steps_per_epoch, pct_start=0.25
            )
            loss_fn = nn.CrossEntropyLoss()
            model.train()
            for _ in range(epochs):
                order = torch.randperm(n_train)
                for start in range(0, n_train, batch_size):
                    batch = order[start : start + batch_size]
                    optimizer.zero_grad(set_to_none=True)
                    loss_fn(model(images[batch]), train.labels[batch]).backward()
                    optimizer.step()
                    schedule.step()
        model = model.to(memory_format=torch.contiguous_format)
        return model.eval(), accuracy(model, test.images, test.labels)
    finally:
        torch.set_num_threads(previous_threads)


def main() -> None:
    retrain_and_save(__doc__, DROPOUT_SHAPES_WEIGHTS, train_dropout_shapes_model)


if __name__ == "__main__":
    main()
