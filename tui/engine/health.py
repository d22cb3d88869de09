"""Feed health: when a feed is live, degraded, stale or offline, and how long to wait after an error.

A feed is *live* while it succeeds within its expected interval, *degraded* after errors while
data still arrives (or when it runs on a fallback), *stale* when nothing fresh has arrived for
``stale_after`` seconds, and *offline* when it has never succeeded or the venue cannot be reached.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from tui.engine.events import FeedState

#: Longest pause between retries of a failing feed.
MAX_BACKOFF_S = 30.0


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
    _clock: Any = field(default=time.monotonic, repr=False)

    @property
    def stale_after(self) -> float:
        """Seconds without a success before the feed is stale: three periods, at least the floor."""
        return max(3.0 * self.period, self.stale_floor)

    def ok(self) -> None:
        """Record a success."""
        self.last_ok = self._clock()
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
        elif self.consecutive_errors or self.fallback:
            state = "degraded"
        else:
            state = "live"
        self.state = state
        return state

    def age(self) -> float | None:
        """Seconds since the last success."""
        return None if self.last_ok is None else self._clock() - self.last_ok


def retry_after_seconds(exchange: Any) -> float | None:
    """The ``Retry-After`` of the venue's last response, in seconds, if it sent one."""
    headers = getattr(exchange, "last_response_headers", None) or {}
    for key, value in dict(headers).items():
        if str(key).lower() == "retry-after":
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                return None
    return None


def backoff_delay(attempt: int, base: float, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, never shorter than the venue's ``Retry-After``."""
    ceiling = min(base * (2 ** max(attempt - 1, 0)), MAX_BACKOFF_S)
    delay = random.uniform(base / 2.0, max(ceiling, base / 2.0))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
