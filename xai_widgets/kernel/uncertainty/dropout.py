"""Finding a model's dropout modules and switching on only them (MC dropout)."""

from __future__ import annotations

from torch import nn

from ..core.errors import ExplainerError
from ..core.model_guard import walk_modules

DROPOUT_TYPES: tuple[type[nn.Module], ...] = (
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.FeatureAlphaDropout,
)


def dropout_modules(model: nn.Module, modules: list[nn.Module] | None = None) -> list[nn.Module]:
    """The model's dropout modules with a non-zero rate, in registration order (``modules``: the
    model's modules, as ``walk_modules`` gives them, when the caller has them already)."""
    return [
        m
        for m in (walk_modules(model) if modules is None else modules)
        if isinstance(m, DROPOUT_TYPES) and getattr(m, "p", 0.0) > 0.0
    ]


def require_dropout(model: nn.Module, modules: list[nn.Module] | None = None) -> list[nn.Module]:
    """The model's dropout modules, or an error that says what to do when it has none."""
    found = dropout_modules(model, modules)
    if not found:
        raise ExplainerError(
            f"MC dropout needs dropout modules with p > 0 (nn.Dropout, Dropout1d/2d/3d, AlphaDropout, "
            f"FeatureAlphaDropout), and {type(model).__name__} has none (a functional F.dropout is not seen); "
            "add dropout to the model and train it with dropout, or train several models and pass "
            "xw.Ensemble(models) with method='ensemble'"
        )
    return found


def switch_on(modules: list[nn.Module]) -> None:
    """Put ``modules`` in training mode so they drop units; the caller's model guard restores them."""
    for module in modules:
        module.training = True
