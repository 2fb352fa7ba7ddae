"""Regularisers of activation maximisation, by name, each with its ``ParamSpec``s: penalties
subtracted from the objective (``l2``, ``tv``), random transforms the input must survive
(``jitter``, ``scale``, ``rotate``) and a periodic smoothing (``blur``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from ..core.errors import ParameterError
from ..core.named_registry import NamedRegistry, RegisteredNames
from ..core.registry import ParamSpec

KINDS = ("penalty", "transform", "periodic")
# Used when ``regularizers=None``: readable images on small CNNs (shapes, digits) at the default lr;
# inputs without spatial dims (tabular features) get the L2 penalty only.
DEFAULT_REGULARIZERS = ("l2", "tv", "jitter")
DEFAULT_FLAT_REGULARIZERS = ("l2",)


@dataclass(frozen=True)
class RegularizerSpec:
    """A regulariser: name, kind, parameters, a one-paragraph doc and its function.

    ``kind`` "penalty": ``apply(images, **params) -> (k,)`` subtracted from each input's
    objective. "transform": ``apply(images, generator, **params) -> images`` applied (differentiably)
    before the model sees the inputs, drawn afresh each step. "periodic": ``apply(parametrization,
    step, **params)`` changes the parameters in place between steps (no gradient).
    """

    name: str
    kind: str
    params: tuple[ParamSpec, ...]
    doc: str
    apply: Callable[..., Any] = field(repr=False, compare=False)

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Fill defaults and validate ``given``; unknown names raise ``ParameterError``."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ParameterError(
                f"regulariser {self.name!r} has no parameter {', '.join(map(repr, unknown))}; "
                f"its parameters are {sorted(known) or 'none'}"
            )
        resolved = {p.name: p.default for p in self.params}
        for name, value in given.items():
            resolved[name] = known[name].validate(value, f"regulariser {self.name!r}")
        return resolved


@dataclass(frozen=True)
class Regularizer:
    """One regulariser with its parameters, as ``activation_maximization(regularizers=[...])``
    takes it: ``xw.regularizer("l2", weight=1e-3)``."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> RegularizerSpec:
        return REGULARIZERS.get(self.name)


REGULARIZERS: NamedRegistry[RegularizerSpec] = NamedRegistry("regulariser")


