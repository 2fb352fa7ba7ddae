"""Row-wise similarity of two batches of maps (N, features), in torch on their device, as Quantus's
similarity functions compute them: Spearman (scipy's average ranks for ties), Pearson, and SSIM
(scikit-image's defaults on the flattened maps)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..core.errors import ParameterError

SIMILARITIES = ("spearman", "pearson", "ssim")
# scikit-image's structural_similarity defaults: a 7-wide uniform window, K1, K2, sample covariance.
_SSIM_WINDOW = 7
_SSIM_K1, _SSIM_K2 = 0.01, 0.03


def similarity(a: torch.Tensor, b: torch.Tensor, kind: str) -> torch.Tensor:
    """Similarity of each row of ``a`` with the same row of ``b`` (float64, (N,)); NaN where a row
    is constant, as scipy gives."""
    a, b = a.flatten(1).double(), b.flatten(1).double()
    if kind == "spearman":
        return pearson(average_ranks(a), average_ranks(b))
    if kind == "pearson":
        return pearson(a, b)
    if kind == "ssim":
        return ssim(a, b)
    raise ParameterError(f"unknown similarity {kind!r}; use one of {SIMILARITIES}")


def pearson(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a = a - a.mean(dim=1, keepdim=True)
    b = b - b.mean(dim=1, keepdim=True)
    return (a * b).sum(dim=1) / torch.sqrt((a * a).sum(dim=1) * (b * b).sum(dim=1))


def average_ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks 1..F of each row, equal values sharing the mean of their ranks (scipy's rankdata)."""
    n_rows, n = values.shape
    ordered, order = torch.sort(values, dim=1)
    # Runs of equal values: a new run starts where the sorted value changes.
    starts = torch.ones_like(ordered, dtype=torch.bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run = torch.cumsum(starts, dim=1) - 1 + (torch.arange(n_rows, device=values.device) * n)[:, None]
    positions = torch.arange(1, n + 1, device=values.device, dtype=torch.float64).expand(n_rows, n)
    totals = torch.zeros(n_rows * n, device=values.device, dtype=torch.float64).index_add_(
        0, run.flatten(), positions.flatten()
    )
    sizes = torch.zeros(n_rows * n, device=values.device, dtype=torch.float64).index_add_(
        0, run.flatten(), torch.ones(n_rows * n, device=values.device, dtype=torch.float64)
    )
    mean_rank = (totals / sizes.clamp(min=1))[run]
    return torch.empty_like(mean_rank).scatter_(1, order, mean_rank)


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean structural similarity of each pair of rows, as ``skimage.metrics.structural_similarity``
    with its defaults and ``data_range`` the pair's joint max - min (what Quantus passes)."""
    if a.shape[1] < _SSIM_WINDOW:
        raise ParameterError(f"ssim needs maps of at least {_SSIM_WINDOW} features, got {a.shape[1]}")
    data_range = torch.maximum(a.amax(dim=1), b.amax(dim=1)) - torch.minimum(a.amin(dim=1), b.amin(dim=1))

    def window_mean(v: torch.Tensor) -> torch.Tensor:
        # The windows wholly inside the row: scikit-image crops the rest away.
        return F.avg_pool1d(v[:, None], _SSIM_WINDOW, stride=1)[:, 0]

    covariance = _SSIM_WINDOW / (_SSIM_WINDOW - 1)
    ux, uy = window_mean(a), window_mean(b)
    vx = covariance * (window_mean(a * a) - ux * ux)
    vy = covariance * (window_mean(b * b) - uy * uy)
    vxy = covariance * (window_mean(a * b) - ux * uy)
    c1 = ((_SSIM_K1 * data_range) ** 2)[:, None]
    c2 = ((_SSIM_K2 * data_range) ** 2)[:, None]
    s = (2 * ux * uy + c1) * (2 * vxy + c2) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    return s.mean(dim=1)
