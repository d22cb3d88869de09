"""A small line chart (textual-plotext) for the pair spread and the funding history.

Line colours come from the app's theme variables, so the chart follows the theme; when the
data behind it is stale the line is drawn in ``$stale`` and the title says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.color import Color
from textual_plotext import PlotextPlot


class SeriesChart(PlotextPlot):
    """One time series against hours relative to now (negative = the past)."""

    DEFAULT_CSS = """
    SeriesChart {
        height: 1fr;
        min-height: 6;
        width: 1fr;
    }
    """

    def __init__(self, title: str, *, id: str | None = None, color_var: str = "primary") -> None:
        super().__init__(id=id)
        self.title = title
        self.color_var = color_var
        self._points: list[tuple[datetime, float]] = []
        self._now: datetime | None = None
        self._label = title
        self._stale = False
        self._scale = 1.0

    def show_series(
        self,
        label: str,
        points: Sequence[tuple[datetime, float]],
        now: datetime,
        *,
        stale: bool = False,
        scale: float = 1.0,
    ) -> None:
        """Plot ``points`` (time, value × ``scale``) labelled ``label``."""
        self._label = label
        self._points = list(points)
        self._now = now
        self._stale = stale
        self._scale = scale
        self._draw()

    def on_mount(self) -> None:
        """Draw once mounted (the theme is known then)."""
        super().on_mount()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._draw())
        self._draw()

    def _rgb(self, name: str) -> tuple[int, int, int]:
        value = self.app.theme_variables.get(name) or self.app.theme_variables["primary"]
        return Color.parse(value).rgb

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        title = f"{self.title} · {self._label}" + ("  (stale)" if self._stale else "")
        plt.title(title)
        if len(self._points) >= 2 and self._now is not None:
            xs = [(t - self._now).total_seconds() / 3600.0 for t, _ in self._points]
            ys = [v * self._scale for _, v in self._points]
            plt.plot(xs, ys, color=self._rgb("stale" if self._stale else self.color_var))
            plt.xlabel("hours")
        else:
            plt.xlabel("waiting for history…")
        self.refresh()
