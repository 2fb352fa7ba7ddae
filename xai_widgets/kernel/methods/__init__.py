"""Attribution methods; importing this package registers each of them, in this order."""

from . import gradient, smoothgrad, integrated_gradients, occlusion, grad_cam  # noqa: F401  isort: skip
