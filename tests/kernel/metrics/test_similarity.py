"""The map similarities against scipy and scikit-image: Spearman with ties (average ranks), Pearson,
and SSIM with scikit-image's defaults on flattened maps."""

import numpy as np
import pytest
import torch
from scipy import stats
from skimage.metrics import structural_similarity

from xai_widgets.kernel.metrics.similarity import average_ranks, similarity

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
