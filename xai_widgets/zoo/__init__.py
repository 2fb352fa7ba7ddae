"""Demo data (synthetic shapes with ground-truth masks, sklearn digits and tabular sets) and small
models that train in seconds."""

from .digits import DigitsData, load_digits
from .models import ResNetStyle, ShapesCNN, load_shapes_model, resnet_style
from .shapes import CLASS_NAMES, ShapesData, make_shapes
from .tabular import TABULAR_DATA_SETS, TabularData, TabularMLP, load_tabular, train_tabular_mlp

__all__ = [
    "CLASS_NAMES",
    "DigitsData",
    "ResNetStyle",
    "ShapesCNN",
    "ShapesData",
    "TABULAR_DATA_SETS",
    "TabularData",
    "TabularMLP",
    "load_digits",
    "load_shapes_model",
    "make_shapes",
    "resnet_style",
    "load_tabular",
    "train_tabular_mlp",
]
