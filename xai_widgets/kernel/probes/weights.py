"""Reading a model's learned weights: a linear model's weight per input feature, the largest by
absolute value, strongly correlated feature pairs (which can split a weight), any parameterised
layer's weight array, and a layer's weights arranged to draw (a matrix or kernel tiles, reordered)."""

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


def layer_weights(model: nn.Module, layer: Any, parameter: str = "weight") -> np.ndarray:
    """A layer's weights as a float32 numpy copy: a Linear layer's (out, in) matrix, a Conv
    layer's (out, in, *kernel) kernels, or the ``parameter`` of any other layer that holds
    parameters (a BatchNorm's (C,) scale, an Embedding's (num, dim) table, an attention layer's
    ``in_proj_weight``); ``layer`` is a submodule of ``model`` or its dotted name."""
    name, module = resolve_layer(model, layer)
    own = dict(module.named_parameters(recurse=False))
    if not own:
        weighted = weighted_layer_names(model)
        raise ExplainerError(
            f"layer {name!r} is a {type(module).__name__}, which holds no weights; layer_weights reads a layer "
            f"with parameters: {weighted[:12]}{' ...' * (len(weighted) > 12)}"
        )
    if parameter not in own:
        raise ExplainerError(
            f"layer {name!r} ({type(module).__name__}) has no parameter {parameter!r}; its parameters are {list(own)}"
        )
    return own[parameter].detach().to("cpu", torch.float32).numpy().copy()


def weighted_layer_names(model: nn.Module) -> list[str]:
    """Dotted names of the layers that hold parameters of their own, in registration order."""
    return [name for name, module in model.named_modules() if name and next(module.parameters(False), None) is not None]


@dataclass(frozen=True)
class LayerWeightView:
    """One layer's weights arranged to draw (see :func:`layer_weight_view`).

    kind: "matrix" (a Linear's or any 2-D weight: ``matrix`` is it, (out, in)), "tiles" (Conv
    kernels: ``tiles`` is (out, in, height, width), the kernel of each output and input channel;
    Conv1d kernels are one row high, Conv3d ones show their middle depth slice; ``matrix`` is each
    kernel's L2 norm, (out, in)) or "vector" (a 1-D weight such as BatchNorm's scale, as one row).
    row_order, column_order: the original index of each shown row (output) and column (input);
    ``matrix`` and ``tiles`` are already reordered by them. bias: the bias, reordered like the
    rows, or None.
    """

    layer: str
    layer_type: str
    kind: str
    matrix: np.ndarray
    tiles: np.ndarray | None
    row_order: np.ndarray
    column_order: np.ndarray
    bias: np.ndarray | None
    order: str | None


WEIGHT_ORDERS = ("norm", "cluster")


def layer_weight_view(
    model: nn.Module, layer: Any, order: str | None = None, parameter: str = "weight"
) -> LayerWeightView:
    """A layer's weights as a heat map (a Linear's matrix), kernel tiles (a Conv's) or a row.

    ``order`` reorders rows (outputs) and columns (inputs) so structure shows: None keeps the
    layer's order; "norm" sorts each by its weights' L2 norm, largest first (the units that
    matter most on top and left); "cluster" places similar rows (and columns) together, the leaf
    order of a Ward hierarchical clustering of their weight vectors (scipy, with optimal leaf
    ordering). Conv layers are ordered by whole kernels (rows: output channels, columns: input
    channels).
    """
    if order is not None and order not in WEIGHT_ORDERS:
        raise ExplainerError(f"order must be None or one of {WEIGHT_ORDERS}, got {order!r}")
    name, module = resolve_layer(model, layer)
    weights = layer_weights(model, layer, parameter).astype(np.float32)
    bias_param = getattr(module, "bias", None)
    bias = bias_param.detach().to("cpu", torch.float32).numpy().copy() if isinstance(bias_param, torch.Tensor) else None
    if weights.ndim == 1:
        columns = _order(weights[:, None], order)
        return LayerWeightView(
            name,
            type(module).__name__,
            "vector",
            weights[None, columns],
            None,
            np.zeros(1, dtype=np.int64),
            columns,
            bias,
            order,
        )
    if weights.ndim > 2 and isinstance(module, _WEIGHTED_TYPES):
        if weights.ndim == 3:
            weights = weights[:, :, None, :]
        elif weights.ndim == 5:
            weights = weights[:, :, weights.shape[2] // 2]
    n_out, n_in = weights.shape[:2]
    rows = _order(weights.reshape(n_out, -1), order)
    columns = _order(weights.swapaxes(0, 1).reshape(n_in, -1), order)
    weights = weights[rows][:, columns]
    tiled = weights.ndim == 4
    matrix = (
        np.sqrt((weights.reshape(n_out, n_in, -1) ** 2).sum(-1)) if tiled else weights.reshape(n_out, n_in, -1)[..., 0]
    )
    if not tiled and weights.ndim != 2:
        matrix = weights.reshape(n_out, -1)
        columns = np.arange(matrix.shape[1])
    return LayerWeightView(
        name,
        type(module).__name__,
        "tiles" if tiled else "matrix",
        matrix.astype(np.float32),
        weights if tiled else None,
        rows,
        columns,
        None if bias is None or bias.shape[0] != n_out else bias[rows],
        order,
    )


def _order(vectors: np.ndarray, order: str | None) -> np.ndarray:
    """The order of the rows of ``vectors`` (n, d) that ``order`` asks for, as original indices."""
    n = vectors.shape[0]
    if order is None or n < 2:
        return np.arange(n)
    if order == "norm":
        return np.argsort(-np.linalg.norm(vectors, axis=1), kind="stable")
    from scipy.cluster.hierarchy import leaves_list, linkage  # lazily: only clustering needs scipy

    return leaves_list(linkage(vectors.astype(np.float64), method="ward", optimal_ordering=True)).astype(np.int64)


def _feature_names(feature_names: Sequence[str] | None, n_features: int) -> list[str]:
    if feature_names is None:
        return [f"x{i}" for i in range(n_features)]
    names = [str(name) for name in feature_names]
    if len(names) != n_features:
        raise InputError(f"{len(names)} feature names for {n_features} input features")
    return names
