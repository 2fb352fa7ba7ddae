"""The Explainer: a model bound once, then asked for predictions and attributions."""

from __future__ import annotations

import threading
import time
from typing import Any

import torch
from torch import nn

from .attribution import Attribution
from .errors import ExplainerError
from .layers import conv_layer_names
from .model_guard import model_device, preserved
from .progress import Progress
from .registry import get_method
from .runner import ModelRunner
from .validation import as_input_batch, as_target_batch

_TASKS = ("auto", "classification", "regression")


class Explainer:
    """Explains a PyTorch model on its device.

    Args:
        model: any ``nn.Module`` returning (N, outputs) logits, or (N,) for regression.
        device: where to run. ``None`` keeps the model's device (a model without parameters
            runs on CUDA when available, else the CPU). Naming another device moves the model
            there, as ``model.to(device)`` would.
        eval_mode: run the model in eval mode (Dropout off, BatchNorm running statistics)
            during each call; its own mode is restored afterwards.
        task: "classification" (``predict`` returns softmax probabilities), "regression"
            (raw outputs), or "auto" (regression when the model has a single output).
        memory_budget: bytes one batched pass may use; ``None`` means 60% of free CUDA memory
            on a GPU and 256 MiB on the CPU.

    Every call leaves the model as it found it: mode, ``requires_grad``, ``.grad``, hooks and
    parameters, also when the call raises.
    """

    def __init__(
        self,
        model: nn.Module,
        device: str | torch.device | None = None,
        *,
        eval_mode: bool = True,
        task: str = "auto",
        memory_budget: int | None = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise ExplainerError(f"Explainer needs a torch.nn.Module, got {type(model).__name__}")
        if task not in _TASKS:
            raise ExplainerError(f"task must be one of {_TASKS}, got {task!r}")
        current = model_device(model)
        if device is None:
            device = current or torch.device("cuda" if torch.cuda.is_available() else "cpu")
        device = torch.device(device)
        if current is not None and current != device:
            model.to(device)
        self.model = model
        self.device = device
        self.eval_mode = eval_mode
        self.task = task
        self._runner = ModelRunner(model, device, memory_budget)
        self._lock = threading.RLock()

    def attribute(
        self,
        x: Any,
        method: str = "gradient",
        target: Any = None,
        *,
        progress: Progress | None = None,
        **params: Any,
    ) -> Attribution:
        """Attribute the target output of every sample in ``x`` to its input features.

        ``target`` is an int, one int per sample, or ``None`` for the predicted class.
        ``params`` are the method's parameters (see ``xw.methods()[method].params``).
        ``progress``, if given, is called with the fraction done after every batched pass;
        an exception it raises stops the call (the model is still restored).
        """
        spec = get_method(method)
        resolved = spec.resolve(params)
        with self._lock, preserved(self.model, self.eval_mode):
            batch = as_input_batch(x, self.device)
            start = time.perf_counter()
            targets = self._targets(target, batch)
            with self._runner.reporting(progress):
                values, delta = spec.compute(self._runner, batch, targets, **resolved)
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            elapsed_ms = (time.perf_counter() - start) * 1000.0
        return Attribution(
            values=values.detach().float().cpu(),
            method=method,
            params=resolved,
            target=targets.cpu(),
            elapsed_ms=elapsed_ms,
            delta=None if delta is None else delta.detach().float().cpu(),
            signed=spec.is_signed(resolved),
        )

    def predict(self, x: Any, *, progress: Progress | None = None) -> torch.Tensor:
        """Class probabilities (softmax of the outputs), or raw outputs for regression, on the CPU.

        ``progress`` as for :meth:`outputs`.
        """
        outputs = self.outputs(x, progress=progress)
        if self.is_regression(outputs):
            return outputs
        return torch.softmax(outputs, dim=1)

    def outputs(self, x: Any, *, progress: Progress | None = None) -> torch.Tensor:
        """The model's raw outputs (N, outputs) on the CPU, computed in memory-budgeted batches.

        ``progress``, if given, is called with the fraction done after every batched pass; an
        exception it raises stops the call (the model is still restored).
        """
        with self._lock, preserved(self.model, self.eval_mode), self._runner.reporting(progress):
            return self._runner.batched_outputs(as_input_batch(x, self.device), report=True).float().cpu()

    def layers(self) -> list[str]:
        """Dotted names of the layers that layer methods (Grad-CAM) can use, in model order."""
        return conv_layer_names(self.model)

    def _targets(self, target: Any, batch: torch.Tensor) -> torch.Tensor:
        if target is None:
            # One direct pass (not the runner's shape probe first), so a wrong input shape is
            # reported as the user's batch.
            with torch.no_grad():
                return self._runner.forward(batch).argmax(dim=1)
        n_outputs = self._runner.n_outputs(batch.shape[1:])
        return as_target_batch(target, batch.shape[0], n_outputs, self.device)

    def is_regression(self, outputs: torch.Tensor) -> bool:
        """Whether ``outputs`` (N, outputs) are read as regression values rather than class logits:
        ``task="regression"``, or ``"auto"`` with a single output (what ``predict`` goes by)."""
        return self.task == "regression" or (self.task == "auto" and outputs.shape[1] == 1)

    def __repr__(self) -> str:
        return f"Explainer({type(self.model).__name__}, device={self.device})"
