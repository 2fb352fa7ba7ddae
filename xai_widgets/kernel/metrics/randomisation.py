"""Randomisation sanity checks (Adebayo et al., 2018; Sixt et al., 2020): a map that does not change
when the model's layers are randomised, or when another class is explained, ignores the model.

The user's model is never changed: the cascade (``cascade.py``) randomises a deep copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..core.errors import ModelOutputError, ParameterError
from ..core.explainer import Explainer
from ..core.progress import Progress
from ..core.registry import ParamSpec, get_method
from ..core.validation import as_input_batch, as_target_batch
from .cascade import randomised_maps
from .maps import prepared
from .registry import NORMALISATIONS, checked, metric
from .similarity import SIMILARITIES, similarity_to
from .similarity import similarity as compare_maps

_INPUTS = ("explainer", "x", "method", "target")


def _params(default_similarity: str, absolute: bool) -> list[ParamSpec]:
    return [
        ParamSpec("seed", "int", 42, "seed of the randomisation (Quantus's default 42)", minimum=0),
        ParamSpec("similarity", "choice", default_similarity, "how maps are compared", choices=SIMILARITIES),
        ParamSpec("absolute", "bool", absolute, "compare absolute values (Quantus's abs)"),
        ParamSpec("normalise", "choice", "sample", "divide maps by their largest value", choices=NORMALISATIONS),
    ]


@dataclass
class RandomisationResult:
    """The cascading model parameter randomisation of one method.

    ``layers``: the dotted names of the randomised layers, output layer first, in the order they
    were randomised. ``similarity`` (len(layers) + 1, N): row 0 the map of the intact model with
    itself (1.0), row i the similarity of the intact map with the map after randomising layers
    ``layers[:i]``. ``maps`` (len(layers) + 1, N, ...): the method's maps at each step (float32,
    CPU), for a slider over the cascade.
    """

    layers: list[str]
    similarity: torch.Tensor
    maps: torch.Tensor
    method: str
    target: torch.Tensor


def _mean_after_randomising(result: RandomisationResult) -> torch.Tensor:
    return result.similarity[1:].mean(dim=0)


@metric(
    "model_parameter_randomisation",
    "randomisation",
    _INPUTS,
    _params("spearman", True),
    higher_is_better=False,
    long=True,
    score=_mean_after_randomising,
)
def model_parameter_randomisation(
    explainer: Explainer,
    x: Any,
    method: str,
    target: Any = None,
    *,
    seed: int = 42,
    similarity: str = "spearman",
    absolute: bool = True,
    normalise: str = "sample",
    progress: Progress | None = None,
    **method_params: Any,
) -> RandomisationResult:
    """Model parameter randomisation (Adebayo et al., 2018), cascading from the output layer down:
    how similar the method's map stays as ever more layers get random weights. A map that stays
    similar does not explain the model (low is good; gradients and Grad-CAM pass, guided
    backpropagation fails).

    As Quantus 0.6's ``MPRT`` with its defaults: the layers are the modules with a
    ``reset_parameters`` method, randomised by it from ``torch.manual_seed(seed + 1)`` (the same
    seed for each layer, as Quantus); Spearman rank correlation of the absolute maps. The global
    random state is restored afterwards. ``normalise`` divides each map by its largest value
    (``"batch"``: by the batch's, Quantus's), which no rank correlation notices; ``similarity``
    may also be ``"pearson"`` or ``"ssim"``. ``method_params`` go to the method; ``progress`` is
    called after every batched pass and may raise to stop the check. ``.similarity[1:].mean(0)``
    is the score a table shows.
    """
    params = checked(
        "model_parameter_randomisation", seed=seed, similarity=similarity, absolute=absolute, normalise=normalise
    )
    get_method(method).resolve(method_params)  # an unknown method or parameter fails before any copy
    layers, maps = randomised_maps(explainer, x, {method: method_params}, target, params["seed"] + 1, progress)
    stacked, targets = maps[method]
    return _result(explainer, method, layers, stacked, targets, params)


def randomisation_cascade(
    explainer: Explainer,
    x: Any,
    methods: Sequence[str] | dict[str, dict[str, Any]],
    target: Any = None,
    *,
    seed: int = 42,
    similarity: str = "spearman",
    absolute: bool = True,
    normalise: str = "sample",
    progress: Progress | None = None,
) -> dict[str, RandomisationResult]:
    """:func:`model_parameter_randomisation` of several methods (names, or name -> parameters) in
    one walk down the cascade: at every step each method attributes on the same randomised copy of
    the model, so the copy and the randomisation of each layer are made once for all of them. Each
    result equals the function's for that method alone."""
    params = checked(
        "model_parameter_randomisation", seed=seed, similarity=similarity, absolute=absolute, normalise=normalise
    )
    if isinstance(methods, str):
        methods = [methods]
    chosen = dict(methods) if isinstance(methods, dict) else {name: {} for name in methods}
    if not chosen:
        raise ParameterError("randomisation_cascade needs at least one method")
    for name, method_params in chosen.items():
        get_method(name).resolve(method_params)
    layers, maps = randomised_maps(explainer, x, chosen, target, params["seed"] + 1, progress)
    return {
        name: _result(explainer, name, layers, stacked, targets, params) for name, (stacked, targets) in maps.items()
    }


