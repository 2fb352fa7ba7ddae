"""Peak memory of a block: CUDA's allocator peak on a GPU, sampled resident memory on the CPU."""

from __future__ import annotations

import ctypes
import os
import threading
import time

import torch

_PAGE = os.sysconf("SC_PAGE_SIZE")
try:
    _LIBC = ctypes.CDLL("libc.so.6")
except OSError:  # not glibc: resident memory then only shows new highs
    _LIBC = None


def _release_freed_memory() -> None:
    """Hand freed heap pages back to the OS, so a later peak is measured from a low start."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


class PeakMemory:
    """Context manager; ``.peak_mb`` is the rise over the starting level (CPU: sampled every 2 ms)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.peak_mb = 0.0

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._start = torch.cuda.memory_allocated(self.device)
        else:
            _release_freed_memory()
            self._start = _rss_bytes()
            self._peak = self._start
            self._running = True
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while self._running:
            self._peak = max(self._peak, _rss_bytes())
            time.sleep(0.002)

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device)
        else:
            self._running = False
            self._thread.join()
            peak = max(self._peak, _rss_bytes())
        self.peak_mb = max(0.0, (peak - self._start) / 2**20)
