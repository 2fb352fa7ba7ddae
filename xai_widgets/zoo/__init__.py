"""Demo data (synthetic shapes with ground-truth masks, sklearn digits) and small models that train in seconds."""

from .digits import DigitsData, load_digits
from .models import ResNetStyle, ShapesCNN, load_shapes_model, resnet_style
from .shapes import CLASS_NAMES, ShapesData, make_shapes

__all__ = [
    "CLASS_NAMES",
    "DigitsData",
    "ResNetStyle",
    "ShapesCNN",
    "ShapesData",
    "load_digits",
    "load_shapes_model",
    "make_shapes",
    "resnet_style",
]
