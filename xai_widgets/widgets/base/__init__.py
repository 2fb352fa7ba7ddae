"""What every view shares: the view base, its worker and status bar, the wire's Array trait, display traits."""

from .display_traits import DisplayTraits
from .static_files import CSS, bundle
from .view import BaseView, Cancelled, Work
from .wire import EMPTY_ARRAY, Array, from_wire, to_display_uint8, to_wire
from .worker import LatestWinsWorker, Superseded

__all__ = [
    "EMPTY_ARRAY",
    "Array",
    "BaseView",
    "CSS",
    "Cancelled",
    "DisplayTraits",
    "LatestWinsWorker",
    "Superseded",
    "Work",
    "bundle",
    "from_wire",
    "to_display_uint8",
    "to_wire",
]
