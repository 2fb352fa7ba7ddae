"""Input sweeps for tabular models: ICE, partial dependence and sensitivity along one feature.

Each sweep substitutes a grid of values into one feature and reads the model's raw target output
(logit, or the regression output), so the sensitivity is the derivative of the plotted curve.
Every function builds the whole grid as one batch: the explainer chunks it by its memory budget.
"""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np
import torch

from ..core.errors import InputError, ParameterError
from ..core.explainer import Explainer
from ..core.progress import Progress
from ..core.validation import as_target_batch


def ice(
    explainer: Explainer,
    x: Any,
    feature: int,
    values: Any,
    target: int | None = None,
    *,
    progress: Progress | None = None,
) -> torch.Tensor:
    """Individual conditional expectation: the target output of sample ``x`` with ``feature``
    set to each of ``values``, in one batched forward pass.

    Args:
        explainer: the bound model (it takes (N, F) inputs).
        x: one sample, shaped (F,) or (1, F).
        feature: column index of the swept feature.
        values: 1-D grid of values to substitute (tensor, array or sequence).
        target: output index; ``None`` means the class predicted for ``x`` (0 for one output).
        progress: called with the fraction done after each batched pass; raising from it stops
            the sweep.

    Returns:
        float32 CPU tensor (len(values),).
    """
    sample = _as_sample(x)
    grid = _as_grid(values)
    _check_feature(feature, sample.shape[1])
    target = _sample_target(explainer, sample, target)
    batch = _substitute(sample, feature, grid)
    return _pick(explainer.outputs(batch, progress=progress), target)


