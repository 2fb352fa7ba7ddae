"""Optimisation of inputs: sequence design (random, greedy, beam and gradient searches)."""

# The import order is the registration order, which views list the methods in.
from . import search  # noqa: I001, F401  (registers random, greedy, beam)
from . import relaxed  # noqa: F401  (registers gradient)
from .design import SequenceDesign, design_sequence
from .registry import DesignMethodSpec, design_method_spec, design_methods, register_design_method

__all__ = [
    "DesignMethodSpec",
    "SequenceDesign",
    "design_method_spec",
    "design_methods",
    "design_sequence",
    "register_design_method",
]
