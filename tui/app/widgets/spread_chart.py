"""A small line chart (textual-plotext) for the price ratio and the funding history.

The x axis is labelled in UTC clock times or dates (`time_ticks`), never in hours relative to
now. Line colours come from the app's theme variables, so the chart follows the theme; when
the data behind it is stale the line is drawn in ``$stale`` and the title says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from textual.color import Color
from textual_plotext import PlotextPlot

#: Tick steps the x axis may use, in seconds (1 s to a week).
TICK_STEPS: tuple[int, ...] = (1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 10_800)
TICK_STEPS += (21_600, 43_200, 86_400, 2 * 86_400, 7 * 86_400)


def time_ticks(
    start: datetime, end: datetime, now: datetime, max_ticks: int = 5
) -> tuple[list[float], list[str], str]:
    """Ticks for a time axis from ``start`` to ``end``: positions in hours relative to ``now``
    (how the points are plotted), their labels (``14:00``, ``14:00:30``, ``24 Nov``) and the
    axis's title (``UTC 17 Nov – 24 Nov``). Ticks sit on round UTC times; a tick at midnight
    of a multi-day span is labelled with its date."""
    span = max((end - start).total_seconds(), 1.0)
    step = next((s for s in TICK_STEPS if span / s <= max(1, max_ticks)), TICK_STEPS[-1])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first = -(-int((start - epoch).total_seconds()) // step) * step
    moments = []
    moment = epoch + timedelta(seconds=first)
    while moment <= end:
        moments.append(moment)
        moment += timedelta(seconds=step)
    labels = []
    for moment in moments:
        if step >= 86_400 or (span > 86_400 and moment.hour == moment.minute == 0):
            labels.append(moment.strftime("%d %b"))
        elif step < 60:
            labels.append(moment.strftime("%H:%M:%S"))
        else:
            labels.append(moment.strftime("%H:%M"))
    positions = [(m - now).total_seconds() / 3600.0 for m in moments]
    first_day, last_day = start.strftime("%d %b"), end.strftime("%d %b")
    title = f"UTC {first_day}" if first_day == last_day else f"UTC {first_day} – {last_day}"
    return positions, labels, title


class SeriesChart(PlotextPlot):
    """One time series, its x axis in UTC clock times and dates."""

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
            start, end = self._points[0][0], self._points[-1][0]
            # A label is up to 8 cells; leave room between them and for the y axis.
            max_ticks = max(2, (self.size.width - 10) // 12)
            positions, labels, title = time_ticks(start, end, self._now, max_ticks)
            plt.xticks(positions, labels)
            plt.xlabel(title)
        else:
            plt.xlabel("waiting for history…")
        self.refresh()
