"""Many perturbed copies of a batch through the explainer's model or its attribution method, in as
few passes as its memory budget allows, each copy built only when its pass runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from ..core.errors import InputError
from ..core.model_guard import preserved
from ..core.progress import Progress, stage

if TYPE_CHECKING:
    from ..core.explainer import Explainer

# make(start, stop): the copies start..stop of every sample, as one batch (copies * N, ...).
MakeCopies = Callable[[int, int], torch.Tensor]


def copy_outputs(
    explainer: Explainer,
    n_copies: int,
    n_samples: int,
    sample_shape: torch.Size,
    make: MakeCopies,
    progress: Progress | None,
) -> torch.Tensor:
    """The model's outputs (copies, N, outputs) for every copy, without gradients.

    On the CPU, image copies are laid out channels-last: oneDNN runs convolutions on them several
    times faster (2.7x on the shapes CNN) with the same values up to rounding. A model whose own
    code needs contiguous memory (``x.view`` of a feature map) raises on them, and then gets the
    copies contiguous.
    """
    parts: list[torch.Tensor] = []
    layout = copy_layout(explainer, sample_shape)
    # The explainer's own runner, lock and model guard: these passes are the explainer's work.
    runner = explainer._runner
    with explainer._lock, preserved(explainer.model, explainer.eval_mode), runner.reporting(progress):

        def work(start: int, stop: int) -> None:
            nonlocal layout
            copies = make(start, stop)
            with torch.no_grad():
                if layout is None:
                    out = runner.forward(copies.contiguous())  # copies may come built channels-last
                else:
                    try:
                        out = runner.forward(copies.contiguous(memory_format=layout))
                    except InputError:
                        layout = None
                        out = runner.forward(copies.contiguous())
            parts.append(out.view(stop - start, n_samples, -1))

        runner.chunks(n_copies, sample_shape, backward=False, work=work, unit=n_samples)
    return torch.cat(parts)


def copy_layout(explainer: Explainer, sample_shape: torch.Size) -> torch.memory_format | None:
    """The memory layout :func:`copy_outputs` runs copies of ``sample_shape`` in (None: as given)."""
    return torch.channels_last if explainer.device.type == "cpu" and len(sample_shape) == 3 else None


def copy_attributions(
    explainer: Explainer,
    n_copies: int,
    n_samples: int,
    sample_shape: torch.Size,
    make: MakeCopies,
    method: str,
    target: torch.Tensor,
    params: dict[str, Any],
    use: Callable[[int, int, torch.Tensor], None],
    progress: Progress | None,
) -> None:
    """Attribute every copy to ``method`` for the samples' ``target``s, a memory budget's worth of
    copies per call; ``use(start, stop, maps)`` receives each part's maps (copies, N, ...) on the
    explainer's device, so only one part is held at a time."""
    per_call = max(1, explainer._runner.chunk_size(sample_shape, backward=True) // n_samples)
    # As many calls as the budget needs, of even size: 20 copies at 18 a call run as 10 + 10, not 18 + 2.
    per_call = -(-n_copies // -(-n_copies // per_call))
    targets = target.repeat(per_call)
    for start in range(0, n_copies, per_call):
        stop = min(n_copies, start + per_call)
        done = stage(progress, start / n_copies, stop / n_copies)
        maps = explainer.attribute(
            make(start, stop), method, targets[: (stop - start) * n_samples], progress=done, **params
        ).values
        use(start, stop, maps.to(explainer.device).view(stop - start, n_samples, *maps.shape[1:]))
