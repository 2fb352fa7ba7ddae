"""Global surrogates: an interpretable model (a shallow decision tree, or a sparse linear model)
fitted to the network's own predictions, with its fidelity and readable rules. scikit-learn is
imported only when one is fitted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..core.errors import InputError, ParameterError
from ..core.explainer import Explainer

KINDS = ("tree", "linear")


@dataclass
class Surrogate:
    """A fitted stand-in for the network.

    ``model`` is the scikit-learn estimator (``tree`` the same object for ``kind="tree"``, else
    None); ``fidelity`` its agreement with the network on the samples it was fitted on and
    ``holdout_fidelity`` on the held-out ones (accuracy of matching the network's class for a
    classifier, R² against its output for regression; NaN without held-out samples). ``leaves``
    gives, for a tree, each sample of X's leaf (node id), so a view can select a leaf's samples;
    ``rules`` is readable text with the feature names; ``predictions`` the network's (N,) classes
    or values it was fitted to, and ``fit_index``/``holdout_index`` which samples went where.
    """

    kind: str
    model: Any
    tree: Any
    fidelity: float
    holdout_fidelity: float
    rules: str
    feature_names: list[str]
    class_names: list[str] | None
    predictions: np.ndarray
    fit_index: np.ndarray
    holdout_index: np.ndarray
    leaves: np.ndarray | None = field(default=None)


def global_surrogate(
    explainer: Explainer,
    X: Any,
    kind: str = "tree",
    max_depth: int = 3,
    feature_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    holdout: float = 0.25,
    sparsity: float = 1.0,
    seed: int = 0,
) -> Surrogate:
    """Fit an interpretable surrogate to the network's predictions on ``X`` (N, features).

    ``kind="tree"``: a decision tree of depth at most ``max_depth`` (classes for a classifier,
    values for regression). ``kind="linear"``: an L1-penalised (sparse) logistic or linear
    regression on standardised features, ``sparsity`` the penalty's strength (larger: fewer
    features). A random ``holdout`` fraction of the samples is kept out of the fit to measure
    how well the surrogate generalises (``holdout_fidelity``).
    """
    if kind not in KINDS:
        raise ParameterError(f"kind must be one of {KINDS}, got {kind!r}")
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 1:
        raise ParameterError(f"max_depth must be a positive int, got {max_depth!r}")
    if not 0 <= holdout < 1:
        raise ParameterError(f"holdout must be a fraction in [0, 1), got {holdout!r}")
    if not sparsity > 0:
        raise ParameterError(f"sparsity must be positive, got {sparsity!r}")
    features = _features(X)
    names = _feature_names(feature_names, features.shape[1])
    outputs = explainer.predict(torch.as_tensor(features))
    regression = explainer.is_regression(outputs)
    targets = outputs[:, 0].numpy().astype(np.float64) if regression else outputs.argmax(1).numpy()
    classes = None if regression else _class_names(class_names, outputs.shape[1])
    fit_index, holdout_index = _split(features.shape[0], holdout, seed)
    model = _fit(kind, regression, features[fit_index], targets[fit_index], max_depth, sparsity, seed)
    tree = model if kind == "tree" else None
    return Surrogate(
        kind=kind,
        model=model,
        tree=tree,
        fidelity=_agreement(model, features[fit_index], targets[fit_index], regression),
        holdout_fidelity=_agreement(model, features[holdout_index], targets[holdout_index], regression),
        rules=_tree_rules(model, names, classes) if tree is not None else _linear_rules(model, names, classes),
        feature_names=names,
        class_names=classes,
        predictions=targets,
        fit_index=fit_index,
        holdout_index=holdout_index,
        leaves=model.apply(features) if tree is not None else None,
    )


def _features(X: Any) -> np.ndarray:
    array = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
    if array.ndim != 2:
        raise InputError(f"a global surrogate is fitted to a table: X must be (N, features), got shape {array.shape}")
    if array.shape[0] < 2:
        raise InputError("a global surrogate needs at least 2 samples")
    return array.astype(np.float32)


def _feature_names(names: Sequence[str] | None, n: int) -> list[str]:
    if names is None:
        return [f"x{i}" for i in range(n)]
    if len(names) != n:
        raise InputError(f"feature_names has {len(names)} names for {n} features")
    return [str(name) for name in names]


def _class_names(names: Sequence[str] | None, n: int) -> list[str]:
    if names is None:
        return [str(i) for i in range(n)]
    if len(names) != n:
        raise InputError(f"class_names has {len(names)} names for the model's {n} classes")
    return [str(name) for name in names]


def _split(n: int, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    n_holdout = min(int(round(n * holdout)), n - 1)
    return np.sort(order[n_holdout:]), np.sort(order[:n_holdout])


def _fit(kind: str, regression: bool, X: np.ndarray, y: np.ndarray, max_depth: int, sparsity: float, seed: int) -> Any:
    if kind == "tree":
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        tree_class = DecisionTreeRegressor if regression else DecisionTreeClassifier
        return tree_class(max_depth=max_depth, random_state=seed).fit(X, y)
    import sklearn
    from sklearn.linear_model import Lasso, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if regression:
        linear = Lasso(alpha=0.01 * sparsity * float(np.std(y) or 1.0))
    else:
        # scikit-learn 1.8 replaced penalty="l1" by l1_ratio=1 (the old spelling now warns).
        new_spelling = tuple(int(p) for p in sklearn.__version__.split(".")[:2]) >= (1, 8)
        l1: dict[str, Any] = {"l1_ratio": 1.0} if new_spelling else {"penalty": "l1"}
        linear = LogisticRegression(C=1.0 / sparsity, solver="saga", max_iter=5000, random_state=seed, **l1)
    if not regression and np.unique(y).size < 2:
        raise InputError("the network predicts one class for every sample: a linear surrogate has nothing to separate")
    return make_pipeline(StandardScaler(), linear).fit(X, y)


def _agreement(model: Any, X: np.ndarray, y: np.ndarray, regression: bool) -> float:
    if X.shape[0] == 0:
        return float("nan")
    predicted = model.predict(X)
    if not regression:
        return float(np.mean(predicted == y))
    spread = float(np.sum((y - y.mean()) ** 2))
    return float("nan") if spread == 0 else 1.0 - float(np.sum((y - predicted) ** 2)) / spread


def tree_paths(tree: Any) -> dict[int, list[tuple[int, str, float]]]:
    """Each leaf's node id -> the conditions on the way to it: (feature, "<=" or ">", threshold)."""
    structure = tree.tree_
    paths: dict[int, list[tuple[int, str, float]]] = {}
    stack: list[tuple[int, list[tuple[int, str, float]]]] = [(0, [])]
    while stack:
        node, conditions = stack.pop()
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            paths[node] = conditions
            continue
        feature, threshold = int(structure.feature[node]), float(structure.threshold[node])
        stack.append((right, [*conditions, (feature, ">", threshold)]))
        stack.append((left, [*conditions, (feature, "<=", threshold)]))
    return paths


