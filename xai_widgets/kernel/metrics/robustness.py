"""Robustness: how far a method's map moves when the input is nudged by a little noise
(max-sensitivity, Yeh et al., 2019)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from ..core.progress import Progress, stage
from ..core.registry import ParamSpec, get_method
from ..core.validation import as_input_batch
from .maps import prepared
from .passes import copy_attributions
from .registry import NORMALISATIONS, checked, metric

if TYPE_CHECKING:
    from ..core.explainer import Explainer


@dataclass
class SensitivityResult:
    """Max-sensitivity: ``values`` (N,) the largest relative change of each sample's map over the
    noise draws; ``sensitivities`` (N, n_samples) the change for every draw."""

    values: torch.Tensor
    sensitivities: torch.Tensor
    target: torch.Tensor


def _values(result: SensitivityResult) -> torch.Tensor:
    return result.values


def uniform_noise(shape: torch.Size, radius: float, n_samples: int, seed: int, device: torch.device) -> torch.Tensor:
    """``n_samples`` noise patterns (n_samples, *shape), uniform in [-radius, radius), from ``seed``.

    Every sample of a batch gets the same patterns, so a sample's score does not depend on its batch.
    """
    generator = torch.Generator(device=device).manual_seed(seed)
    draws = torch.rand((n_samples, *shape), generator=generator, device=device)
    return (2 * draws - 1) * radius


@metric(
    "max_sensitivity",
    "robustness",
    ("explainer", "x", "method", "target"),
    [
        ParamSpec("radius", "float", 0.2, "noise is uniform in [-radius, radius] per feature", minimum=0.0),
        ParamSpec("n_samples", "int", 200, "noise draws per sample", minimum=1),
        ParamSpec("seed", "int", 42, "seed of the noise", minimum=0),
        ParamSpec("absolute", "bool", False, "compare absolute values (Quantus's abs)"),
        ParamSpec("normalise", "choice", "none", "divide maps by their largest value", choices=NORMALISATIONS),
    ],
    higher_is_better=False,
    long=True,
    score=_values,
)
def max_sensitivity(
    explainer: Explainer,
    x: Any,
    method: str,
    target: Any = None,
    radius: float = 0.2,
    n_samples: int = 200,
    *,
    seed: int = 42,
    absolute: bool = False,
    normalise: str = "none",
    progress: Progress | None = None,
    **method_params: Any,
) -> SensitivityResult:
    """Max-sensitivity (Yeh et al., 2019): the largest ||a(x + noise) - a(x)|| / ||a(x)||
    (Frobenius norms) over ``n_samples`` uniform noise draws; a robust map scores low.

    As Quantus 0.6's ``MaxSensitivity`` with its defaults (radius 0.2 = its ``lower_bound``, 200
    draws, no normalisation or absolute values), except for the noise: drawn in torch from
    ``seed`` and the same patterns for every sample of the batch (Quantus draws fresh numpy noise
    per sample and step), so a score repeats and does not depend on its batch. All perturbed
    copies go through the method in memory-budgeted batches. ``progress`` is called after every
    batched pass and may raise to stop the call.
    """
    params = checked(
        "max_sensitivity",
        radius=radius,
        n_samples=n_samples,
        seed=seed,
        absolute=absolute,
        normalise=normalise,
    )
    get_method(method).resolve(method_params)
    x = as_input_batch(x, explainer.device)
    n, count = x.shape[0], params["n_samples"]
    original = explainer.attribute(x, method, target, progress=stage(progress, 0.0, 0.05), **method_params)
    reference = prepared(original.values.to(explainer.device).double(), params["absolute"], params["normalise"])
    reference = reference.flatten(1)
    noise = uniform_noise(x.shape[1:], params["radius"], count, params["seed"], explainer.device)
    sensitivities = torch.empty(count, n, dtype=torch.float64, device=explainer.device)

    def make(start: int, stop: int) -> torch.Tensor:
        return (x[None] + noise[start:stop, None]).flatten(0, 1)

    def use(start: int, stop: int, maps: torch.Tensor) -> None:
        moved = prepared(maps.double(), params["absolute"], params["normalise"], lead=2).flatten(2)
        sensitivities[start:stop] = torch.linalg.vector_norm(moved - reference, dim=2) / torch.linalg.vector_norm(
            reference, dim=1
        )

    copy_attributions(
        explainer, count, n, x.shape[1:], make, method, original.target, method_params, use, stage(progress, 0.05, 1.0)
    )
    return SensitivityResult(
        values=sensitivities.amax(dim=0).cpu(), sensitivities=sensitivities.T.cpu(), target=original.target
    )
