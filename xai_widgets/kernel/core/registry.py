"""Method and parameter specifications: the registry widgets build their controls from."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ParameterError, UnknownMethodError

FAMILIES = ("gradient", "path", "perturbation", "cam", "propagation", "surrogate")
PARAM_KINDS = ("int", "float", "bool", "choice", "baseline", "layer", "window")
BASELINE_NAMES = ("zeros", "blur", "uniform")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a method: its kind, default, allowed values and a one-line help.

    Kinds: ``int``/``float`` (with ``minimum``/``maximum``), ``bool``, ``choice`` (one of
    ``choices``, or an object of type ``accepts`` when set: views offer the names only),
    ``baseline`` (a number, a tensor or one of ``choices``), ``layer`` (a module or dotted name;
    ``None`` lets the method choose), ``window`` (an int or a tuple of ints).
    """

    name: str
    kind: str
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: Sequence[Any] = ()
    accepts: type | tuple[type, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}; use one of {PARAM_KINDS}")

    def validate(self, value: Any, method: str) -> Any:
        """Return ``value`` checked (and converted) for this parameter, or raise ParameterError."""
        where = f"{method}: parameter {self.name!r}"
        if self.kind == "bool":
            if not isinstance(value, (bool, numbers.Integral)):
                raise ParameterError(f"{where} must be True or False, got {value!r}")
            return bool(value)
        if self.kind in ("int", "float"):
            return self._validate_number(value, where)
        if self.kind == "choice":
            if self.accepts is not None and isinstance(value, self.accepts):
                return value
            if value not in self.choices:
                names = _type_names(self.accepts)
                also = f" or {names}" if names else ""
                raise ParameterError(f"{where} must be one of {list(self.choices)}{also}, got {value!r}")
            return value
        if self.kind == "baseline":
            if isinstance(value, str) and value not in self.choices:
                raise ParameterError(
                    f"{where} must be a number, a tensor or one of {list(self.choices)}, got {value!r}"
                )
            return value
        if self.kind == "window":
            return _validate_window(value, where, allow_none=self.default is None)
        return value  # "layer": resolved against the model by the method

    def _validate_number(self, value: Any, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterError(f"{where} must be a number, got {value!r}")
        if self.kind == "int":
            if not float(value).is_integer():
                raise ParameterError(f"{where} must be a whole number, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        if self.minimum is not None and value < self.minimum:
            raise ParameterError(f"{where} must be at least {self.minimum}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise ParameterError(f"{where} must be at most {self.maximum}, got {value}")
        return value


def _type_names(types: type | tuple[type, ...] | None) -> str:
    if types is None:
        return ""
    return " or ".join(f"a {t.__name__}" for t in (types if isinstance(types, tuple) else (types,)))


def _validate_window(value: Any, where: str, allow_none: bool) -> Any:
    if value is None and allow_none:
        return None
    sizes = value if isinstance(value, (tuple, list)) else (value,)
    if not sizes or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and int(s) >= 1 for s in sizes):
        raise ParameterError(f"{where} must be a positive int or a tuple of positive ints, got {value!r}")
    return int(value) if not isinstance(value, (tuple, list)) else tuple(int(s) for s in sizes)


# What each kind of method can explain (see MethodSpec.inputs).
METHOD_INPUTS = {
    "any": ("image", "table", "sequence"),
    "spatial": ("image", "sequence"),
    "one_hot": ("sequence",),
}


@dataclass(frozen=True)
class MethodSpec:
    """An attribution method: name, family, parameters, documentation and its compute function.

    ``signed`` says whether values carry a sign (widgets pick a diverging colormap for them):
    a bool, or a function of the resolved parameters where they decide it (Grad-CAM's
    ``relu``); ``has_delta`` whether the method reports a completeness error. ``inputs`` says
    what the method can explain, so each explorer offers only what applies: "any" input,
    "spatial" ones (a convolutional layer's feature map over positions: images and sequences,
    the CAM family) or "one_hot" sequences (in-silico mutagenesis).
    """

    name: str
    family: str
    params: tuple[ParamSpec, ...]
    doc: str
    compute: Callable[..., Any] = field(repr=False, compare=False)
    signed: bool | Callable[[dict[str, Any]], bool] = True
    has_delta: bool = False
    inputs: str = "any"

    def __post_init__(self) -> None:
        if self.inputs not in METHOD_INPUTS:
            raise ValueError(f"method {self.name!r}: inputs must be one of {tuple(METHOD_INPUTS)}, got {self.inputs!r}")

    def applies_to(self, data: str) -> bool:
        """Whether the method can explain ``data``: "image", "table" or "sequence" (one-hot)."""
        return data in METHOD_INPUTS[self.inputs]

    def is_signed(self, params: dict[str, Any]) -> bool:
        """Whether values computed with ``params`` can be negative."""
        return bool(self.signed(params) if callable(self.signed) else self.signed)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def resolve(self, given: dict[str, Any]) -> dict[str, Any]:
        """Fill defaults and validate ``given``; unknown names raise ParameterError."""
        return resolve_params(self.params, given, self.name)


_REGISTRY: dict[str, MethodSpec] = {}


def register(spec: MethodSpec) -> MethodSpec:
    """Add ``spec`` to the registry (a later registration under the same name replaces it)."""
    if spec.family not in FAMILIES:
        raise ValueError(f"unknown family {spec.family!r}; use one of {FAMILIES}")
    _REGISTRY[spec.name] = spec
    return spec


def method(
    name: str,
    family: str,
    params: list[ParamSpec],
    signed: bool | Callable[[dict[str, Any]], bool] = True,
    has_delta: bool = False,
    inputs: str = "any",
):
    """Decorator registering a compute function as a method; its docstring becomes the doc."""

    def wrap(compute: Callable[..., Any]) -> Callable[..., Any]:
        doc = (compute.__doc__ or "").strip()
        spec = MethodSpec(name, family, tuple(params), doc, compute, signed=signed, has_delta=has_delta, inputs=inputs)
        register(spec)
        return compute

    return wrap


def methods() -> dict[str, MethodSpec]:
    """All registered methods by name, in registration order (``xai_widgets.kernel`` imports the
    built-in ones, so they are registered before any caller can get here)."""
    return dict(_REGISTRY)


def get_method(name: str) -> MethodSpec:
    available = methods()
    if name not in available:
        raise UnknownMethodError(f"no method {name!r}; available methods are {sorted(available)}")
    return available[name]


def resolve_params(
    params: Sequence[ParamSpec], given: Mapping[str, Any], owner: str, context: str | None = None
) -> dict[str, Any]:
    """``given`` validated against ``params``, defaults filled in: what every registered spec
    (method, metric, design method, regulariser) does with its parameters. Unknown names raise
    ``ParameterError`` naming ``owner`` and its parameters; each value is validated in ``context``
    (``owner`` when None)."""
    known = {p.name: p for p in params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ParameterError(
            f"{owner} has no parameter {', '.join(map(repr, unknown))}; its parameters are {sorted(known) or 'none'}"
        )
    resolved = {p.name: p.default for p in params}
    for name, value in given.items():
        resolved[name] = known[name].validate(value, owner if context is None else context)
    return resolved
