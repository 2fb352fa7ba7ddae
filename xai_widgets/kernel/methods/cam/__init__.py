"""Class activation maps: Grad-CAM and its family (Grad-CAM++, XGrad-CAM, HiResCAM, LayerCAM,
Score-CAM, Ablation-CAM, Eigen-CAM), each one override of how a layer's map is formed (base.py)."""

# The import order is the registration order, which is the order views list the methods in.
# isort: off
from . import grad_cam, grad_cam_plus_plus, xgrad_cam, hires_cam, layer_cam  # noqa: F401
from . import score_cam, ablation_cam, eigen_cam  # noqa: F401
# isort: on