def register_regularizer(
    name: str, kind: str, params: list[ParamSpec]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``apply`` as a regulariser of ``kind``; its docstring becomes the doc."""
    if kind not in KINDS:
        raise ValueError(f"unknown regulariser kind {kind!r}; use one of {KINDS}")

    def wrap(apply: Callable[..., Any]) -> Callable[..., Any]:
        REGULARIZERS.register(name, RegularizerSpec(name, kind, tuple(params), (apply.__doc__ or "").strip(), apply))
        return apply

    return wrap


def regularizer_specs() -> dict[str, RegularizerSpec]:
    """The registered regularisers by name, in registration order."""
    return REGULARIZERS.entries()


def regularizer_names() -> RegisteredNames:
    """The registered regularisers' names, following later registrations."""
    return REGULARIZERS.names()


def regularizer(name: str, **params: Any) -> Regularizer:
    """The regulariser ``name`` with ``params`` (validated; defaults for the rest)."""
    return Regularizer(name, REGULARIZERS.get(name).resolve(params))


def as_regularizers(given: Any, spatial: bool = True) -> list[Regularizer]:
    """``None`` (the defaults: ``DEFAULT_REGULARIZERS`` for inputs with spatial dims, else
    ``DEFAULT_FLAT_REGULARIZERS``), or names, ``Regularizer``s, or a {name: {param: value}}
    mapping, as validated ``Regularizer``s; an empty list means none at all."""
    if given is None:
        return [regularizer(name) for name in (DEFAULT_REGULARIZERS if spatial else DEFAULT_FLAT_REGULARIZERS)]
    if isinstance(given, (str, Regularizer)):
        given = [given]
    if isinstance(given, Mapping):
        return [regularizer(name, **dict(params or {})) for name, params in given.items()]
    if not isinstance(given, Iterable):
        raise ParameterError(
            f"regularizers must be None, names, xw.regularizer(...) objects or a mapping; got {given!r}"
        )
    found: list[Regularizer] = []
    for item in given:
        if isinstance(item, Regularizer):
            found.append(regularizer(item.name, **item.params))
        elif isinstance(item, str):
            found.append(regularizer(item))
        else:
            raise ParameterError(f"a regulariser is a name or xw.regularizer(name, ...), got {item!r}")
    return found


def _spatial_dims(images: torch.Tensor, name: str, image_only: bool = False) -> tuple[int, ...]:
    """The spatial dims of a (k, C, *spatial) batch: (-2, -1) for images, (-1,) for sequences."""
    if images.ndim == 4:
        return (-2, -1)
    if images.ndim == 3 and not image_only:
        return (-1,)
    needs = "(C, H, W) images" if image_only else "(C, L) sequences or (C, H, W) images"
    raise ParameterError(f"regulariser {name!r} needs inputs shaped {needs}, got {tuple(images.shape[1:])}")


# ---- penalties --------------------------------------------------------------------------------
@register_regularizer(
    "l2", "penalty", [ParamSpec("weight", "float", 1e-3, "lambda in lambda * sum(x**2)", minimum=0.0)]
)
def l2(images: torch.Tensor, weight: float) -> torch.Tensor:
    """L2 decay, weight * sum(x**2) per input: keeps values small, so the image shows what
    matters most. Alone on a linear model the optimum is w / (2 * weight)."""
    return weight * images.flatten(1).pow(2).sum(1)


@register_regularizer(
    "tv",
    "penalty",
    [
        ParamSpec("weight", "float", 0.05, "lambda in lambda * sum(|neighbour difference| ** beta)", minimum=0.0),
        ParamSpec("beta", "float", 2.0, "exponent of the differences (1: total variation, 2: smooth)", minimum=1.0),
    ],
)
def tv(images: torch.Tensor, weight: float, beta: float) -> torch.Tensor:
    """Total variation, weight * sum(|x[i+1] - x[i]| ** beta) over neighbouring pixels (or sequence
    positions): suppresses the high-frequency patterns gradient ascent otherwise produces."""
    total = images.new_zeros(images.shape[0])
    for dim in _spatial_dims(images, "tv"):
        step = images.diff(dim=dim)
        # The common exponents without pow's general path (a third of this regulariser's time).
        size = step.square() if beta == 2.0 else step.abs() if beta == 1.0 else step.abs().pow(beta)
        total = total + size.flatten(1).sum(1)
    return weight * total


# ---- transforms -------------------------------------------------------------------------------
@register_regularizer(
    "jitter", "transform", [ParamSpec("pixels", "int", 2, "largest random shift", minimum=0, maximum=256)]
)
def jitter(images: torch.Tensor, generator: torch.Generator, pixels: int) -> torch.Tensor:
    """Random shifts (wrapping round) of up to ``pixels`` along each spatial dim, one draw per step
    for the whole batch: the input must work wherever it lands, not by one lucky alignment."""
    dims = _spatial_dims(images, "jitter")
    shifts = torch.randint(-pixels, pixels + 1, (len(dims),), generator=generator).tolist()
    return torch.roll(images, shifts=shifts, dims=dims)


def _affine(images: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    grid = F.affine_grid(theta.to(images).expand(images.shape[0], 2, 3), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


@register_regularizer(
    "scale",
    "transform",
    [ParamSpec("amount", "float", 0.1, "largest relative zoom in or out", minimum=0.0, maximum=0.9)],
)
def scale(images: torch.Tensor, generator: torch.Generator, amount: float) -> torch.Tensor:
    """Random zoom by a factor in [1 - amount, 1 + amount] (bilinear, reflected borders): robustness
    to scale, as Lucid's transform robustness."""
    _spatial_dims(images, "scale", image_only=True)
    factor = 1.0 + amount * (2.0 * torch.rand((), generator=generator).item() - 1.0)
    return _affine(images, torch.tensor([[1.0 / factor, 0.0, 0.0], [0.0, 1.0 / factor, 0.0]]))


@register_regularizer(
    "rotate", "transform", [ParamSpec("degrees", "float", 10.0, "largest random rotation", minimum=0.0, maximum=180.0)]
)
def rotate(images: torch.Tensor, generator: torch.Generator, degrees: float) -> torch.Tensor:
    """Random rotation by up to ``degrees`` either way (bilinear, reflected borders)."""
    _spatial_dims(images, "rotate", image_only=True)
    angle = math.radians(degrees * (2.0 * torch.rand((), generator=generator).item() - 1.0))
    cos, sin = math.cos(angle), math.sin(angle)
    return _affine(images, torch.tensor([[cos, -sin, 0.0], [sin, cos, 0.0]]))


# ---- periodic ---------------------------------------------------------------------------------
@register_regularizer(
    "blur",
    "periodic",
    [
        ParamSpec("sigma", "float", 0.5, "Gaussian blur's standard deviation in pixels", minimum=0.0, maximum=16.0),
        ParamSpec("every", "int", 4, "blur after every this many steps", minimum=1, maximum=10_000),
    ],
)
def blur(parametrization: Any, step: int, sigma: float, every: int) -> None:
    """A Gaussian blur of the parameters every ``every`` steps (Yosinski et al., 2015): a low-pass
    filter that lets gradient ascent keep only patterns that survive it."""
    if sigma > 0 and step % every == 0:
        parametrization.blur(sigma)
