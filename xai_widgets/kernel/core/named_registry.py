"""A registry of named entries that views offer as choices (LRP composites, image perturbations),
with a live, read-only view of its names for parameter choices and menus."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar, overload

from .errors import ParameterError

Entry = TypeVar("Entry")


class NamedRegistry(Generic[Entry]):
    """Entries by name, in registration order; ``what`` names the family in error messages."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, entry: Entry) -> Entry:
        """Add ``entry`` under ``name`` (a later registration under the same name replaces it)."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.what} needs a non-empty name, got {name!r}")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove ``name`` (an unknown name raises, as a typo should)."""
        self.get(name)
        del self._entries[name]

    def get(self, name: str) -> Entry:
        if name not in self._entries:
            raise ParameterError(f"unknown {self.what} {name!r}; use one of {list(self._entries)}")
        return self._entries[name]

    def entries(self) -> dict[str, Entry]:
        """A copy of the registry: name -> entry."""
        return dict(self._entries)

    def names(self, *extra: str) -> RegisteredNames:
        """The registered names followed by ``extra``, following later registrations."""
        return RegisteredNames(self, extra)


class RegisteredNames(Sequence[str]):
    """The names of a :class:`NamedRegistry` (and fixed extras) as a read-only sequence that stays
    current: a parameter's choices or a sweep's kinds include what is registered later."""

    def __init__(self, registry: NamedRegistry, extra: tuple[str, ...] = ()) -> None:
        self._registry = registry
        self._extra = extra

    def _names(self) -> tuple[str, ...]:
        return (*self._registry._entries, *self._extra)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __repr__(self) -> str:
        return repr(self._names())
