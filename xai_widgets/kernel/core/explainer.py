"""The Explainer: a model bound once, then asked for predictions and attributions."""

from __future__ import annotations

import threading
import time
from typing import Any

import torch
from torch import nn

from ..uncertainty.explain_uncertainty import UncertaintyOf, as_uncertainty_of, n_quantity_outputs, uncertainty_model
from ..uncertainty.predict import check_request, sample_outputs
from ..uncertainty.result import Uncertainty, summarise
from .attribution import Attribution
from .compilation import forward_callable
from .errors import ExplainerError, TargetError
from .layers import conv_layer_names
from .model_guard import model_device, preserved
from .progress import Progress
from .registry import MethodSpec, get_method
from .runner import ModelRunner
from .validation import as_input_batch, as_target_batch, check_gaussian_outputs

_TASKS = ("auto", "classification", "regression", "gaussian")


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
            (raw outputs), "auto" (regression when the model has a single output), or
            "gaussian": a regression model with a variance head, two outputs (mean,
            log-variance), trained with a Gaussian likelihood. ``predict`` returns the mean
            (N, 1); attributions target output 0, the mean (the default), or 1, the
            log-variance (what makes the model expect noise); ``predict_uncertainty`` adds the
            predicted noise (``.aleatoric``, ``.total``).
        memory_budget: bytes one batched pass may use; ``None`` means 60% of free CUDA memory
            on a GPU and 1 GiB on the CPU. On the CPU passes are sized for speed (a few MB of
            activations, or at least 32 inputs) within that budget.
        compile: ``False`` (the default) runs the model eagerly; ``True`` (inductor) or a
            ``torch.compile`` backend name runs its forward through ``torch.compile`` for input
            shapes that come back (an explorer recomputing on clicks). Measured on the CPU here
            (``benchmarks/compile_ab.py``): it pays for forward-only work (predictions 0.44-0.86
            of the eager time) and not for gradients (1.0-1.8); the first call of each shape
            compiles for seconds to minutes, and methods that hook layers (LRP, DeepLIFT, CAMs)
            run eagerly. A compile that fails raises ``CompilationError``.

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
        compile: bool | str = False,
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
        self._runner = ModelRunner(model, device, memory_budget, call=forward_callable(model, compile))
        self._lock = threading.RLock()

    def attribute(
        self,
        x: Any,
        method: str = "gradient",
        target: Any = None,
        *,
        of: str | UncertaintyOf = "output",
        progress: Progress | None = None,
        **params: Any,
    ) -> Attribution:
        """Attribute the target output of every sample in ``x`` to its input features.

        ``target`` is an int, one int per sample, or ``None`` for the predicted class (for
        ``task="gaussian"``, the mean).
        ``of`` is what is explained: ``"output"``, the model's outputs; ``"std"``, the predictive
        standard deviation of the target output (of the target class's probability for a
        classifier; the total one, a single output, for ``task="gaussian"``); ``"entropy"``, a
        classifier's entropy of the mean prediction (a single output). Both are taken over
        fixed dropout masks (30 drawn from seed 0, or ``xw.UncertaintyOf("std", n_samples=...,
        seed=...)``) or over an ``xw.Ensemble``'s members, so gradient, path, perturbation and
        surrogate methods explain what makes the model unsure.
        ``params`` are the method's parameters (see ``xw.methods()[method].params``).
        ``progress``, if given, is called with the fraction done after every batched pass;
        an exception it raises stops the call (the model is still restored).
        """
        spec = get_method(method)
        resolved = spec.resolve(params)
        quantity = as_uncertainty_of(of, spec.family, method)
        # Fixed masks replace dropout, so explaining uncertainty runs everything else in eval mode.
        with self._lock, preserved(self.model, self.eval_mode or quantity is not None):
            batch = as_input_batch(x, self.device)
            start = time.perf_counter()
            if quantity is None:
                targets = self._targets(target, batch)
                with self._runner.reporting(progress):
                    values, delta = spec.compute(self._runner, batch, targets, **resolved)
            else:
                values, delta, targets = self._attribute_uncertainty(spec, resolved, batch, target, quantity, progress)
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
        """Class probabilities (softmax of the outputs), or raw outputs for regression (the mean,
        (N, 1), for ``task="gaussian"``), on the CPU.

        ``progress`` as for :meth:`outputs`.
        """
        outputs = self.outputs(x, progress=progress)
        if self.task == "gaussian":
            check_gaussian_outputs(outputs.shape[1])
            return outputs[:, :1]
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

    def predict_uncertainty(
        self,
        x: Any,
        method: str = "mc_dropout",
        n_samples: int = 30,
        seed: int | None = None,
        *,
        progress: Progress | None = None,
    ) -> Uncertainty:
        """Predictive uncertainty of every sample in ``x``: ``.mean``, ``.std``, ``.samples`` (and
        ``.aleatoric``, ``.total`` for ``task="gaussian"``, ``.entropy`` for classifiers).

        ``method="mc_dropout"``: ``n_samples`` predictions with only the model's dropout modules
        on (BatchNorm and the rest in eval mode), the batch repeated through the model in as few
        passes as the memory budget allows; ``seed`` makes the draws reproducible (on the same
        device and memory budget) without touching the caller's random stream; ``None`` draws
        from it. ``method="ensemble"``: one prediction per member of an ``xw.Ensemble`` model
        (``n_samples`` and ``seed`` are not used). ``progress`` as for :meth:`outputs`.
        """
        check_request(method, n_samples, seed)
        # Forward passes under no_grad only: the parameters need not be frozen (the guard still
        # restores them, the flags, .grad and hooks).
        guard = preserved(self.model, eval_mode=True, freeze=False)
        with self._lock, guard:
            batch = as_input_batch(x, self.device)
            start = time.perf_counter()
            kind = self._output_kind(self._runner.n_outputs(batch.shape[1:]))
            with self._runner.reporting(progress):
                raw = sample_outputs(self._runner, batch, method, n_samples, seed, guard.modules)
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            elapsed_ms = (time.perf_counter() - start) * 1000.0
        return summarise(raw, kind, method, seed, elapsed_ms)

    def layers(self) -> list[str]:
        """Dotted names of the layers that layer methods (Grad-CAM) can use, in model order."""
        return conv_layer_names(self.model)

    def _attribute_uncertainty(
        self,
        spec: MethodSpec,
        resolved: dict[str, Any],
        batch: torch.Tensor,
        target: Any,
        quantity: UncertaintyOf,
        progress: Progress | None,
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        """Attribute ``quantity`` (a std or an entropy over fixed masks) instead of the outputs."""
        n_outputs = self._runner.n_outputs(batch.shape[1:])
        kind = self._output_kind(n_outputs)
        if n_quantity_outputs(quantity, kind, n_outputs) == 1:
            try:
                targets = as_target_batch(0 if target is None else target, batch.shape[0], 1, self.device)
            except TargetError as error:
                raise TargetError(
                    f"of={quantity.quantity!r} of this model is a single output: leave target None ({error})"
                ) from error
        else:
            targets = self._targets(target, batch)
        with uncertainty_model(self.model, quantity, kind) as function:
            runner = ModelRunner(function, self.device, self._runner.memory_budget)
            with runner.reporting(progress):
                values, delta = spec.compute(runner, batch, targets, **resolved)
        return values, delta, targets

    def _output_kind(self, n_outputs: int) -> str:
        """How outputs are read: "classification", "regression" or "gaussian" (mean, log-variance)."""
        if self.task == "gaussian":
            check_gaussian_outputs(n_outputs)
            return "gaussian"
        return (
            "regression" if self.task == "regression" or (self.task == "auto" and n_outputs == 1) else "classification"
        )

    def _targets(self, target: Any, batch: torch.Tensor) -> torch.Tensor:
        if self.task == "gaussian":
            check_gaussian_outputs(self._runner.n_outputs(batch.shape[1:]))
            if target is None:  # the mean
                return torch.zeros(batch.shape[0], dtype=torch.long, device=self.device)
        if target is None:
            # One direct pass (not the runner's shape probe first), so a wrong input shape is
            # reported as the user's batch.
            with torch.no_grad():
                return self._runner.forward(batch).argmax(dim=1)
        n_outputs = self._runner.n_outputs(batch.shape[1:])
        return as_target_batch(target, batch.shape[0], n_outputs, self.device)

    def is_regression(self, outputs: torch.Tensor) -> bool:
        """Whether ``outputs`` (N, outputs) are read as regression values rather than class logits:
        ``task="regression"`` or ``"gaussian"``, or ``"auto"`` with a single output (what ``predict``
        goes by)."""
        return self.task in ("regression", "gaussian") or (self.task == "auto" and outputs.shape[1] == 1)

    def __repr__(self) -> str:
        return f"Explainer({type(self.model).__name__}, device={self.device})"
