"""Quality of the model (``xw.performance``): calibration of probabilities and coverage of
predicted uncertainties, torch on the device, numpy accepted."""

from .calibration import ReliabilityCurve, coverage, expected_calibration_error, reliability_curve

__all__ = ["ReliabilityCurve", "coverage", "expected_calibration_error", "reliability_curve"]
