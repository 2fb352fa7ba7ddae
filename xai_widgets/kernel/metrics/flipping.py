"""The perturbed copies of a faithfulness curve (pixel flipping, deletion, insertion), built step by
step: copy k is copy k - 1 with the features ranked in [counts[k - 1], counts[k]) changed. Each copy
then costs one memory copy and a scatter of the step's few features, where comparing every feature's
rank with every step's count cost several times more (the 193 copies of one shapes image: 1.6 ms
against 14 ms, beside about 60 ms of model passes; of 8 images 16 ms against 70-130 ms)."""

from __future__ import annotations

import torch

from .similarity import sort_packed


class StepCopies:
    """The copies of a batch x (N, ...) along a curve, for ``copy_outputs``'s ``make``.

    ``ranks`` (N, ...) is each feature's position in the order (broadcastable to x: a one-channel
    map moves whole pixels); an element of copy k takes ``changed`` (broadcastable to x) where its
    feature's rank is below ``counts[k]``, else ``kept``. ``channels_last`` builds image copies
    in that memory layout, which the CPU's convolutions run fastest on, so they need no conversion.
    """

    def __init__(
        self,
        ranks: torch.Tensor,
        changed: torch.Tensor,
        kept: torch.Tensor,
        counts: torch.Tensor,
        channels_last: bool,
    ) -> None:
        shape = torch.broadcast_shapes(ranks.shape, changed.shape, kept.shape)
        n = shape[0]
        # Work on the elements in the order of the copies' memory: (N, H, W, C) for channels-last.
        self._perm = (0, 2, 3, 1) if channels_last and len(shape) == 4 else tuple(range(len(shape)))
        self._shape = tuple(shape[i] for i in self._perm)
        dtype = torch.result_type(changed, kept)
        self._ranks = self._working(ranks.expand(shape))
        self._changed = self._working(changed.to(dtype).expand(shape))
        self._kept = self._working(kept.to(dtype).expand(shape))
        # Each feature covers the same number of elements (its broadcast copies), so in the order
        # below the elements of rank r take positions r * per .. (r + 1) * per - 1.
        self._per = self._ranks.shape[1] // ranks[0].numel()
        index = torch.arange(self._ranks.shape[1], device=ranks.device)
        # The elements by rank: (rank << 32 | element) sorted, its low half the element.
        self._order = sort_packed((self._ranks << 32) | index) & 0xFFFFFFFF
        self._changed_in_order = self._changed.gather(1, self._order)
        self._counts = [int(c) for c in counts.tolist()]
        self._n = n

    def _working(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor.permute(self._perm).reshape(self._shape[0], -1)

    def __call__(self, start: int, stop: int) -> torch.Tensor:
        """Copies start..stop of every sample, as one batch (copies * N, ...) shaped like x."""
        k_count, counts, per = stop - start, self._counts, self._per
        out = torch.empty((k_count, *self._ranks.shape), dtype=self._kept.dtype, device=self._kept.device)
        copies = out.unbind(0)
        torch.where(self._ranks < counts[start], self._changed, self._kept, out=copies[0])
        order, values = self._order, self._changed_in_order
        for k in range(1, k_count):
            copies[k].copy_(copies[k - 1])
            begin, end = counts[start + k - 1] * per, counts[start + k] * per
            if end > begin:
                copies[k].scatter_(1, order[:, begin:end], values[:, begin:end])
        inverse = [self._perm.index(axis) for axis in range(len(self._perm))]
        return out.view(k_count * self._n, *self._shape[1:]).permute(inverse)
