"""Feed health: when a feed is live, degraded, stale or offline, and how long to wait after an error.

A feed is *live* while it delivers fresh data within its expected interval, *degraded* after
errors while data still arrives (or when it runs on a fallback, or the venue is slow to answer),
*stale* when nothing fresh has arrived for ``stale_after`` seconds, and *offline* when it has
never succeeded or the venue cannot be reached. Success means fresh data: a poll that brings
none is an error (`tui.engine.session`).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.engine.events import FeedState

#: Longest pause between retries of a failing feed.
MAX_BACKOFF_S = 30.0


@dataclass(frozen=True)
class Pacing:
    """How a session paces its retries and judges its feeds (tests shorten them)."""

    stale_floor_s: float = 5.0
    """Never call a feed stale sooner than this."""
    slow_after_s: float = 2.0
    """Answers slower than this make a feed degraded, and a connect say it is slow."""
    connect_retry_s: float = 2.0
    """First pause before connecting again (doubled, with jitter, on each failure)."""
    max_backoff_s: float = MAX_BACKOFF_S
    """Longest pause between retries of a feed or of the connect."""
    request_timeout_s: float = 10.0
    """A REST request with no answer after this long has failed (a venue that hangs)."""


#: The pacing of a session that is given none.
DEFAULT_PACING = Pacing()


@dataclass
class FeedHealth:
    """Bookkeeping of one feed; ``evaluate`` turns it into a `FeedState`."""

    name: str
    period: float
    """Expected seconds between successes."""
    last_ok: float | None = None
    """``time.monotonic()`` of the last success."""
    consecutive_errors: int = 0
    last_error: str = ""
    fallback: bool = False
    """True while the feed is served by a fallback (a stream replaced by polling)."""
    state: FeedState = "offline"
    stale_floor: float = 5.0
    """Never call a feed stale sooner than this many seconds."""
    slow_after: float = 2.0
    """An answer that took longer than this many seconds makes the feed degraded (slow)."""
    last_duration: float = 0.0
    """Seconds the venue took to answer in the last success (its slowest round trip)."""
    _clock: Any = field(default=time.monotonic, repr=False)

    @property
    def stale_after(self) -> float:
        """Seconds without a success before the feed is stale: three periods, at least the
        floor, plus what the last success took (a slow venue's answers are late, not gone)."""
        return max(3.0 * self.period, self.stale_floor) + self.last_duration

    @property
    def slow(self) -> bool:
        """True when the last success took longer than ``slow_after``."""
        return self.last_duration > self.slow_after

    def ok(self, duration: float = 0.0) -> None:
        """Record a success that took ``duration`` seconds."""
        self.last_ok = self._clock()
        self.last_duration = max(duration, 0.0)
        self.consecutive_errors = 0
        self.last_error = ""

    def error(self, message: str) -> None:
        """Record a failure."""
        self.consecutive_errors += 1
        self.last_error = message

    def evaluate(self) -> FeedState:
        """The state now (also stored in ``state``)."""
        if self.last_ok is None:
            state: FeedState = "offline"
        elif self._clock() - self.last_ok > self.stale_after:
            state = "stale"
        elif self.consecutive_errors or self.fallback or self.slow:
            state = "degraded"
        else:
            state = "live"
        self.state = state
        return state

    def age(self) -> float | None:
        """Seconds since the last success."""
        return None if self.last_ok is None else self._clock() - self.last_ok


def venue_state(feeds: Mapping[str, FeedHealth]) -> FeedState | None:
    """The venue's state from its feeds' (evaluated now): offline when all are, stale
    when one is stale or offline and the marks are not live (degraded when they are),
    degraded when one is, else live. ``None`` while no feed has answered or failed yet:
    such a feed says nothing about the venue."""
    # Evaluated now: a feed that succeeded since it was last reported must not count as down.
    states = [h.evaluate() for h in feeds.values() if h.last_ok is not None or h.consecutive_errors]
    if not states:
        return None
    if all(s == "offline" for s in states):
        return "offline"
    if any(s in ("stale", "offline") for s in states):
        marks = feeds.get("marks")
        return "degraded" if marks is not None and marks.state == "live" else "stale"
    if any(s == "degraded" for s in states):
        return "degraded"
    return "live"


def feed_detail(feed: FeedHealth, *, idle: bool = False) -> str:
    """Why a feed is in its state, in words that stay the same while the reason does."""
    if idle and feed.last_ok is None and not feed.consecutive_errors:
        return "no market followed"
    if feed.state == "stale":
        return f"no fresh data ({feed.last_error})" if feed.last_error else "no fresh data"
    if feed.fallback:
        return f"websocket down, polling instead ({feed.last_error})"
    if feed.consecutive_errors:
        return feed.last_error
    if feed.slow:
        # Whole seconds, rounded up: true, and the same from one slow poll to the next.
        return f"slow venue: answers take up to {math.ceil(feed.last_duration)} s"
    return ""


def backoff_delay(
    attempt: int, base: float, retry_after: float | None = None, cap: float = MAX_BACKOFF_S
) -> float:
    """Exponential backoff with full jitter up to ``cap``, never shorter than ``retry_after``
    (the time the venue asked for silence; `tui.engine.gate` holds the requests meanwhile)."""
    ceiling = min(base * (2 ** max(attempt - 1, 0)), cap)
    delay = random.uniform(base / 2.0, max(ceiling, base / 2.0))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
