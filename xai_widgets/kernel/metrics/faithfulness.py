"""Faithfulness: does changing what the map ranks first change the output first? Pixel flipping
(Bach et al., 2015) and the deletion and insertion curves (Petsiuk et al., 2018).

Features are the attribution's elements: a map with one channel for a multi-channel image moves
whole pixels. Every step of every sample goes through the model in memory-budgeted batches.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from ..core.errors import ParameterError
from ..core.progress import Progress
from ..core.registry import ParamSpec
from ..core.validation import as_input_batch, as_target_batch
from ..inputs.baselines import resolve_baseline
from .flipping import StepCopies
from .maps import as_maps, feature_ranks, fit_to_input
from .passes import copy_layout, copy_outputs
from .registry import checked, metric

if TYPE_CHECKING:
    from ..core.explainer import Explainer

# Quantus's named baselines, per sample, then the kernel's ("zeros", "blur", "uniform").
SAMPLE_BASELINES = ("black", "white", "mean")
BASELINES = (*SAMPLE_BASELINES, "zeros", "blur", "uniform")
AUC_AXES = ("fraction", "steps")
# How many features are changed at each column of a curve, given the number of features.
CountsFor = Callable[[int], torch.Tensor]


@dataclass
class CurveResult:
    """The target output as features are changed in the map's order.

    ``values`` (N, steps + 1): column 0 with nothing changed, the last with every feature
    changed (deleted: replaced by the baseline; inserted: taken from x into the baseline).
    ``counts`` (steps + 1,): how many features are changed at each column; ``auc`` (N,): the
    area under the curve (see the function's ``auc_axis``). ``ranks`` holds each feature's
    position in the order (shaped like the attribution, 0 first) and ``baseline`` the values
    features are deleted to: :meth:`inputs_at` rebuilds the input of any column.
    """

    values: torch.Tensor
    auc: torch.Tensor
    counts: torch.Tensor
    target: torch.Tensor
    ranks: torch.Tensor
    baseline: torch.Tensor
    mode: str

    def inputs_at(self, x: torch.Tensor, step: int) -> torch.Tensor:
        """The batch the model saw at column ``step`` (0..steps), for showing the changed image."""
        changed = self.ranks < int(self.counts[step])
        x = torch.as_tensor(x).to(self.baseline.device)
        if self.mode == "insertion":
            return torch.where(changed, x, self.baseline)
        return torch.where(changed, self.baseline, x)


def _shared(baseline_default: Any, softmax_default: bool) -> list[ParamSpec]:
    return [
        ParamSpec("baseline", "baseline", baseline_default, "what a deleted feature becomes", choices=BASELINES),
        ParamSpec("absolute", "bool", False, "rank features by absolute attribution (Quantus's abs)"),
        ParamSpec("softmax", "bool", softmax_default, "follow the target's probability, not its logit"),
        ParamSpec("auc_axis", "choice", "fraction", "the curve's x axis for the area", choices=AUC_AXES),
    ]


_INPUTS = ("explainer", "x", "attributions", "target")


def _auc_score(result: CurveResult) -> torch.Tensor:
    return result.auc


@metric(
    "pixel_flipping",
    "faithfulness",
    _INPUTS,
    [ParamSpec("features_in_step", "int", 1, "features flipped per step", minimum=1), *_shared("black", True)],
    higher_is_better=False,
    long=True,
    score=_auc_score,
)
def pixel_flipping(
    explainer: Explainer,
    x: Any,
    attributions: Any,
    target: Any = None,
    features_in_step: int = 1,
    *,
    baseline: Any = "black",
    absolute: bool = False,
    softmax: bool = True,
    auc_axis: str = "fraction",
    progress: Progress | None = None,
) -> CurveResult:
    """Pixel flipping (Bach et al., 2015): flip ``features_in_step`` features at a time, highest
    attribution first, to the baseline; a faithful map makes the output fall fast (low AUC).

    Quantus 0.6's ``PixelFlipping`` with its defaults: the baseline ``"black"`` (each sample's
    minimum), probabilities (``softmax``), no absolute values; its curve is ``values[:, 1:]``
    (Quantus leaves out the unchanged start). Its features are the input's elements, so for a
    one-channel map on a C-channel image Quantus's ``features_in_step`` is C times ours.
    ``auc_axis``: ``"fraction"`` integrates the whole curve over the fraction of features changed
    (0..1), comparable across sizes; ``"steps"`` is Quantus's ``return_auc_per_sample`` (unit
    steps, the start left out). ``baseline`` as for :func:`deletion_curve`; ``"mean"`` is the
    mean of x (Quantus takes the mean of the partly flipped input anew at every step, so its
    fill drifts). ``target``: an int, one per sample, or None for the predicted class.
    ``progress`` is called after every batched pass; raising from it stops the call.
    """
    params = checked(
        "pixel_flipping",
        features_in_step=features_in_step,
        baseline=baseline,
        absolute=absolute,
        softmax=softmax,
        auc_axis=auc_axis,
    )
    step = params.pop("features_in_step")

    def counts_for(n_features: int) -> torch.Tensor:
        return (torch.arange(math.ceil(n_features / step) + 1) * step).clamp(max=n_features)

    return _curve(explainer, x, attributions, target, counts_for, "deletion", progress, **params)


def _steps_params(baseline_default: Any) -> list[ParamSpec]:
    steps = ParamSpec("steps", "int", 50, "points of the curve after the start", minimum=1)
    return [steps, *_shared(baseline_default, False)]


@metric(
    "deletion_curve",
    "faithfulness",
    _INPUTS,
    _steps_params(0.0),
    higher_is_better=False,
    long=True,
    score=_auc_score,
)
def deletion_curve(
    explainer: Explainer,
    x: Any,
    attributions: Any,
    target: Any = None,
    baseline: Any = 0.0,
    steps: int = 50,
    *,
    absolute: bool = False,
    softmax: bool = False,
    auc_axis: str = "fraction",
    progress: Progress | None = None,
) -> CurveResult:
    """Deletion curve (Petsiuk et al., 2018): the target output as the highest-ranked features are
    replaced by ``baseline``, in ``steps`` even steps; a faithful map makes it fall fast (low AUC).

    ``baseline``: a number, a tensor broadcastable to x, ``"black"``/``"white"``/``"mean"`` (each
    sample's minimum, maximum or mean, as Quantus), or the kernel's ``"zeros"``, ``"blur"``,
    ``"uniform"``. The raw output (logit) by default, so on a linear model with a zero baseline
    each step falls by exactly the deleted features' gradient x input; ``softmax=True`` follows
    the probability. Quantus has no deletion curve; pixel flipping is its relative.
    """
    params = checked(
        "deletion_curve", steps=steps, baseline=baseline, absolute=absolute, softmax=softmax, auc_axis=auc_axis
    )
    n_steps = params.pop("steps")
    return _curve(explainer, x, attributions, target, _even(n_steps), "deletion", progress, **params)


@metric(
    "insertion_curve",
    "faithfulness",
    _INPUTS,
    _steps_params(0.0),
    higher_is_better=True,
    long=True,
    score=_auc_score,
)
def insertion_curve(
    explainer: Explainer,
    x: Any,
    attributions: Any,
    target: Any = None,
    baseline: Any = 0.0,
    steps: int = 50,
    *,
    absolute: bool = False,
    softmax: bool = False,
    auc_axis: str = "fraction",
    progress: Progress | None = None,
) -> CurveResult:
    """Insertion curve (Petsiuk et al., 2018): the target output as the highest-ranked features of
    x are put into the ``baseline``, in ``steps`` even steps; a faithful map makes it rise fast
    (high AUC). Column 0 is the baseline itself, the last x. Parameters as :func:`deletion_curve`.
    """
    params = checked(
        "insertion_curve", steps=steps, baseline=baseline, absolute=absolute, softmax=softmax, auc_axis=auc_axis
    )
    n_steps = params.pop("steps")
    return _curve(explainer, x, attributions, target, _even(n_steps), "insertion", progress, **params)


def _even(n_steps: int) -> CountsFor:
    def counts_for(n_features: int) -> torch.Tensor:
        if n_steps > n_features:
            raise ParameterError(f"steps={n_steps} is more than the {n_features} features; pass steps <= {n_features}")
        return torch.round(torch.linspace(0, n_features, n_steps + 1, dtype=torch.float64)).long()

    return counts_for


def _curve(
    explainer: Explainer,
    x: Any,
    attributions: Any,
    target: Any,
    counts_for: CountsFor,
    mode: str,
    progress: Progress | None,
    *,
    baseline: Any,
    absolute: bool,
    softmax: bool,
    auc_axis: str,
) -> CurveResult:
    x = as_input_batch(x, explainer.device)
    maps = fit_to_input(as_maps(attributions, explainer.device), x)
    ranks = feature_ranks(maps.abs() if absolute else maps)
    counts = counts_for(ranks[0].numel()).to(explainer.device)
    fill = baseline_values(baseline, x)
    n = x.shape[0]
    changed, kept = (x, fill) if mode == "insertion" else (fill, x)
    make = StepCopies(ranks, changed, kept, counts, channels_last=copy_layout(explainer, x.shape[1:]) is not None)
    outputs = copy_outputs(explainer, len(counts), n, x.shape[1:], make, progress)
    if softmax and not explainer.is_regression(outputs[0]):
        outputs = outputs.softmax(dim=2)
    targets = _targets(target, outputs, mode)
    values = outputs.gather(2, targets.view(1, n, 1).expand(len(counts), n, 1)).squeeze(2).T.double()
    if auc_axis == "steps":
        auc = torch.trapezoid(values[:, 1:], dx=1.0, dim=1)
    else:
        auc = torch.trapezoid(values, counts.double() / counts[-1], dim=1)
    return CurveResult(
        values=values.cpu(),
        auc=auc.cpu(),
        counts=counts.cpu(),
        target=targets.cpu(),
        ranks=ranks.cpu(),
        baseline=fill.cpu(),
        mode=mode,
    )


def baseline_values(baseline: Any, x: torch.Tensor) -> torch.Tensor:
    """The baseline for batch ``x``, broadcast to it: Quantus's per-sample names ("black" the
    sample's minimum, "white" its maximum, "mean"), else a number, tensor or kernel baseline name."""
    if isinstance(baseline, str) and baseline in SAMPLE_BASELINES:
        flat = x.flatten(1)
        value = {"black": flat.amin(dim=1), "white": flat.amax(dim=1), "mean": flat.mean(dim=1)}[baseline]
        return value.view(-1, *([1] * (x.ndim - 1))).expand_as(x)
    return resolve_baseline(baseline, x, "baseline")


def _targets(target: Any, outputs: torch.Tensor, mode: str) -> torch.Tensor:
    """The explained output per sample: given, or the class predicted on x (deletion's first
    column, insertion's last)."""
    n_samples, n_outputs = outputs.shape[1], outputs.shape[2]
    if target is None:
        return outputs[0 if mode == "deletion" else -1].argmax(dim=1)
    return as_target_batch(target, n_samples, n_outputs, outputs.device)
