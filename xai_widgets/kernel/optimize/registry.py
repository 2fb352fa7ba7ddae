"""Design methods by name, each with its ``ParamSpec``s, so views build their controls themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.named_registry import NamedRegistry, RegisteredNames
from ..core.registry import ParamSpec, resolve_params

if TYPE_CHECKING:
    from .objective import Search


@dataclass(frozen=True)
class DesignMethodSpec:
    """A sequence design method: name, parameters, a one-paragraph doc, and the factory that
    starts a search: ``create(objective, x0, scores0, generator, **params) -> Search``."""

    name: str
    params: tuple[ParamSpec, ...]
    doc: str
    create: Callable[..., Search] = field(repr=False, compare=False)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def resolve(self, given: dict[str, Any]) -> dict[str, Any]:
        """Fill defaults and validate ``given``; unknown names raise ``ParameterError``."""
        return resolve_params(self.params, given, f"design method {self.name!r}")


_DESIGN_METHODS: NamedRegistry[DesignMethodSpec] = NamedRegistry("design method")


def register_design_method(
    name: str, params: list[ParamSpec]
) -> Callable[[Callable[..., Search]], Callable[..., Search]]:
    """Decorator registering a search factory as a design method; its docstring becomes the doc."""

    def wrap(create: Callable[..., Search]) -> Callable[..., Search]:
        doc = (create.__doc__ or "").strip()
        _DESIGN_METHODS.register(name, DesignMethodSpec(name, tuple(params), doc, create))
        return create

    return wrap


def design_methods() -> RegisteredNames:
    """The names of the registered design methods, in registration order."""
    return _DESIGN_METHODS.names()


def design_method_spec(name: str) -> DesignMethodSpec:
    """The spec of design method ``name`` (``.params``, ``.doc``); an unknown name raises ``ParameterError``."""
    return _DESIGN_METHODS.get(name)
