"""The attribution methods, one module each, grouped by family; importing them registers them."""

# The import order is the registration order, which is the order views list the methods in.
# isort: off
from .gradient import gradient, smoothgrad  # noqa: F401
from .path import integrated_gradients  # noqa: F401
from .propagation import deeplift  # noqa: F401
from .propagation.lrp import method as lrp  # noqa: F401
from .gradient import guided_backprop, deconvnet  # noqa: F401
from .perturbation import occlusion, in_silico_mutagenesis  # noqa: F401
from .surrogate import lime, kernel_shap  # noqa: F401
from .cam import grad_cam, grad_cam_plus_plus, xgrad_cam, hires_cam, layer_cam, score_cam, ablation_cam, eigen_cam  # noqa: F401, E501
# isort: on
