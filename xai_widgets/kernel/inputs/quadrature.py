"""Integration rules on [0, 1] for path methods: points (alphas) and weights."""

from __future__ import annotations

import functools

import numpy as np

RULES = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")


def quadrature(rule: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Points and weights whose weighted sum of f(alpha) approximates the integral of f over [0, 1].

    Each rule is computed once and copied out (the caller may write to its arrays): Gauss-Legendre
    nodes cost about a millisecond to compute, as much as a small model's whole gradient pass.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; use one of {RULES}")
    if rule == "riemann_trapezoid" and n_steps < 2:
        raise ValueError("riemann_trapezoid needs n_steps >= 2")
    alphas, weights = _cached_rule(rule, int(n_steps))
    return alphas.copy(), weights.copy()


@functools.lru_cache(maxsize=64)
def _cached_rule(rule: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    return _compute_rule(rule, n_steps)


def _compute_rule(rule: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    if rule == "gausslegendre":
        # numpy's Gauss-Legendre nodes live on [-1, 1]; map them onto [0, 1].
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return 0.5 * (nodes + 1.0), 0.5 * weights
    if rule == "riemann_trapezoid":
        weights = np.full(n_steps, 1.0 / (n_steps - 1))
        weights[[0, -1]] *= 0.5
        return np.linspace(0.0, 1.0, n_steps), weights
    offset = {"riemann_left": 0.0, "riemann_right": 1.0, "riemann_middle": 0.5}[rule]
    return (np.arange(n_steps) + offset) / n_steps, np.full(n_steps, 1.0 / n_steps)
