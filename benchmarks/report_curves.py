"""Time the report card's curves against scikit-learn (and scipy's two-sample KS) on 10^6 scores,
the same inputs, interleaved round by round, and print a markdown table of medians.

    .venv/bin/python -m benchmarks.report_curves [--n 1000000] [--repeats 7] [--threads 1]

Goal (issue 16): every curve at most scikit-learn's time. Scores are rounded to 3 decimals so
there are ties (1,001 distinct values), as real scores have; inputs are numpy arrays on both
sides (ours converts them without copying) and, in a second block, torch tensors for ours.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch
from scipy import stats
from sklearn import metrics as skm

from xai_widgets.kernel import performance


def medians(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    for run in runs.values():
        run()
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeats):
        for label, run in runs.items():
            start = time.perf_counter()
            run()
            times[label].append((time.perf_counter() - start) * 1000.0)
    return {label: statistics.median(values) for label, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, args.n)
    scores = rng.random(args.n).round(3)
    y_pred = rng.integers(0, 10, args.n)
    y_multi = rng.integers(0, 10, args.n)
    ys, ss = torch.as_tensor(y), torch.as_tensor(scores)
    cases = {
        "roc_curve": (lambda: performance.roc_curve(y, scores), lambda: skm.roc_curve(y, scores)),
        "roc_auc": (lambda: performance.roc_auc(y, scores), lambda: skm.roc_auc_score(y, scores)),
        "precision_recall_curve": (
            lambda: performance.precision_recall_curve(y, scores),
            lambda: skm.precision_recall_curve(y, scores),
        ),
        "average_precision": (
            lambda: performance.average_precision(y, scores),
            lambda: skm.average_precision_score(y, scores),
        ),
        "ks_statistic (peer: scipy ks_2samp)": (
            lambda: performance.ks_statistic(y, scores),
            lambda: stats.ks_2samp(scores[y == 1], scores[y == 0], method="asymp"),
        ),
        "confusion_matrix (10 classes)": (
            lambda: performance.confusion_matrix(y_multi, y_pred),
            lambda: skm.confusion_matrix(y_multi, y_pred),
        ),
        "classification_report (10 classes)": (
            lambda: performance.classification_report(y_multi, y_pred),
            lambda: skm.classification_report(y_multi, y_pred, output_dict=True, zero_division=0),
        ),
        "roc_curve (torch tensors)": (lambda: performance.roc_curve(ys, ss), lambda: skm.roc_curve(y, scores)),
    }
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, n = {args.n:,}, {args.repeats} repeats\n")
    print("| curve | ours ms | scikit-learn ms | ours/scikit-learn |")
    print("|---|---:|---:|---:|")
    for name, (ours, theirs) in cases.items():
        times = medians({"ours": ours, "theirs": theirs}, args.repeats)
        print(f"| {name} | {times['ours']:.0f} | {times['theirs']:.0f} | **{times['ours'] / times['theirs']:.2f}** |")
    print("\n(lift_curve has no scikit-learn peer; it is checked against a table computed by hand.)")


if __name__ == "__main__":
    main()
