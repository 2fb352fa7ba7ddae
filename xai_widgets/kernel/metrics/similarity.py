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
    if kind not in SIMILARITIES:
        raise ParameterError(f"unknown similarity {kind!r}; use one of {SIMILARITIES}")
    a, b = a.flatten(1), b.flatten(1)
    if kind == "spearman":
        return pearson(average_ranks(a), average_ranks(b))
    a, b = a.double(), b.double()
    return pearson(a, b) if kind == "pearson" else ssim(a, b)


def similarity_to(reference: torch.Tensor, others: torch.Tensor, kind: str) -> torch.Tensor:
    """Similarity (S, N) of each of ``others`` (S, N, ...) with ``reference`` (N, ...), row by row:
    as :func:`similarity` of ``reference`` repeated S times, but a rank correlation ranks the
    reference once and all of ``others`` in one batched sort."""
    if kind not in SIMILARITIES:
        raise ParameterError(f"unknown similarity {kind!r}; use one of {SIMILARITIES}")
    n_others, n = others.shape[0], reference.shape[0]
    reference, others = reference.flatten(1), others.reshape(n_others * n, -1)
    if kind == "spearman":
        reference, others = average_ranks(reference), average_ranks(others)
    else:
        reference, others = reference.double(), others.double()
    if kind == "ssim":
        return ssim(reference.repeat(n_others, 1), others).view(n_others, n)
    return pearson(reference[None], others.view(n_others, n, -1))


def pearson(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pearson correlation along the last dim of ``a`` and ``b`` (broadcast against each other)."""
    a = a - a.mean(dim=-1, keepdim=True)
    b = b - b.mean(dim=-1, keepdim=True)
    return (a * b).sum(dim=-1) / torch.sqrt((a * a).sum(dim=-1) * (b * b).sum(dim=-1))


def average_ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks 1..F of each row (float64), equal values sharing the mean of their ranks (scipy's
    rankdata); -0.0 equals 0.0. Rows must hold no NaN."""
    order, runs = sorted_runs(values)
    n_rows, n = order.shape
    # Run r covers sorted positions starts[r]..starts[r + 1] - 1: its mean rank (1-based) is
    # the mean of the first and the last position, plus one.
    starts = runs.flatten().nonzero().flatten()
    ends = torch.cat([starts[1:], starts.new_tensor([n_rows * n])])
    mean_rank = (starts % n).double() + (ends - starts + 1).double() / 2
    run = torch.cumsum(runs.flatten(), 0) - 1
    return torch.empty(n_rows, n, dtype=torch.float64, device=values.device).scatter_(
        1, order, mean_rank[run].view(n_rows, n)
    )


def sorted_runs(values: torch.Tensor, descending: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """The ascending (``descending``: descending) order of each row of ``values`` (R, F), equal
    values in index order (a stable sort), and a bool (R, F) True where a run of equal sorted
    values starts (every row's first position included).

    Float32 values, and float64 values that float32 holds exactly (maps computed in float32), are
    sorted as one int64 key per element, the value's order in the high 32 bits and its index in the
    low ones: a plain sort of those keys is a stable argsort, and on the CPU numpy sorts them with
    SIMD several times faster than torch argsorts (an evaluation ranks thousands of maps). Other
    values take torch's stable argsort.
    """
    values = values.detach()
    n = values.shape[1]
    narrow = values.float() if values.dtype == torch.float64 else values
    exact = values.dtype == torch.float32 or (values.dtype == torch.float64 and torch.equal(narrow.double(), values))
    if exact and n < 2**31:
        key = _float_order(narrow)
        if descending:
            key.bitwise_not_()  # -1 - key: still 32 bits wide, the order exactly reversed
        # In place where possible: a map batch is megabytes, and each new tensor costs page faults.
        packed = key.long()
        packed.bitwise_left_shift_(32).bitwise_or_(torch.arange(n, device=values.device, dtype=torch.int64))
        packed = sort_packed(packed)
        ordered = packed >> 32
        order = packed.bitwise_and_(0xFFFFFFFF)
    else:
        ordered, order = torch.sort(values + 0.0, dim=1, descending=descending, stable=True)
    runs = torch.ones(ordered.shape, dtype=torch.bool, device=values.device)
    runs[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    return order, runs


def sort_packed(keys: torch.Tensor) -> torch.Tensor:
    """Each row of the int64 ``keys`` (R, F) sorted ascending: numpy's SIMD sort on the CPU (in
    place when ``keys`` is contiguous, which it then returns), torch's elsewhere."""
    if keys.device.type == "cpu":
        keys = keys.contiguous()
        keys.numpy().sort(axis=1)
        return keys
    return torch.sort(keys, dim=1).values


def _float_order(values: torch.Tensor) -> torch.Tensor:
    """int32 keys ordered as the float32 ``values`` (no NaN), with -0.0 and 0.0 equal."""
    bits = (values + 0.0).contiguous().view(torch.int32)  # + 0.0 turns -0.0 into 0.0 (and copies)
    # Negative floats order backwards in their bits: flipping all but the sign bit fixes that.
    return bits.bitwise_xor_((bits >> 31).bitwise_and_(0x7FFFFFFF))


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
