"""The map similarities against scipy and scikit-image: Spearman with ties (average ranks), Pearson,
and SSIM with scikit-image's defaults on flattened maps."""

import numpy as np
import pytest
import torch
from scipy import stats
from skimage.metrics import structural_similarity

from xai_widgets.kernel.metrics.similarity import average_ranks, similarity, similarity_to

GENERATOR = torch.Generator().manual_seed(0)
# Rounded values and a run of zeros: plenty of ties, as ReLU'd maps have.
A = torch.relu(torch.randn(4, 300, generator=GENERATOR)).round(decimals=1).double()
B = (A + 0.3 * torch.randn(4, 300, generator=GENERATOR)).round(decimals=1).double()


def test_average_ranks_equal_scipys_rankdata_with_ties():
    np.testing.assert_array_equal(average_ranks(A).numpy(), stats.rankdata(A.numpy(), axis=1))


def test_spearman_and_pearson_equal_scipy_row_by_row():
    spearman = [stats.spearmanr(a, b)[0] for a, b in zip(A.numpy(), B.numpy(), strict=True)]
    pearson = [stats.pearsonr(a, b)[0] for a, b in zip(A.numpy(), B.numpy(), strict=True)]
    np.testing.assert_allclose(similarity(A, B, "spearman").numpy(), spearman, rtol=1e-12)
    np.testing.assert_allclose(similarity(A, B, "pearson").numpy(), pearson, rtol=1e-12)


def test_ssim_equals_scikit_image_on_each_flattened_pair():
    expected = [
        structural_similarity(a, b, data_range=float(max(a.max(), b.max()) - min(a.min(), b.min())))
        for a, b in zip(A.numpy(), B.numpy(), strict=True)
    ]
    np.testing.assert_allclose(similarity(A, B, "ssim").numpy(), expected, rtol=1e-10)


def test_a_constant_map_has_no_rank_correlation():
    constant = torch.ones(1, 10, dtype=torch.float64)
    assert torch.isnan(similarity(constant, B[:1, :10], "spearman")).all()


def test_ssim_needs_a_window_of_features():
    with pytest.raises(ValueError, match="at least 7 features"):
        similarity(A[:, :5], B[:, :5], "ssim")


@pytest.mark.parametrize("kind", ["spearman", "pearson", "ssim"])
def test_similarity_to_one_reference_equals_the_row_by_row_similarity(kind):
    others = torch.stack([B, A.flip(1), (A * 2).float().double()])  # (3 steps, 4 maps, 300)
    expected = torch.stack([similarity(A, other, kind) for other in others])
    torch.testing.assert_close(similarity_to(A, others, kind), expected, rtol=1e-12, atol=0)


def test_ranks_of_float32_maps_and_of_signed_zeros_equal_scipys():
    values = torch.tensor([[0.5, -0.0, 0.0, -1.5, 0.5, float("inf"), -0.0]])
    for dtype in (torch.float32, torch.float64):
        np.testing.assert_array_equal(average_ranks(values.to(dtype)).numpy(), stats.rankdata(values.numpy(), axis=1))
    precise = torch.tensor([[0.1, 0.1 + 1e-12, 0.1]], dtype=torch.float64)  # float32 cannot hold these apart
    np.testing.assert_array_equal(average_ranks(precise).numpy(), stats.rankdata(precise.numpy(), axis=1))