@overload
def partial_dependence(
    explainer: Explainer,
    X: Any,
    feature: int,
    values: Any,
    target: int | None = None,
    return_ice: Literal[False] = False,
    *,
    progress: Progress | None = None,
) -> torch.Tensor: ...
@overload
def partial_dependence(
    explainer: Explainer,
    X: Any,
    feature: int,
    values: Any,
    target: int | None = None,
    *,
    return_ice: Literal[True],
    progress: Progress | None = None,
) -> tuple[torch.Tensor, torch.Tensor]: ...
def partial_dependence(
    explainer: Explainer,
    X: Any,
    feature: int,
    values: Any,
    target: int | None = None,
    return_ice: bool = False,
    *,
    progress: Progress | None = None,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Partial dependence: the mean over the data set ``X`` of the ICE curves of ``feature``.

    All ``len(values) * N`` substituted inputs go through ``explainer.outputs`` as one batch,
    which runs them in as few memory-budgeted passes as it can.

    Args:
        X: the data set, (N, F).
        target: output index; ``None`` means 0 for a single-output model, else the class the
            model predicts most often on ``X``.
        return_ice: also return the per-sample curves.
        progress: called with the fraction done after each batched pass over the grid; raising
            from it stops the sweep.

    Returns:
        float32 CPU tensor (len(values),); with ``return_ice``, also the ICE curves (N, len(values)).
    """
    data = _as_data(X)
    grid = _as_grid(values)
    _check_feature(feature, data.shape[1])
    if target is None:
        outputs = explainer.outputs(data)
        target = 0 if outputs.shape[1] == 1 else int(outputs.argmax(1).mode().values)
    # Rows ordered (value, sample): the value-major layout keeps each substituted copy contiguous.
    batch = data.repeat(len(grid), 1)
    batch[:, feature] = grid.repeat_interleave(data.shape[0])
    curves = _pick(explainer.outputs(batch, progress=progress), target).reshape(len(grid), data.shape[0]).T.contiguous()
    mean = curves.mean(0)
    return (mean, curves) if return_ice else mean


def sensitivity(
    explainer: Explainer,
    x: Any,
    feature: int,
    values: Any,
    target: int | None = None,
    *,
    progress: Progress | None = None,
) -> torch.Tensor:
    """d(target output) / d(feature) of sample ``x`` with ``feature`` set to each of ``values``:
    the slope of the ICE curve, from the input gradients of one batched backward pass.

    Arguments as for :func:`ice`. Returns a float32 CPU tensor (len(values),).
    """
    sample = _as_sample(x)
    grid = _as_grid(values)
    _check_feature(feature, sample.shape[1])
    target = _sample_target(explainer, sample, target)
    batch = _substitute(sample, feature, grid)
    gradients = explainer.attribute(batch, "gradient", target=target, progress=progress).values
    return gradients[:, feature].contiguous()


def with_feature(x: Any, feature: int, value: float) -> torch.Tensor:
    """Sample ``x`` (as a (1, F) float32 tensor) with ``feature`` set to ``value``: the point a
    sweep's cursor stands on."""
    sample = _as_sample(x)
    _check_feature(feature, sample.shape[1])
    return _substitute(sample, feature, _as_grid([value]))


def feature_grid(X: Any, feature: int, n_values: int = 50) -> torch.Tensor:
    """``n_values`` evenly spaced values from the smallest to the largest value of ``feature`` in ``X``."""
    data = _as_data(X)
    _check_feature(feature, data.shape[1])
    if isinstance(n_values, bool) or not isinstance(n_values, (int, np.integer)) or n_values < 2:
        raise ParameterError(f"n_values must be an int of at least 2, got {n_values!r}")
    column = data[:, feature]
    return torch.linspace(float(column.min()), float(column.max()), int(n_values))


# ---- checks ---------------------------------------------------------------------------------
def _as_tensor(x: Any, what: str) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise InputError(f"{what} must be a torch.Tensor or numpy array, got {type(x).__name__}")
    if not x.is_floating_point():
        raise InputError(f"{what} must be floating point, got {x.dtype}; convert with .float()")
    if not torch.isfinite(x).all():
        raise InputError(f"{what} contains NaN or inf values; clean or impute them first")
    return x.detach().float().cpu()


def _as_sample(x: Any) -> torch.Tensor:
    sample = _as_tensor(x, "the sample")
    if sample.ndim == 1:
        sample = sample[None]
    if sample.ndim != 2 or sample.shape[0] != 1:
        raise InputError(
            f"a sweep takes one tabular sample shaped (F,) or (1, F), got shape {tuple(sample.shape)}; "
            "pick one row, e.g. X[i]"
        )
    return sample


def _as_data(X: Any) -> torch.Tensor:
    data = _as_tensor(X, "the data set")
    if data.ndim != 2 or data.shape[0] == 0:
        raise InputError(f"the data set must be a non-empty (N, F) table, got shape {tuple(data.shape)}")
    return data


def _as_grid(values: Any) -> torch.Tensor:
    try:
        grid = torch.as_tensor(np.asarray(values, dtype=np.float32))
    except (TypeError, ValueError) as error:
        raise ParameterError(f"values must be a 1-D sequence of numbers, got {values!r}") from error
    if grid.ndim != 1 or grid.numel() == 0:
        raise ParameterError(f"values must be a non-empty 1-D sequence of numbers, got shape {tuple(grid.shape)}")
    if not torch.isfinite(grid).all():
        raise ParameterError("values contain NaN or inf; sweep over finite numbers")
    return grid


def _check_feature(feature: Any, n_features: int) -> None:
    if isinstance(feature, bool) or not isinstance(feature, (int, np.integer)):
        raise ParameterError(f"feature must be a column index (int), got {feature!r}; map names to indices first")
    if not 0 <= feature < n_features:
        raise ParameterError(
            f"feature {feature} is out of range: the data has {n_features} features, 0..{n_features - 1}"
        )


def _sample_target(explainer: Explainer, sample: torch.Tensor, target: Any) -> Any:
    """``None`` picks the class predicted for the unmodified sample, so the whole curve follows
    one output; any other target is checked where it is used."""
    return int(explainer.outputs(sample)[0].argmax()) if target is None else target


def _substitute(sample: torch.Tensor, feature: int, grid: torch.Tensor) -> torch.Tensor:
    batch = sample.repeat(len(grid), 1)
    batch[:, feature] = grid
    return batch


def _pick(outputs: torch.Tensor, target: Any) -> torch.Tensor:
    """The column of one target output (checked like every kernel target)."""
    (index,) = as_target_batch(target, 1, outputs.shape[1], outputs.device).tolist()
    return outputs[:, index].contiguous()
