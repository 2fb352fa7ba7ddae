"""Explaining uncertainty itself: the predictive standard deviation (or a classifier's entropy)
as a deterministic, differentiable function of the input, so attribution methods apply to it.

Dropout masks are drawn once per call (``n_samples`` masks per dropout module, the same for every
input) and held fixed by forward hooks; the spread of the model's outputs over those masks is then
an ordinary function of ``x``. For an ``Ensemble`` the members play the part of the masks.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..core.errors import ExplainerError, ParameterError
from ..core.runner import as_output_matrix
from .dropout import require_dropout
from .ensemble import Ensemble
from .result import entropy_of_mean, mean_variance, sample_predictions
from .seeding import derived_seed, seeded

QUANTITIES = ("std", "entropy")
# Attribution families that only need the model as a function of its input: gradients, paths,
# perturbations and surrogates. CAMs and propagation rules read the model's own layers, whose
# activations here hold every mask's copy of the batch.
FAMILIES = ("gradient", "path", "perturbation", "surrogate")


@dataclass(frozen=True)
class UncertaintyOf:
    """What ``Explainer.attribute(..., of=...)`` explains when not the model's output.

    ``quantity``: ``"std"``, the standard deviation over the masks (or members) of each output
    (of each class probability for a classifier; for a variance-head model the total predictive
    standard deviation, one output); ``"entropy"``, for classifiers, the entropy of the mean
    predicted distribution (one output). ``n_samples`` dropout masks drawn from ``seed`` (the same
    seed gives the same masks, so repeated calls explain the same function); both are ignored
    for an ``Ensemble``, whose members are used.
    """

    quantity: str = "std"
    n_samples: int = 30
    seed: int = 0

    def __post_init__(self) -> None:
        if self.quantity not in QUANTITIES:
            raise ParameterError(f"of: the quantity must be one of {QUANTITIES}, got {self.quantity!r}")
        for name in ("n_samples", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise ParameterError(f"of: {name} must be an int, got {value!r}")
        if self.n_samples < 2:
            raise ParameterError(f"of: n_samples must be at least 2 to measure a spread, got {self.n_samples}")
        if self.seed < 0:
            raise ParameterError(f"of: seed must be non-negative, got {self.seed}")


def as_uncertainty_of(of: Any, family: str, method: str) -> UncertaintyOf | None:
    """``None`` for the model's output (``of="output"``), else the :class:`UncertaintyOf` asked for."""
    if isinstance(of, str):
        if of == "output":
            return None
        if of not in QUANTITIES:
            raise ParameterError(f"of must be 'output', one of {QUANTITIES} or an xw.UncertaintyOf, got {of!r}")
        of = UncertaintyOf(of)
    if not isinstance(of, UncertaintyOf):
        raise ParameterError(f"of must be 'output', one of {QUANTITIES} or an xw.UncertaintyOf, got {of!r}")
    if family not in FAMILIES:
        raise ParameterError(
            f"{method} ({family}) cannot explain of={of.quantity!r}: it reads the model's own layers; "
            f"use a method of the {', '.join(FAMILIES)} families, e.g. 'integrated_gradients' or 'occlusion'"
        )
    return of


def n_quantity_outputs(of: UncertaintyOf, kind: str, n_outputs: int) -> int:
    """How many outputs the explained quantity has (1 for an entropy or a total std)."""
    if of.quantity == "entropy":
        if kind != "classification":
            raise ParameterError(
                f"of='entropy' explains a classifier's uncertainty; this model is read as {kind}: use of='std'"
            )
        return 1
    return 1 if kind == "gaussian" else n_outputs


class UncertaintyModel(nn.Module):
    """``x -> (N, q)``: the uncertainty quantity of ``model`` over fixed masks or ensemble members.

    For MC dropout the input is repeated once per mask; the masks are applied by
    :func:`fixed_dropout_masks`, which must be active while this module runs.
    """

    def __init__(self, model: nn.Module, of: UncertaintyOf, kind: str) -> None:
        super().__init__()
        self.model = model
        self.of = of
        self.kind = kind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        if isinstance(self.model, Ensemble):
            raw = torch.stack([as_output_matrix(member(x), n) for member in self.model.members])
        else:
            repeated = x.repeat(self.of.n_samples, *([1] * (x.ndim - 1)))
            raw = as_output_matrix(self.model(repeated), repeated.shape[0]).view(self.of.n_samples, n, -1)
        predictions = sample_predictions(raw, self.kind)
        if self.of.quantity == "entropy":
            return entropy_of_mean(predictions)[:, None]
        if self.kind == "gaussian":
            return (predictions.var(0) + mean_variance(raw)).sqrt()
        return predictions.std(0)


@contextlib.contextmanager
def fixed_dropout_masks(model: nn.Module, n_samples: int, seed: int) -> Iterator[None]:
    """While active, each dropout module of ``model`` (in eval mode) applies one of ``n_samples``
    fixed masks to each consecutive block of its batch (``n_samples`` blocks of N inputs).

    A mask is what the module itself does in training mode, drawn once per module and feature
    shape from ``seed``: every dropout variant is affine in its input for a fixed draw
    (``x * scale + shift``; the shift is non-zero for alpha dropout), so the module is run on
    zeros and on ones under the same seed to read ``scale`` and ``shift``.
    """
    modules = require_dropout(model)
    masks: dict[tuple[int, torch.Size], tuple[torch.Tensor, torch.Tensor]] = {}

    def mask(index: int, module: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        key = (index, x.shape[1:])
        if key not in masks:
            shape = (n_samples, *x.shape[1:])
            was_training = module.training
            module.training = True
            try:
                # ``forward`` directly: calling the module would run this very hook.
                with torch.no_grad():
                    with seeded(derived_seed(seed, index), x.device):
                        shift = module.forward(torch.zeros(shape, dtype=x.dtype, device=x.device))
                    with seeded(derived_seed(seed, index), x.device):
                        scale = module.forward(torch.ones(shape, dtype=x.dtype, device=x.device)) - shift
            finally:
                module.training = was_training
            masks[key] = (scale, shift)
        return masks[key]

    def hook_for(index: int):
        def apply(module: nn.Module, inputs: tuple[Any, ...], _output: Any) -> torch.Tensor:
            x = inputs[0]
            if x.shape[0] % n_samples:
                raise ExplainerError(
                    f"a dropout module saw a batch of {x.shape[0]}, not a multiple of the {n_samples} masks: "
                    "of='std' needs the batch dim to pass through the model unchanged"
                )
            scale, shift = mask(index, module, x)
            blocks = x.reshape(n_samples, -1, *x.shape[1:])
            return (blocks * scale.unsqueeze(1) + shift.unsqueeze(1)).reshape(x.shape)

        return apply

    handles = [module.register_forward_hook(hook_for(index)) for index, module in enumerate(modules)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextlib.contextmanager
def uncertainty_model(model: nn.Module, of: UncertaintyOf, kind: str) -> Iterator[UncertaintyModel]:
    """The :class:`UncertaintyModel` of ``model``, with its fixed masks in place while active."""
    wrapped = UncertaintyModel(model, of, kind)
    if isinstance(model, Ensemble):
        yield wrapped
        return
    with fixed_dropout_masks(model, of.n_samples, of.seed):
        yield wrapped
