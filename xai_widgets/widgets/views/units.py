"""What an attribution map's numbers measure, named per method for titles and panel captions."""

from __future__ import annotations

from ...kernel import registered_methods

# By family; a method of the family may override (below) or be unsigned.
_FAMILY_UNITS = {
    "gradient": "gradient",
    "path": "attribution",
    "propagation": "relevance",
    "cam": "class activation",
    "perturbation": "output drop",
    "surrogate": "surrogate weight",
}
_METHOD_UNITS = {"grad_x_input": "gradient × input", "deeplift": "attribution", "smoothgrad": "gradient (smoothed)"}


def method_units(method: str, signed: bool | None = None) -> str:
    """The units of ``method``'s values: "|gradient|", "attribution", "relevance" ...; ``signed``
    (the result's, when known) marks an unsigned gradient as a magnitude."""
    spec = registered_methods().get(method)
    if method in _METHOD_UNITS:
        units = _METHOD_UNITS[method]
    elif spec is None:
        return "attribution"
    else:
        units = _FAMILY_UNITS.get(spec.family, "attribution")
    if signed is None and spec is not None and not callable(spec.signed):
        signed = bool(spec.signed)
    if signed is False and units.startswith("gradient"):
        return f"|{units}|"
    return units
