"""The status bar of a view: a progress bar, "NN% · about N s left", and a Cancel button."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w


def time_left_text(fraction: float, elapsed_s: float) -> str:
    """``"40% · about 3 s left"`` from the fraction done and the seconds it took so far."""
    percent = f"{100.0 * fraction:.0f}%"
    if fraction <= 0.0:
        return f"{percent} · estimating time left"
    left = elapsed_s * (1.0 - fraction) / fraction
    return f"{percent} · about {readable_seconds(left)} left"


def readable_seconds(seconds: float) -> str:
    """A duration in the unit a reader expects: ``"0.4 s"``, ``"12 s"``, ``"3 min"``."""
    if seconds < 10.0:
        return f"{seconds:.1f} s"
    if seconds < 120.0:
        return f"{seconds:.0f} s"
    return f"{seconds / 60.0:.0f} min"


class StatusBar(w.HBox):
    """Shown while a long kernel call runs; ``on_cancel()`` fires when its button is clicked."""

    def __init__(self, on_cancel: Callable[[], None]) -> None:
        self.bar = w.FloatProgress(value=0.0, min=0.0, max=1.0, layout=w.Layout(width="200px"))
        self.label = w.HTML("")
        self.cancel_button = w.Button(description="Cancel", icon="stop", layout=w.Layout(width="90px"))
        self.cancel_button.add_class("xw-cancel")
        self.cancel_button.on_click(lambda _button: on_cancel())
        super().__init__(children=[self.bar, self.label, self.cancel_button], layout=w.Layout(display="none"))
        self.add_class("xw-status-bar")

    @property
    def visible(self) -> bool:
        """Whether the bar is shown."""
        return self.layout.display != "none"

    def start(self, title: str) -> None:
        """Show the bar at 0% for a call named ``title``."""
        with self.hold_sync():
            self.bar.value = 0.0
            self.bar.layout.display = None
            self.cancel_button.layout.display = None
            self.label.value = f"{title}: estimating time left"
            self.layout.display = None

    def show_progress(self, title: str, fraction: float, elapsed_s: float) -> None:
        """Move the bar to ``fraction`` and say the time left."""
        self.bar.value = min(max(fraction, 0.0), 1.0)
        self.label.value = f"{title}: {time_left_text(fraction, elapsed_s)}"

    def say(self, text: str) -> None:
        """Show only ``text`` (e.g. "cancelled"): no bar, no button."""
        with self.hold_sync():
            self.bar.layout.display = "none"
            self.cancel_button.layout.display = "none"
            self.label.value = text
            self.layout.display = None

    def hide(self) -> None:
        """Hide the whole bar."""
        self.layout.display = "none"

    def close(self) -> None:
        for part in (self.bar, self.label, self.cancel_button):
            part.close()
        super().close()
