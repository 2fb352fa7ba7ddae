"""What the zoo's training scripts share: accuracy on held-out data and the command line that
retrains a model and writes its shipped weights."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

# Kept apart from any training seed, so held-out samples are never training samples.
TEST_SEED_OFFSET = 1_000_000


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, labels: torch.Tensor, batch_size: int = 500) -> float:
    """Fraction of ``x`` that ``model`` (put in eval mode) classifies as ``labels``."""
    model.eval()
    correct = sum(
        int((model(x[start : start + batch_size]).argmax(1) == labels[start : start + batch_size]).sum())
        for start in range(0, len(labels), batch_size)
    )
    return correct / len(labels)


def fit_one_cycle(
    model: nn.Module,
    x: torch.Tensor,
    labels: torch.Tensor,
    *,
    seed: int,
    epochs: int,
    batch_size: int,
    max_lr: float,
) -> None:
    """Train ``model`` on ``(x, labels)`` with AdamW and a one-cycle schedule (a warm-up then decay
    converges in few epochs, which the zoo's seconds-on-a-CPU budget needs), over batches in an
    order seeded by ``seed``: the same arguments give the same weights."""
    n_train = len(labels)
    order_generator = torch.Generator().manual_seed(seed)
    steps_per_epoch = -(-n_train // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=max_lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, total_steps=epochs * steps_per_epoch, pct_start=0.25
    )
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n_train, generator=order_generator)
        for start in range(0, n_train, batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x[batch]), labels[batch]).backward()
            optimizer.step()
            schedule.step()


def retrain_and_save(
    description: str | None, default_output: Path, train: Callable[..., tuple[nn.Module, float]]
) -> None:
    """``python -m xai_widgets.zoo.train_<model> [--seed S] [--threads T] [--output PATH]``:
    ``train(seed=..., threads=...)`` -> (model, test accuracy); its float32, contiguous
    state_dict is written to ``--output`` (the shipped weights file by default)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default=str(default_output), help="where to write the state_dict")
    args = parser.parse_args()
    started = time.perf_counter()
    model, test_accuracy = train(seed=args.seed, threads=args.threads)
    elapsed = time.perf_counter() - started
    state = {
        name: (tensor.to(torch.float32) if tensor.is_floating_point() else tensor).contiguous()
        for name, tensor in model.state_dict().items()
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, args.output)
    print(f"test accuracy {test_accuracy:.4f}, trained in {elapsed:.1f} s, weights written to {args.output}")
