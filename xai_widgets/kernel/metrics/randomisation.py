"""Randomisation sanity checks (Adebayo et al., 2018; Sixt et al., 2020): a map that does not change
when the model's layers are randomised, or when another class is explained, ignores the model.

The user's model is never changed: the cascade randomises a deep copy.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..core.errors import ExplainerError, ModelOutputError
from ..core.explainer import Explainer
from ..core.progress import Progress, stage
from ..core.registry import ParamSpec, get_method
from ..core.validation import as_input_batch, as_target_batch
from .maps import prepared
from .registry import NORMALISATIONS, checked, metric
from .similarity import SIMILARITIES
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
    x = as_input_batch(x, explainer.device)
    with explainer._lock:  # another thread's call may be half-way through the model (hooks, activations)
        model = _copy(explainer.model)
    layers = [(name, module) for name, module in model.named_modules() if hasattr(module, "reset_parameters")][::-1]
    if not layers:
        raise ExplainerError(
            "model_parameter_randomisation: the model has no layer with parameters to randomise "
            "(no module has reset_parameters)"
        )
    copied = Explainer(
        model,
        explainer.device,
        eval_mode=explainer.eval_mode,
        task=explainer.task,
        memory_budget=explainer._runner.memory_budget,
    )
    n_steps = len(layers) + 1
    first = copied.attribute(x, method, target, progress=stage(progress, 0.0, 1 / n_steps), **method_params)
    maps = [first.values]
    devices = [explainer.device] if explainer.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        for step, (_name, module) in enumerate(layers, start=1):
            torch.manual_seed(params["seed"] + 1)
            module.reset_parameters()
            done = stage(progress, step / n_steps, (step + 1) / n_steps)
            maps.append(copied.attribute(x, method, first.target, progress=done, **method_params).values)
    stacked = torch.stack(maps)
    compared = prepared(stacked.to(explainer.device).double(), params["absolute"], params["normalise"], lead=2)
    # Every step against the intact maps in one batched comparison: (steps * N, features).
    intact = compared[:1].expand_as(compared[1:]).flatten(0, 1)
    scores = compare_maps(intact, compared[1:].flatten(0, 1), params["similarity"]).view(n_steps - 1, -1)
    ones = torch.ones(1, x.shape[0], dtype=torch.float64, device=scores.device)
    return RandomisationResult(
        layers=[name for name, _module in layers],
        similarity=torch.cat([ones, scores]).cpu(),
        maps=stacked,
        method=method,
        target=first.target,
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


def _copy(model: nn.Module) -> nn.Module:
    try:
        return copy.deepcopy(model)
    except Exception as error:  # deepcopy raises whatever the model's attributes raise
        raise ExplainerError(
            f"model_parameter_randomisation works on a copy of the model, and copy.deepcopy failed "
            f"({type(error).__name__}: {error}); make the model deep-copyable (e.g. drop open files or "
            "locks held as attributes)"
        ) from error
