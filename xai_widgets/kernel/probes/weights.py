"""Reading a model's learned weights: a linear model's weight per input feature, the largest by
absolute value, strongly correlated feature pairs (which can split a weight), and any Linear or
Conv layer's weight array."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..core.errors import ExplainerError, InputError
from ..core.layers import resolve_layer

_WEIGHTED_TYPES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


@dataclass(frozen=True)
class FeatureWeight:
    """The weight a linear model gives one input feature (``index``: its column in X)."""

    name: str
    index: int
    weight: float


def find_linear(model_or_layer: nn.Module) -> nn.Linear:
    """The one nn.Linear of a linear model: the module itself, or the only module of the model
    that holds weights (activations or dropout around it do not count)."""
    if isinstance(model_or_layer, nn.Linear):
        return model_or_layer
    if not isinstance(model_or_layer, nn.Module):
        raise ExplainerError(f"expected an nn.Module, got {type(model_or_layer).__name__}")
    weighted = [
        (name, module)
        for name, module in model_or_layer.named_modules()
        if any(True for _ in module.parameters(recurse=False))
    ]
    if len(weighted) == 1 and isinstance(weighted[0][1], nn.Linear):
        return weighted[0][1]
    kinds = [f"{name or 'model'}: {type(module).__name__}" for name, module in weighted]
    raise ExplainerError(
        "linear_weights reads a linear model (an nn.Linear, or a model whose only weighted layer "
        f"is one nn.Linear); this model has weighted layers {kinds}. For a deeper model pass "
        "layer='name' to read one layer's weights, or use an attribution method."
    )


def linear_weights(
    model_or_layer: nn.Module, feature_names: Sequence[str] | None = None, output: int = 0
) -> list[FeatureWeight]:
    """The weights of a linear model for output ``output``, one per input feature, sorted from
    the most positive to the most negative. With standardised inputs they are comparable."""
    linear = find_linear(model_or_layer)
    n_outputs, n_features = linear.weight.shape
    if not 0 <= output < n_outputs:
        raise ExplainerError(f"output {output} is out of range: the model has {n_outputs} output(s)")
    names = _feature_names(feature_names, n_features)
    row = linear.weight.detach()[output].to("cpu", torch.float64).numpy()
    order = np.argsort(-row, kind="stable")
    return [FeatureWeight(names[i], int(i), float(row[i])) for i in order]


def top_k_weights(
    model_or_layer: nn.Module, feature_names: Sequence[str] | None = None, k: int = 5, output: int = 0
) -> list[FeatureWeight]:
    """The ``k`` weights largest by absolute value, largest first."""
    if k < 1:
        raise ExplainerError(f"k must be at least 1, got {k}")
    weights = linear_weights(model_or_layer, feature_names, output)
    return sorted(weights, key=lambda fw: -abs(fw.weight))[:k]


def correlated_features(
    X: Any, feature_names: Sequence[str] | None = None, threshold: float = 0.9
) -> list[tuple[str, str, float]]:
    """Pairs of features whose Pearson correlation over the rows of ``X`` exceeds ``threshold``
    in absolute value, as ``(name_a, name_b, corr)``, strongest first. A linear model can split
    a weight between such features arbitrarily, so neither weight alone means much."""
    data = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
    if data.ndim != 2 or data.shape[0] < 2:
        raise InputError(f"X must be a (samples, features) array with at least 2 rows, got shape {data.shape}")
    names = _feature_names(feature_names, data.shape[1])
    data = data.astype(np.float64)
    centred = data - data.mean(0)
    norms = np.sqrt((centred**2).sum(0))
    # A constant column has no correlation with anything; dividing by 1 leaves its zeros.
    corr = (centred.T @ centred) / np.outer(np.where(norms > 0, norms, 1.0), np.where(norms > 0, norms, 1.0))
    rows, cols = np.triu_indices(data.shape[1], k=1)
    pairs = [
        (names[i], names[j], float(corr[i, j])) for i, j in zip(rows, cols, strict=True) if abs(corr[i, j]) > threshold
    ]
    return sorted(pairs, key=lambda pair: -abs(pair[2]))


def layer_weights(model: nn.Module, layer: Any) -> np.ndarray:
    """A Linear layer's (out, in) weight matrix or a Conv layer's (out, in, *kernel) kernels, as
    a float32 numpy copy; ``layer`` is a submodule of ``model`` or its dotted name."""
    name, module = resolve_layer(model, layer)
    if not isinstance(module, _WEIGHTED_TYPES):
        raise ExplainerError(
            f"layer {name!r} is a {type(module).__name__}; layer_weights reads nn.Linear or nn.Conv1d/2d/3d layers"
        )
    return module.weight.detach().to("cpu", torch.float32).numpy().copy()


def _feature_names(feature_names: Sequence[str] | None, n_features: int) -> list[str]:
    if feature_names is None:
        return [f"x{i}" for i in range(n_features)]
    names = [str(name) for name in feature_names]
    if len(names) != n_features:
        raise InputError(f"{len(names)} feature names for {n_features} input features")
    return names