def _result(
    explainer: Explainer,
    method: str,
    layers: list[str],
    stacked: torch.Tensor,
    targets: torch.Tensor,
    params: dict[str, Any],
) -> RandomisationResult:
    on_device = stacked.to(explainer.device)
    if params["similarity"] == "spearman":
        # Ranks do not change when a map is divided by its (positive) largest value, and float64
        # would only copy the float32 maps: rank them as they are, the intact ones once.
        compared = on_device.abs() if params["absolute"] else on_device
    else:
        compared = prepared(on_device.double(), params["absolute"], params["normalise"], lead=2)
    # Every step against the intact maps in one batched comparison.
    scores = similarity_to(compared[0], compared[1:], params["similarity"])
    ones = torch.ones(1, stacked.shape[1], dtype=torch.float64, device=scores.device)
    return RandomisationResult(
        layers=layers,
        similarity=torch.cat([ones, scores]).cpu(),
        maps=stacked,
        method=method,
        target=targets,
    )


@dataclass
class RandomLogitResult:
    """The random logit test: ``values`` (N,) the similarity of each sample's map for its target
    with its map for ``off_target`` (N,), another class; ``maps`` and ``off_maps`` the two maps."""

    values: torch.Tensor
    target: torch.Tensor
    off_target: torch.Tensor
    maps: torch.Tensor
    off_maps: torch.Tensor


def _values(result: RandomLogitResult) -> torch.Tensor:
    return result.values


@metric(
    "random_logit",
    "randomisation",
    _INPUTS,
    _params("ssim", False),
    higher_is_better=False,
    long=True,
    score=_values,
)
def random_logit(
    explainer: Explainer,
    x: Any,
    method: str,
    target: Any = None,
    *,
    seed: int = 42,
    similarity: str = "ssim",
    absolute: bool = False,
    normalise: str = "sample",
    off_target: Any = None,
    progress: Progress | None = None,
    **method_params: Any,
) -> RandomLogitResult:
    """Random logit (Sixt et al., 2020): how similar each sample's map is to its map for a random
    other class; a class-sensitive method scores low.

    As Quantus 0.6's ``RandomLogit`` with its defaults (SSIM of the flattened maps, no absolute
    values): the other class of sample i is the i-th draw of numpy's ``RandomState(seed)`` among
    the classes but its target, as Quantus draws it, so it depends on the sample's position in
    the batch; ``off_target`` (an int or one per sample) sets it instead. ``normalise`` divides
    each map by its largest value (``"batch"``: by the batch's maximum, Quantus's default).
    Both maps come from one batched attribution call.
    """
    params = checked("random_logit", seed=seed, similarity=similarity, absolute=absolute, normalise=normalise)
    get_method(method).resolve(method_params)
    x = as_input_batch(x, explainer.device)
    outputs = explainer.outputs(x)
    n, n_classes = outputs.shape
    if n_classes < 2:
        raise ModelOutputError("random_logit needs a classifier with at least two outputs to pick another class from")
    targets = outputs.argmax(dim=1) if target is None else as_target_batch(target, n, n_classes, torch.device("cpu"))
    if off_target is None:
        draws = torch.from_numpy(np.random.RandomState(params["seed"]).randint(0, n_classes - 1, n))
        off = draws + (draws >= targets).long()  # the draws index the classes without the target
    else:
        off = as_target_batch(off_target, n, n_classes, torch.device("cpu"))
    both = explainer.attribute(
        torch.cat([x, x]), method, torch.cat([targets, off]).to(explainer.device), progress=progress, **method_params
    ).values
    compared = prepared(
        both.to(explainer.device).double().view(2, n, *both.shape[1:]), params["absolute"], params["normalise"], lead=2
    )
    return RandomLogitResult(
        values=compare_maps(compared[0], compared[1], params["similarity"]).cpu(),
        target=targets,
        off_target=off,
        maps=both[:n],
        off_maps=both[n:],
    )
