"""The step-by-step copies of a faithfulness curve equal the direct construction (every feature's
rank compared with every step's count), in either layout, for pixel and element maps, any chunk."""

import pytest
import torch

from xai_widgets.kernel.metrics.flipping import StepCopies
from xai_widgets.kernel.metrics.maps import feature_ranks

GENERATOR = torch.Generator().manual_seed(3)


def direct(ranks, changed, kept, counts, start, stop):
    lead = (-1, *([1] * ranks.ndim))
    return torch.where(ranks[None] < counts[start:stop].view(lead), changed, kept).flatten(0, 1)


@pytest.mark.parametrize("map_shape", [(2, 1, 6, 5), (2, 3, 6, 5)])
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("chunk", [1, 4, 100])
def test_step_copies_equal_the_direct_construction(map_shape, channels_last, chunk):
    x = torch.rand(2, 3, 6, 5, generator=GENERATOR)
    fill = torch.rand(2, 3, 6, 5, generator=GENERATOR)  # a per-element baseline, as "blur"
    ranks = feature_ranks(torch.rand(map_shape, generator=GENERATOR).round(decimals=1))  # with ties
    n_features = ranks[0].numel()
    counts = torch.tensor([0, 1, 1, 7, n_features // 2, n_features - 1, n_features])
    for changed, kept in ((fill, x), (x, fill)):
        make = StepCopies(ranks, changed, kept, counts, channels_last)
        for start in range(0, len(counts), chunk):
            stop = min(len(counts), start + chunk)
            copies = make(start, stop)
            assert torch.equal(copies, direct(ranks, changed, kept, counts, start, stop))
            assert copies.is_contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)


def test_step_copies_of_tabular_rows_with_a_scalar_baseline():
    x = torch.rand(3, 9, generator=GENERATOR, dtype=torch.float64)
    fill = torch.zeros(()).expand_as(x)
    ranks = feature_ranks(torch.rand(3, 9, generator=GENERATOR))
    counts = torch.arange(10)
    make = StepCopies(ranks, fill, x, counts, channels_last=False)
    assert torch.equal(make(0, 10), direct(ranks, fill, x, counts, 0, 10))