def _tree_rules(tree: Any, names: list[str], classes: list[str] | None) -> str:
    """One line per leaf, the largest first: IF conditions THEN outcome (samples, purity)."""
    structure = tree.tree_
    lines = []
    for node, conditions in tree_paths(tree).items():
        condition = " AND ".join(f"{names[f]} {op} {t:.4g}" for f, op, t in conditions) or "always"
        samples = int(structure.n_node_samples[node])
        value = structure.value[node][0]
        if classes is None:
            outcome = f"value {float(value[0]):.4g}"
        else:
            # scikit-learn stores class fractions per leaf (counts in older releases): normalise.
            fractions = value / value.sum()
            best = int(np.argmax(fractions))
            outcome = f"{classes[int(tree.classes_[best])]} (purity {fractions[best]:.0%})"
        lines.append((samples, f"IF {condition} THEN {outcome}  [{samples} samples]"))
    return "\n".join(line for _, line in sorted(lines, key=lambda item: -item[0]))


def _linear_rules(pipeline: Any, names: list[str], classes: list[str] | None) -> str:
    """The non-zero weights per standardised feature, largest first, per class (or the output)."""
    linear = pipeline[-1]
    coefficients = np.atleast_2d(linear.coef_)
    intercepts = np.atleast_1d(linear.intercept_)
    if classes is None:
        row_names = ["output"]
    elif coefficients.shape[0] == 1:  # binary: one row, for the second class
        row_names = [f"logit of {classes[int(linear.classes_[1])]}"]
    else:
        row_names = [f"logit of {classes[int(c)]}" for c in linear.classes_]
    lines = []
    for row_name, weights, intercept in zip(row_names, coefficients, intercepts, strict=True):
        terms = sorted(((w, n) for w, n in zip(weights, names, strict=True) if w != 0), key=lambda term: -abs(term[0]))
        body = " ".join(f"{'+' if w > 0 else '-'} {abs(w):.3g}·z({n})" for w, n in terms) or "(no feature used)"
        lines.append(f"{row_name} = {intercept:.3g} {body}")
    return "\n".join(lines) + "\n(z(f): feature f standardised over the fitted samples)"
