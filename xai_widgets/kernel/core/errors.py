"""Errors the kernel raises: each says what was wrong and what to do about it."""


class ExplainerError(Exception):
    """Base class of every error the explainer kernel raises on purpose."""


class InputError(ExplainerError, ValueError):
    """The input batch has the wrong type, rank, shape or values (NaN, inf)."""


class TargetError(ExplainerError, ValueError):
    """The target class is out of range or does not match the batch."""


class ParameterError(ExplainerError, ValueError):
    """A method parameter is unknown, of the wrong type or out of range."""


class UnknownMethodError(ExplainerError, LookupError):
    """No attribution method is registered under the requested name."""


class LayerNotFoundError(ExplainerError, LookupError):
    """A layer given by name (or module) is not part of the model."""


class NotDifferentiableError(ExplainerError):
    """The model's output does not depend differentiably on its input."""


class ModelOutputError(ExplainerError):
    """The model returned something the kernel cannot read as (N, outputs)."""


class CompilationError(ExplainerError, RuntimeError):
    """``torch.compile`` could not compile the model's forward (``Explainer(compile=...)``)."""


class UnsupportedLayerError(ExplainerError, TypeError):
    """The model contains a layer the requested method has no rule for."""
