"""The named registry behind composites and perturbations: registration order, a live view of the
names, and errors that list what is registered."""

import pytest

from xai_widgets.kernel import ParameterError
from xai_widgets.kernel.core.named_registry import NamedRegistry


def test_names_follow_registrations_and_keep_their_order():
    registry: NamedRegistry[int] = NamedRegistry("colour")
    names = registry.names("none")
    assert list(names) == ["none"] and len(names) == 1
    registry.register("red", 1)
    registry.register("blue", 2)
    assert list(names) == ["red", "blue", "none"] and names[1] == "blue" and names[:2] == ("red", "blue")
    assert "red" in names and "green" not in names and repr(names) == "('red', 'blue', 'none')"
    registry.register("red", 3)  # replaces, keeps its place
    assert registry.entries() == {"red": 3, "blue": 2}
    registry.unregister("red")
    assert list(names) == ["blue", "none"] and registry.get("blue") == 2


def test_unknown_names_are_refused_with_the_registered_ones():
    registry: NamedRegistry[int] = NamedRegistry("colour")
    registry.register("red", 1)
    with pytest.raises(ParameterError, match=r"unknown colour 'green'; use one of \['red'\]"):
        registry.get("green")
    with pytest.raises(ParameterError, match="green"):
        registry.unregister("green")
    with pytest.raises(ValueError, match="non-empty name"):
        registry.register("", 2)
