"""Attribution methods; importing this package registers each of them, in this order."""

from . import gradient, smoothgrad, integrated_gradients, deeplift, lrp, occlusion, lime, kernel_shap, grad_cam  # noqa: F401  isort: skip
