"""Demo data (synthetic shapes with ground-truth masks, sklearn digits and tabular sets, a noisy 1-D
regression with a gap, JUND-like DNA sequences) and small models that train in seconds."""

from .digits import DigitsData, load_digits
from .dropout_shapes import OOD_KINDS, DropoutShapesCNN, OODImages, load_dropout_shapes_model, make_ood_images
from .jund import JUND_MOTIFS, JundCNN, SequenceData, load_jund_model, make_jund_like
from .max_network import MaxNetwork, max_network
from .models import ResNetStyle, ShapesCNN, load_shapes_model, resnet_style
from .regression1d import NoisyRegressionData, make_noisy_regression
from .shapes import CLASS_NAMES, ShapesData, make_shapes
from .tabular import TABULAR_DATA_SETS, TabularData, TabularMLP, load_tabular, train_tabular_mlp
from .uncertainty_models import DropoutMLP, SmallMLP, train_dropout_mlp, train_gaussian_mlp, train_mlp_ensemble

__all__ = [
    "CLASS_NAMES",
    "DigitsData",
    "DropoutMLP",
    "DropoutShapesCNN",
    "JUND_MOTIFS",
    "JundCNN",
    "NoisyRegressionData",
    "OODImages",
    "OOD_KINDS",
    "MaxNetwork",
    "ResNetStyle",
    "ShapesCNN",
    "SequenceData",
    "ShapesData",
    "SmallMLP",
    "TABULAR_DATA_SETS",
    "TabularData",
    "TabularMLP",
    "load_digits",
    "load_dropout_shapes_model",
    "load_jund_model",
    "load_shapes_model",
    "make_jund_like",
    "make_noisy_regression",
    "make_ood_images",
    "make_shapes",
    "max_network",
    "resnet_style",
    "load_tabular",
    "train_dropout_mlp",
    "train_gaussian_mlp",
    "train_mlp_ensemble",
    "train_tabular_mlp",
]
