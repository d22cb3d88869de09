"""The header: app name, venue, mode badge (DEMO / PAPER / LIVE), HALTED and SAVE FAILED badges,
connection, staleness, clock."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Resize
from textual.widgets import Label

from tui.app import format as fmt
from tui.engine.events import FeedState

#: What each feed state means, in words a user reads at a glance.
STATE_WORDS: dict[str, str] = {
    "connecting": "connecting…",
    "live": "live",
    "degraded": "degraded",
    "stale": "stale",
    "offline": "offline",
}


#: Below this age (seconds) the header just says live; above it, it gives the age.
FRESH_S = 5.0
#: Above this age the last quote is too old to call the feed live.
STALE_S = 15.0


#: The session's offline detail: "cannot reach <venue> (<ccxt class>: <message>); retrying in
#: N s — <hint>". The header keeps the retry and the class; the venue is beside it already.
RETRYING = re.compile(r"retrying (?:in \d+ s|now)")
CAUSE = re.compile(r"\((\w+)[:)]")


def age_words(age: float | None) -> str:
    """How long there has been no fresh data: ``12 s``, ``3m 05s``; never ``0 s``."""
    if age is None or age < 1:
        return ""
    if age < 60:
        return f"{age:.0f} s"
    return fmt.countdown(timedelta(seconds=age))


def offline_words(detail: str, demo: bool) -> str:
    """The offline line, once and plainly: the retry first (what happens next), the --demo
    hint, then the cause's ccxt class (what failed); the session's long message is not
    repeated (it named the venue, which the header already shows)."""
    retry = RETRYING.search(detail)
    when = retry.group(0).replace("retrying", "retry") if retry else "retrying"
    # The venue answered, but with nothing usable (not a network problem): say so.
    head = "✕ no usable answer" if detail.startswith("no usable answer") else "✕ offline"
    parts = [f"{head}, {when}"]
    if not demo:
        parts.append("no network? try --demo")
    cause = CAUSE.search(detail)
    if cause:
        parts.append(cause.group(1))
    elif detail and "cannot reach" not in detail:
        parts.append(detail)
    return " · ".join(parts)


def connection_words(
    state: str,
    detail: str,
    feeds: Mapping[str, str],
    age: float | None,
    venue: str,
    demo: bool,
) -> tuple[str, str]:
    """(css state, plain words) for the connection field, from the venue's health."""
    why = f": {detail}" if detail else ""
    if state == "offline" and detail.startswith("connecting to "):
        # The session's first word (and a slow first answer): not a failure yet.
        return "connecting", detail
    if state == "offline":
        return "offline", offline_words(detail, demo)
    if state == "stale":
        since = age_words(age)
        return "stale", f"○ stale: no fresh data{f' for {since}' if since else ''}{why}"
    if state == "degraded":
        lagging = [f"{name} {st}" for name, st in sorted(feeds.items()) if st != "live"]
        return "degraded", "◐ degraded" + (why or (": " + ", ".join(lagging) if lagging else ""))
    if state == "live":
        if age is not None and age > STALE_S:
            return "stale", f"○ stale: last quote {age_words(age)} ago"
        if age is not None and age > FRESH_S:
            return "live", f"● live · last quote {age:.0f} s ago"
        return "live", f"● live · {venue}"
    return "connecting", f"connecting to {venue}…"


class AppHeader(Horizontal):
    """One line across the top; the app pushes state into it with `show_*` methods."""

    DEFAULT_CSS = """
    AppHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        & > Label { padding: 0 1; height: 1; }
        & > #title { text-style: bold; color: $primary; }
        & > #venue { color: $foreground; }
        & > #mode { text-style: bold; color: $background; background: $accent; }
        & > #mode.-live { background: $warning; }
        & > #halt { display: none; text-style: bold; color: $background; background: $error; }
        & > #halt.-on { display: block; }
        & > #store { display: none; text-style: bold; color: $background; background: $error; }
        & > #store.-on { display: block; }
        & > #mode.-paper { background: $primary; }
        & > #conn { width: 1fr; }
        & > #conn.-live { color: $gain; }
        & > #conn.-connecting { color: $text-muted; }
        & > #conn.-degraded { color: $caution; }
        & > #conn.-stale { color: $stale; }
        & > #conn.-offline { color: $loss; text-style: bold; }
        & > #clock { color: $text-muted; }
    }
    """

    def compose(self) -> ComposeResult:
        """Title, venue, mode badge, connection line and clock."""
        yield Label("Porting Alpha", id="title")
        yield Label("", id="venue")
        yield Label("", id="mode")
        yield Label("HALTED", id="halt")
        yield Label("SAVE FAILED", id="store")
        yield Label("connecting…", id="conn", classes="-connecting")
        yield Label("", id="clock")

    def show_venue(self, venue: str, mode: str) -> None:
        """Set the venue name and the mode badge (DEMO / PAPER / LIVE)."""
        self.query_one("#venue", Label).update(venue)
        badge = self.query_one("#mode", Label)
        badge.update(mode)
        badge.set_classes(f"-{mode.lower()}")

    def show_halt(self, reason: str) -> None:
        """``HALTED`` beside the mode while the kill switch is on (``reason`` as tooltip)."""
        badge = self.query_one("#halt", Label)
        badge.set_class(bool(reason), "-on")
        badge.tooltip = reason or None

    def show_store(self, line: str) -> None:
        """``SAVE FAILED`` while the store has refused a write (``line``, its reason, as
        tooltip); ``""`` takes it away."""
        badge = self.query_one("#store", Label)
        badge.set_class(bool(line), "-on")
        badge.tooltip = line or None

    def show_connection(self, state: FeedState | str, text: str) -> None:
        """Show the feed state in plain words (``text`` says what, and what to do)."""
        conn = self.query_one("#conn", Label)
        conn.update(text)
        conn.set_classes(f"-{state}")

    _clock_shape = "%Y-%m-%d %H:%M:%S UTC"
    """How the clock is written: shorter on a narrow terminal (always UTC)."""

    def on_resize(self, event: Resize) -> None:
        """Under 120 columns the title goes and the clock drops its date, under 100 its
        "UTC" too: the connection's words need the room."""
        width = event.size.width
        self.query_one("#title", Label).display = width >= 120
        if width >= 120:
            self._clock_shape = "%Y-%m-%d %H:%M:%S UTC"
        else:
            self._clock_shape = "%H:%M:%S UTC" if width >= 100 else "%H:%M:%S"

    def show_clock(self, now: datetime) -> None:
        """The clock, in UTC (funding settles on UTC hours)."""
        shape = self._clock_shape
        self.query_one("#clock", Label).update(now.strftime(shape))
