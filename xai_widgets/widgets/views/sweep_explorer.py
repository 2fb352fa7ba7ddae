"""SweepExplorer: one entry point for sweeps, a feature of a table or a perturbation of an image."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import traitlets as t

from ...kernel import Explainer, InputError
from ..base.view import BaseView
from .feature_sweep_panel import SweepPanel
from .image_sweep_explorer import ImageSweepExplorer


class SweepExplorer(BaseView):
    """Drag a slider and watch the prediction and the attributions follow.

    For a table ``data`` (N, F): a :class:`SweepPanel` (choose a feature; ICE of the selected
    sample, partial dependence over ``data`` and the sensitivity, with the attributions at the
    cursor). For images (N, C, H, W): an :class:`ImageSweepExplorer` (brightness, noise, blur, an
    occluder's position, or the integrated-gradients path). ``options`` go to that view;
    ``explorer.panel`` is the view itself, whose traits (``value``/``amount``, ``sample_index``...)
    can be linked with other views. This view's ``status``, ``error``, ``elapsed_ms``,
    ``progress`` and ``kernel_calls`` follow the panel's; ``cancel()`` cancels the panel's work.
    """

    def __init__(
        self,
        explainer: Explainer,
        data: Any,
        feature_names: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        **options: Any,
    ) -> None:
        ndim = len(np.shape(data))
        if ndim not in (2, 4):
            raise InputError(
                f"SweepExplorer takes a table (N, F) or images (N, C, H, W), got {ndim} dims; "
                "pass a batch, e.g. x.unsqueeze(0) for one sample"
            )
        super().__init__()
        self.panel: BaseView
        if ndim == 2:
            self.panel = SweepPanel(explainer, data, feature_names=feature_names, **options)
        else:
            self.panel = ImageSweepExplorer(explainer, data, class_names=class_names, **options)
        self._links = [
            t.dlink((self.panel, name), (self, name))
            for name in ("status", "error", "elapsed_ms", "progress", "kernel_calls")
        ]
        # The panel has its own status bar with the Cancel button: this view adds none.
        self.children = [self.panel]

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the view's pending kernel work is done (True) or ``timeout`` seconds pass."""
        return self.panel.wait(timeout)

    def cancel(self) -> None:
        """Cancel the panel's running kernel call."""
        self.panel.cancel()
