"""Runs the model on its device in memory-budgeted chunks: scores, gradients, layer hooks."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from .errors import ExplainerError, InputError, ModelOutputError, NotDifferentiableError
from .progress import Progress

# Activations kept for backward, their gradients and the autograd bookkeeping: about three
# times the forward's activation memory per sample.
_BACKWARD_FACTOR = 3.0
# On the CPU a pass is sized for speed within a memory cap. Measured here (AMD EPYC, 1 MiB L2
# per core, 32 MiB L3, one torch thread; the model's own passes, time per input against inputs
# per pass, best = 1.00):
# - the JUND CNN (54 KB of activations per input): forward 1.00 at 64-128 inputs, 1.24 at 256,
#   3.4 at 1024; its 303 mutants ran 2.1 times slower in one pass than in passes of 64-101 (the
#   tensors leave the caches and glibc maps and unmaps them on every pass: page faults);
# - the shapes CNN at 64 px (0.7 MB): backward 1.09 at 8, 1.03 at 16, 1.00 at 32, 1.52 at 256;
# - the ResNet-style net at 224 px (4.9 MB): 1.3-1.5 at 1, 1.00 at 8, 1.02-1.07 at 16, 1.22 at
#   32 (backward): per-pass overhead and small matrix products want a few inputs per pass;
# - VGG-11 (507 MB of weights) re-reads its classifier's weights every pass: Grad-CAM at batch 8
#   took 1.19 of Captum's time in 4 passes, 0.94 in one.
# So a pass holds a few MB of activations, at least 32 inputs, at most 64 MB (or the weights'
# size, when they are larger), and never more than the memory budget allows.
# A call pays once more for memory the allocator has to fetch afresh: glibc hands large blocks
# back to the kernel when they are freed, and every page of the next pass's activations then
# faults in (zeroed) again, about 1 us a page. Passes kept small reuse the pages the pass before
# freed. Measured with `python -m benchmarks.pass_sizes` (2 threads, quiet machine; ms per call,
# minor page faults from getrusage): the shapes CNN's 50 integrated-gradients steps at batch 1 in
# passes of 16: 15.1-15.8 ms, 0-136 faults; of 32: 16.1-21.6 ms, 0.7-5.6k; of 64: 21-26 ms, 5-9k;
# at batch 16, 222-243 ms in passes of 16 to 64 alike. The ResNet-style net at 224 px, 20
# SmoothGrad copies: 55-56 ms in passes of 8 against 65-70 ms in passes of 16 to 64 (6-15k faults).
# So a backward pass holds at most 32 MiB of what backward keeps (the shapes CNN: 18 inputs),
# at least 8 inputs (the ResNet at 224 px).
_CPU_BACKWARD_PASS_BYTES = 32 * 1024**2
_CPU_MIN_BACKWARD_ITEMS = 8
_CPU_CACHE_PASS_BYTES = 4 * 1024**2
_CPU_MIN_PASS_ITEMS = 32
_CPU_MAX_PASS_BYTES = 64 * 1024**2
# What one pass may hold on the CPU unless the caller gives a memory budget.
_CPU_MEMORY_CAP_BYTES = 1024**3


class ModelRunner:
    """The model on one device, with helpers the methods share.

    Every pass over many inputs (integration steps, noise samples, occluded copies) goes through
    :meth:`chunks`, which sizes batches for speed within a memory budget (see
    ``_CPU_CACHE_PASS_BYTES``) and, on CUDA out-of-memory, halves the batch and retries.
    """

    def __init__(
        self,
        model: nn.Module,
        device: torch.device,
        memory_budget: int | None = None,
        call: Callable[[torch.Tensor], Any] | None = None,
    ) -> None:
        self.model = model
        # What a forward pass calls: the model, or a compiled forward of it (core/compilation.py);
        # hooks and layer lookups always use ``model``.
        self.call = model if call is None else call
        self.device = device
        self.memory_budget = memory_budget
        # Called with the fraction done after every chunk; it may raise to stop the work.
        self.progress: Progress | None = None
        self._item_bytes: dict[tuple, float] = {}
        self._n_outputs: dict[tuple, int] = {}
        self._weight_bytes = 0.0  # parameters and buffers, counted at the first probe

    # ---- forward --------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The model's outputs for ``x`` as (N, outputs)."""
        try:
            out = self.call(x)
        except (torch.cuda.OutOfMemoryError, ExplainerError):
            raise  # a method's own hooks speak for themselves
        except (RuntimeError, ValueError, TypeError, IndexError) as error:
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            if "D input" in message:
                message += " (one sample needs the batch dim: x.unsqueeze(0))"
            raise InputError(
                f"the model raised {type(error).__name__} on an input of shape {tuple(x.shape)}: "
                f"{message}; if the shape is wrong, pass a batch shaped like "
                "the model's training data"
            ) from error
        return as_output_matrix(out, x.shape[0])

    def scores(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The target output of each sample, shape (N,)."""
        return self.forward(x).gather(1, target[:, None]).squeeze(1)

    @contextlib.contextmanager
    def reporting(self, progress: Progress | None) -> Iterator[None]:
        """While active, :meth:`chunks` reports to ``progress`` after every chunk."""
        previous, self.progress = self.progress, progress
        try:
            yield
        finally:
            self.progress = previous

    def batched_outputs(self, x: torch.Tensor, report: bool = False) -> torch.Tensor:
        """The outputs (N, outputs) for a whole batch without gradients, in memory-budgeted passes.

        ``report=True`` when these passes are the call's work rather than a side pass (end-point
        scores), so that they count in the progress callback.
        """
        parts: list[torch.Tensor] = []

        def work(start: int, stop: int) -> None:
            with torch.no_grad():
                parts.append(self.forward(x[start:stop]))

        self.chunks(x.shape[0], x.shape[1:], backward=False, work=work, report=report)
        return torch.cat(parts)

    def batched_scores(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The target output of each sample (N,) for a whole batch without gradients."""
        return self.batched_outputs(x).gather(1, target[:, None]).squeeze(1)

    def gradients(self, x: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Gradient of each sample's target output with respect to its input, and the outputs."""
        x = x.detach().requires_grad_(True)
        with torch.enable_grad():
            scores = self.scores(x, target)
            if not scores.requires_grad:
                raise NotDifferentiableError(
                    "the model's output does not depend differentiably on its input (no autograd path "
                    "from input to output, e.g. a detach(), argmax or integer step inside the model); "
                    "gradient methods cannot explain it: use a perturbation method such as 'occlusion'"
                )
            (grad,) = torch.autograd.grad(scores.sum(), x, allow_unused=True)
        if grad is None:
            raise NotDifferentiableError(
                "the model's output is not connected to its input in the autograd graph; "
                "use a perturbation method such as 'occlusion'"
            )
        return grad, scores.detach()

    def input_gradients(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-sample input gradients of the target outputs for the user's batch: in one pass when
        the memory budget allows, as Captum runs it (the caches' pass size is for the copies a
        method makes: at 224 px, 16 images in passes of 8 took 1.08 of one pass), else in chunks."""
        if self.device.type == "cpu" and self.memory_fit(x.shape[1:], backward=True) >= x.shape[0]:
            # One pass (CPU: no out-of-memory retry to prepare for): no copy into a preallocated result.
            grads = self.gradients(x, target)[0]
            if self.progress is not None:
                self.progress(1.0)
            return grads
        grads = torch.empty_like(x)

        def work(start: int, stop: int) -> None:
            grads[start:stop] = self.gradients(x[start:stop], target[start:stop])[0]

        self.chunks(x.shape[0], x.shape[1:], backward=True, work=work, users_batch=True)
        return grads

    # ---- batching --------------------------------------------------------------------------
    def chunk_size(self, sample_shape: torch.Size, backward: bool) -> int:
        """How many inputs of ``sample_shape`` one pass takes: within the memory budget and, on the
        CPU, as many as run fastest per input (see ``_CPU_CACHE_PASS_BYTES``)."""
        item_bytes = max(self._bytes_per_item(tuple(sample_shape)), 1.0)
        fits = self.memory_fit(sample_shape, backward)
        if self.device.type != "cpu":
            return fits
        fastest = max(_CPU_MIN_PASS_ITEMS, int(_CPU_CACHE_PASS_BYTES // item_bytes))
        fastest = min(fastest, int(max(_CPU_MAX_PASS_BYTES, self._weight_bytes) // item_bytes))
        if backward:
            kept = _CPU_BACKWARD_PASS_BYTES // (item_bytes * _BACKWARD_FACTOR)
            fastest = min(fastest, max(_CPU_MIN_BACKWARD_ITEMS, int(kept)))
        return max(1, min(fits, fastest))

    def memory_fit(self, sample_shape: torch.Size, backward: bool) -> int:
        """How many inputs of ``sample_shape`` one pass may hold within the memory budget."""
        held = max(self._bytes_per_item(tuple(sample_shape)), 1.0) * (_BACKWARD_FACTOR if backward else 1.0)
        return max(1, int(self._budget() // held))

    def chunks(
        self,
        n_items: int,
        sample_shape: torch.Size,
        backward: bool,
        work: Callable[[int, int], Any],
        unit: int = 1,
        report: bool = True,
        users_batch: bool = False,
    ) -> None:
        """Call ``work(start, stop)`` over ``range(n_items)`` in as few chunks as memory allows.

        Each item stands for ``unit`` model inputs of ``sample_shape`` (e.g. one occlusion
        window over a whole batch). ``work`` must only commit its results once it has computed
        them, so that a chunk that runs out of CUDA memory can be retried at half the size.
        ``report=False`` keeps side passes (end-point scores) out of the progress callback.
        ``users_batch=True``: the items are the user's samples, run whole when the memory budget
        allows, as Captum runs them (the caches' pass size is for the copies a method makes).
        """
        per_pass = self.memory_fit(sample_shape, backward) if users_batch else self.chunk_size(sample_shape, backward)
        size = min(n_items, max(1, per_pass // unit))
        start = 0
        while start < n_items:
            stop = start + _even_size(n_items - start, size)
            try:
                work(start, stop)
            except torch.cuda.OutOfMemoryError:
                if size == 1 or self.device.type != "cuda":
                    raise
                size = max(1, (stop - start) // 2)
                torch.cuda.empty_cache()
                continue
            start = stop
            if report and self.progress is not None:
                self.progress(start / n_items)

    def batch_slices(self, x: torch.Tensor, backward: bool) -> list[slice]:
        """Split a batch into slices that fit one pass each (usually a single slice).

        Methods that repeat each sample many times chunk over repetitions of a whole slice,
        so a batch too large for one pass is first cut here.
        """
        size = self.chunk_size(x.shape[1:], backward)
        slices, start = [], 0
        while start < x.shape[0]:
            stop = start + _even_size(x.shape[0] - start, size)
            slices.append(slice(start, stop))
            start = stop
        return slices

    def _budget(self) -> float:
        if self.memory_budget is not None:
            return float(self.memory_budget)
        if self.device.type == "cuda":
            free, _total = torch.cuda.mem_get_info(self.device)
            return 0.6 * free
        return float(_CPU_MEMORY_CAP_BYTES)

    def n_outputs(self, sample_shape: torch.Size) -> int:
        """How many outputs the model has for inputs of ``sample_shape`` (from one probe pass)."""
        self._bytes_per_item(tuple(sample_shape))
        return self._n_outputs[tuple(sample_shape)]

    def _bytes_per_item(self, sample_shape: tuple) -> float:
        """Activation bytes of one sample's forward pass, measured once per input shape."""
        if sample_shape not in self._item_bytes:
            seen: dict[int, int] = {}
            kept: list[torch.Tensor] = []

            def count(_module, _inputs, output):
                # In-place layers (ReLU(inplace=True), +=) return storage already counted; the
                # outputs are kept alive during the probe so no address is reused and merged.
                if isinstance(output, torch.Tensor):
                    kept.append(output)
                    storage = output.untyped_storage()
                    seen[storage.data_ptr()] = storage.nbytes()

            leaves = [m for m in self.model.modules() if not list(m.children())] or [self.model]
            handles = [m.register_forward_hook(count) for m in leaves]
            try:
                probe = torch.zeros((1, *sample_shape), device=self.device)
                with torch.no_grad():
                    self._n_outputs[sample_shape] = self.forward(probe).shape[1]
            finally:
                for handle in handles:
                    handle.remove()
            self._weight_bytes = float(
                sum(t.numel() * t.element_size() for t in (*self.model.parameters(), *self.model.buffers()))
            )
            input_bytes = 4 * math.prod(sample_shape)
            self._item_bytes[sample_shape] = float(sum(seen.values()) + 2 * input_bytes)
        return self._item_bytes[sample_shape]


def _even_size(n_items: int, size: int) -> int:
    """The next pass's size when ``n_items`` are left and a pass takes at most ``size``: as few passes
    as ``size`` allows, of sizes that differ by one at most. 303 items at most 100 a pass run as 76,
    76, 76, 75, not 100, 100, 100, 3 (a last pass of a few items costs a whole pass's overhead)."""
    n_passes = -(-n_items // max(1, size))
    return max(1, -(-n_items // n_passes)) if n_items > 0 else 1


def as_output_matrix(out: Any, n_samples: int) -> torch.Tensor:
    """Read a model's output as an (N, outputs) tensor, or say how to wrap the model."""
    if not isinstance(out, torch.Tensor) and isinstance(getattr(out, "logits", None), torch.Tensor):
        out = out.logits
    if not isinstance(out, torch.Tensor):
        raise ModelOutputError(
            f"the model returned {type(out).__name__}, not a tensor; wrap it so forward returns "
            "a tensor of shape (N, outputs)"
        )
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != n_samples:
        raise ModelOutputError(
            f"the model returned shape {tuple(out.shape)} for a batch of {n_samples}; the kernel explains "
            "outputs shaped (N, outputs): wrap the model to reduce other outputs (e.g. sum a segment's logits)"
        )
    return out
