"""Quality of the model (``xw.performance``): the report card (confusion matrix, per-class report,
ROC, precision-recall, KS and lift curves, one class against the rest for multi-class models),
calibration of probabilities, coverage of predicted uncertainties, and global surrogates. Torch on
the inputs' device (numpy and lists accepted); scikit-learn only for fitting surrogates."""

from .calibration import ReliabilityCurve, coverage, expected_calibration_error, reliability_curve
from .classification import classification_report, confusion_matrix
from .curves import (
    CountsAtThresholds,
    KSCurve,
    LiftCurve,
    average_precision,
    counts_at_thresholds,
    ks_curve,
    ks_statistic,
    lift_curve,
    precision_recall_curve,
    roc_auc,
    roc_curve,
)
from .one_vs_rest import OneVsRest, precision_recall_curves, roc_curves
from .surrogate import Surrogate, global_surrogate, tree_paths

__all__ = [
    "CountsAtThresholds",
    "KSCurve",
    "LiftCurve",
    "OneVsRest",
    "ReliabilityCurve",
    "Surrogate",
    "average_precision",
    "classification_report",
    "confusion_matrix",
    "counts_at_thresholds",
    "coverage",
    "expected_calibration_error",
    "global_surrogate",
    "ks_curve",
    "ks_statistic",
    "lift_curve",
    "precision_recall_curve",
    "precision_recall_curves",
    "reliability_curve",
    "roc_auc",
    "roc_curve",
    "roc_curves",
    "tree_paths",
]
