"""Predictive uncertainty: MC dropout, ensembles (``Ensemble``) and variance heads, the result per
sample (``Uncertainty``), and the uncertainty as a function to explain (``UncertaintyOf``)."""

from .ensemble import Ensemble
from .explain_uncertainty import UncertaintyOf
from .predict import uncertainty_methods
from .result import Uncertainty

__all__ = ["Ensemble", "Uncertainty", "UncertaintyOf", "uncertainty_methods"]
