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
