"""SweepExplorer: one entry point for sweeps, a feature of a table or a perturbation of an image."""

from __future__ import annotations

from typing import Any, Sequence

import ipywidgets as w
import numpy as np
import torch

from ..kernel import InputError
from ..kernel import Explainer
from .image_sweep import ImageSweepExplorer
from .sweep_panel import SweepPanel


class SweepExplorer(w.VBox):
    """Drag a slider and watch the prediction and the attributions follow.

    For a table ``data`` (N, F): a :class:`SweepPanel` (choose a feature; ICE of the selected
    sample, partial dependence over ``data`` and the sensitivity, with the attributions at the
    cursor). For images (N, C, H, W): an :class:`ImageSweepExplorer` (brightness, noise, blur, an
    occluder's position, or the integrated-gradients path). ``options`` go to that view;
    ``explorer.panel`` is the view itself, whose traits (``value``/``amount``, ``sample_index``...)
    can be linked with other views.
    """

    def __init__(
        self,
        explainer: Explainer,
        data: Any,
        feature_names: Sequence[str] | None = None,
        class_names: Sequence[str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__()
        ndim = np.ndim(data) if not isinstance(data, torch.Tensor) else data.ndim
        if ndim not in (2, 4):
            self.close()  # nothing to show: leave no half-made widget registered
            raise InputError(
                f"SweepExplorer takes a table (N, F) or images (N, C, H, W), got {ndim} dims; "
                "pass a batch, e.g. x.unsqueeze(0) for one sample"
            )
        if ndim == 2:
            self.panel: w.VBox = SweepPanel(explainer, data, feature_names=feature_names, **options)
        else:
            self.panel = ImageSweepExplorer(explainer, data, class_names=class_names, **options)
        self.children = [self.panel]

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the view's pending kernel work is done (True) or ``timeout`` seconds pass."""
        return self.panel.wait(timeout)

    def close(self) -> None:
        panel = getattr(self, "panel", None)  # absent when the data was refused
        if panel is not None:
            panel.close()
        super().close()
