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
from ..core.registry import ParamSpec, resolve_params

KINDS = ("penalty", "transform", "periodic")
# Used when ``regularizers=None``: readable images on small CNNs (shapes, digits) at the default lr;
# inputs without spatial dims (tabular features) get the L2 penalty only.
DEFAULT_REGULARIZERS = ("l2", "tv", "jitter")
DEFAULT_FLAT_REGULARIZERS = ("l2",)
# A 2x2 matrix ((a, b), (c, d)) of Python floats: the affine map of normalised image coordinates.
Matrix = tuple[tuple[float, float], tuple[float, float]]
Transform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


@dataclass(frozen=True)
class RegularizerSpec:
    """A regulariser: name, kind, parameters, a one-paragraph doc and its function.

    ``kind`` "penalty": ``apply(images, **params) -> (k,)`` subtracted from each input's
    objective. "transform": ``apply(images, generator, **params) -> images`` applied (differentiably)
    before the model sees the inputs, drawn afresh each step. "periodic": ``apply(parametrization,
    step, **params)`` changes the parameters in place between steps (no gradient).

    ``add_gradient`` (penalties, optional): ``add_gradient(images, out, **params) -> (k,)``, the
    same values as ``apply`` while adding their gradient with respect to ``images`` into ``out``
    in closed form. The ascent then needs no autograd graph for the penalty: a handful of fused
    passes instead of the graph's forward and backward (a third of a small CNN's step, before).

    ``draw_matrix`` (transforms, optional): ``draw_matrix(generator, **params) -> Matrix``, the
    step's random affine map when the transform is one (``apply`` samples the images with it);
    consecutive affine transforms are then sampled once, with the product (see
    :func:`transform_steps`).
    """

    name: str
    kind: str
    params: tuple[ParamSpec, ...]
    doc: str
    apply: Callable[..., Any] = field(repr=False, compare=False)
    add_gradient: Callable[..., torch.Tensor] | None = field(default=None, repr=False, compare=False)
    draw_matrix: Callable[..., Matrix] | None = field(default=None, repr=False, compare=False)

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Fill defaults and validate ``given``; unknown names raise ``ParameterError``."""
        return resolve_params(self.params, given, f"regulariser {self.name!r}")


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
    name: str,
    kind: str,
    params: list[ParamSpec],
    add_gradient: Callable[..., torch.Tensor] | None = None,
    draw_matrix: Callable[..., Matrix] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``apply`` as a regulariser of ``kind``; its docstring becomes the doc.
    ``add_gradient``: a penalty's closed-form gradient; ``draw_matrix``: an affine transform's
    random matrix (see :class:`RegularizerSpec`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown regulariser kind {kind!r}; use one of {KINDS}")
    if add_gradient is not None and kind != "penalty":
        raise ValueError(f"add_gradient is for penalties only, not a {kind!r} regulariser")
    if draw_matrix is not None and kind != "transform":
        raise ValueError(f"draw_matrix is for transforms only, not a {kind!r} regulariser")

    def wrap(apply: Callable[..., Any]) -> Callable[..., Any]:
        doc = (apply.__doc__ or "").strip()
        spec = RegularizerSpec(name, kind, tuple(params), doc, apply, add_gradient, draw_matrix)
        REGULARIZERS.register(name, spec)
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


def transform_steps(chosen: list[Regularizer]) -> list[Transform]:
    """The transforms among ``chosen``, in order, as ``step(images, generator) -> images``.

    A run of consecutive affine transforms (``scale`` then ``rotate``) is one step: each draws its
    matrix in turn (the same random stream as applying them one by one) and the images are
    sampled once at the product. One bilinear interpolation instead of several: less blur, and
    each grid_sample saved was a seventh of a small CNN's step.
    """
    steps: list[Transform] = []
    affine: list[Regularizer] = []

    def close_run() -> None:
        if affine:
            steps.append(_affine_step(list(affine)))
            affine.clear()

    for r in chosen:
        if r.spec.kind != "transform":
            continue
        if r.spec.draw_matrix is not None:
            affine.append(r)
            continue
        close_run()
        steps.append(_one_transform(r))
    close_run()
    return steps


def _one_transform(r: Regularizer) -> Transform:
    apply, params = r.spec.apply, r.params

    def step(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return apply(images, generator, **params)

    return step


def _affine_step(run: list[Regularizer]) -> Transform:
    if len(run) == 1:
        return _one_transform(run[0])

    def step(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        for r in run:
            _spatial_dims(images, r.name, image_only=True)
        # Sampling at A p, then at B p, reads the input at A B p: the product, first matrix first.
        total: Matrix = ((1.0, 0.0), (0.0, 1.0))
        for r in run:
            total = _product(total, r.spec.draw_matrix(generator, **r.params))  # type: ignore[misc]
        return _affine(images, total)

    return step


def _product(first: Matrix, second: Matrix) -> Matrix:
    (a, b), (c, d) = first
    (e, f), (g, h) = second
    return ((a * e + b * g, a * f + b * h), (c * e + d * g, c * f + d * h))


def _spatial_dims(images: torch.Tensor, name: str, image_only: bool = False) -> tuple[int, ...]:
    """The spatial dims of a (k, C, *spatial) batch: (-2, -1) for images, (-1,) for sequences."""
    if images.ndim == 4:
        return (-2, -1)
    if images.ndim == 3 and not image_only:
        return (-1,)
    needs = "(C, H, W) images" if image_only else "(C, L) sequences or (C, H, W) images"
    raise ParameterError(f"regulariser {name!r} needs inputs shaped {needs}, got {tuple(images.shape[1:])}")


# ---- penalties --------------------------------------------------------------------------------
def _sum_of_squares(values: torch.Tensor) -> torch.Tensor:
    """sum(x**2) per input of a (k, ...) batch, in one pass."""
    flat = values.flatten(1)
    return torch.linalg.vecdot(flat, flat)


def _l2_gradient(images: torch.Tensor, out: torch.Tensor, weight: float) -> torch.Tensor:
    out.add_(images, alpha=2.0 * weight)
    return weight * _sum_of_squares(images)


@register_regularizer(
    "l2",
    "penalty",
    [ParamSpec("weight", "float", 1e-3, "lambda in lambda * sum(x**2)", minimum=0.0)],
    add_gradient=_l2_gradient,
)
def l2(images: torch.Tensor, weight: float) -> torch.Tensor:
    """L2 decay, weight * sum(x**2) per input: keeps values small, so the image shows what
    matters most. Alone on a linear model the optimum is w / (2 * weight)."""
    return weight * images.flatten(1).pow(2).sum(1)


def _tv_gradient(images: torch.Tensor, out: torch.Tensor, weight: float, beta: float) -> torch.Tensor:
    """Each difference d = x[i+1] - x[i] adds slope(d) = beta * |d| ** (beta - 1) * sign(d) to
    x[i+1]'s gradient and takes it from x[i]'s (autograd's sign(0) = 0 included)."""
    total = images.new_zeros(images.shape[0])
    for dim in _spatial_dims(images, "tv"):
        step = images.diff(dim=dim)
        if beta == 2.0:
            total += _sum_of_squares(step)
            slope, factor = step, 2.0 * weight
        elif beta == 1.0:
            total += step.abs().flatten(1).sum(1)
            slope, factor = step.sign(), weight
        else:
            size = step.abs()
            total += size.pow(beta).flatten(1).sum(1)
            slope, factor = size.pow_(beta - 1.0).mul_(step.sign()), weight * beta
        n = images.shape[dim]
        out.narrow(dim, 1, n - 1).add_(slope, alpha=factor)
        out.narrow(dim, 0, n - 1).sub_(slope, alpha=factor)
    return weight * total


@register_regularizer(
    "tv",
    "penalty",
    [
        ParamSpec("weight", "float", 0.05, "lambda in lambda * sum(|neighbour difference| ** beta)", minimum=0.0),
        ParamSpec("beta", "float", 2.0, "exponent of the differences (1: total variation, 2: smooth)", minimum=1.0),
    ],
    add_gradient=_tv_gradient,
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
    # A roll copies the batch (and its backward again), so the dims that stay put are left out.
    moved = [(shift, dim) for shift, dim in zip(shifts, dims, strict=True) if shift]
    if not moved:
        return images
    return torch.roll(images, shifts=[shift for shift, _ in moved], dims=[dim for _, dim in moved])


def _affine(images: torch.Tensor, matrix: tuple[tuple[float, float], tuple[float, float]]) -> torch.Tensor:
    """(k, C, H, W) images sampled at ``matrix @ (x, y)``, in affine_grid's normalised coordinates
    (align_corners=False), bilinear with reflected borders.

    One transform serves the whole batch, so the grid is built once from two scaled sums of the
    pixel centres (Python scalars: no matrix is copied to the device) and every channel of every
    input is sampled as the channels of one image (a quarter of affine_grid's and grid_sample's
    time for a batch of four)."""
    k, channels, height, width = images.shape
    xs = _pixel_centres(width, images)[None, :]
    ys = _pixel_centres(height, images)[:, None]
    (a, b), (c, d) = matrix
    grid = torch.stack((xs * a + ys * b, xs * c + ys * d), dim=-1)[None]
    folded = images.reshape(1, k * channels, height, width)
    sampled = F.grid_sample(folded, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    return sampled.view(k, channels, height, width)


def _pixel_centres(n: int, like: torch.Tensor) -> torch.Tensor:
    """affine_grid's coordinates of n pixel centres in [-1, 1] (align_corners=False), computed as it does."""
    return torch.linspace(-1.0, 1.0, n, dtype=like.dtype, device=like.device) * (n - 1) / n


def _scale_matrix(generator: torch.Generator, amount: float) -> Matrix:
    factor = 1.0 + amount * (2.0 * torch.rand((), generator=generator).item() - 1.0)
    return ((1.0 / factor, 0.0), (0.0, 1.0 / factor))


@register_regularizer(
    "scale",
    "transform",
    [ParamSpec("amount", "float", 0.1, "largest relative zoom in or out", minimum=0.0, maximum=0.9)],
    draw_matrix=_scale_matrix,
)
def scale(images: torch.Tensor, generator: torch.Generator, amount: float) -> torch.Tensor:
    """Random zoom by a factor in [1 - amount, 1 + amount] (bilinear, reflected borders): robustness
    to scale, as Lucid's transform robustness."""
    _spatial_dims(images, "scale", image_only=True)
    return _affine(images, _scale_matrix(generator, amount))


def _rotation_matrix(generator: torch.Generator, degrees: float) -> Matrix:
    angle = math.radians(degrees * (2.0 * torch.rand((), generator=generator).item() - 1.0))
    cos, sin = math.cos(angle), math.sin(angle)
    return ((cos, -sin), (sin, cos))


@register_regularizer(
    "rotate",
    "transform",
    [ParamSpec("degrees", "float", 10.0, "largest random rotation", minimum=0.0, maximum=180.0)],
    draw_matrix=_rotation_matrix,
)
def rotate(images: torch.Tensor, generator: torch.Generator, degrees: float) -> torch.Tensor:
    """Random rotation by up to ``degrees`` either way (bilinear, reflected borders)."""
    _spatial_dims(images, "rotate", image_only=True)
    return _affine(images, _rotation_matrix(generator, degrees))


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
