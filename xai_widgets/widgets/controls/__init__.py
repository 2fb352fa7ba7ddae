"""Controls shared by the views: one per ParamSpec kind (a registry), and the method chips."""

from .method_chips import check_methods, method_chips, toggled
from .param_controls import CONTROL_FACTORIES, ControlContext, MethodControls, control_factory, control_for

__all__ = [
    "CONTROL_FACTORIES",
    "ControlContext",
    "MethodControls",
    "check_methods",
    "control_factory",
    "control_for",
    "method_chips",
    "toggled",
]
