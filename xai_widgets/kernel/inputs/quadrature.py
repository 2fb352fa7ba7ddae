"""Integration rules on [0, 1] for path methods: points (alphas) and weights."""

from __future__ import annotations

import numpy as np

RULES = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")


def quadrature(rule: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Points and weights whose weighted sum of f(alpha) approximates the integral of f over [0, 1]."""
    if rule == "gausslegendre":
        # numpy's Gauss-Legendre nodes live on [-1, 1]; map them onto [0, 1].
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return 0.5 * (nodes + 1.0), 0.5 * weights
    if rule == "riemann_trapezoid":
        if n_steps < 2:
            raise ValueError("riemann_trapezoid needs n_steps >= 2")
        weights = np.full(n_steps, 1.0 / (n_steps - 1))
        weights[[0, -1]] *= 0.5
        return np.linspace(0.0, 1.0, n_steps), weights
    offsets = {"riemann_left": 0.0, "riemann_right": 1.0, "riemann_middle": 0.5}
    if rule not in offsets:
        raise ValueError(f"unknown rule {rule!r}; use one of {RULES}")
    return (np.arange(n_steps) + offsets[rule]) / n_steps, np.full(n_steps, 1.0 / n_steps)
