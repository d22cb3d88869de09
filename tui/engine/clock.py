"""The venue's clock as a session knows it: read once from the venue, carried forward by ours.

The simulator keeps its own clock, and a real venue's may differ from this machine's by a
little; what arrives is stamped with our clock. Both come from one injectable ``wall_clock``
(seconds since the epoch), and only its differences matter, so the time of day never does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def utc(ms: int) -> datetime:
    """A UTC datetime from epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class VenueClock:
    """Our clock, and the venue's carried forward from its last reading."""

    def __init__(self, wall_clock: Callable[[], float]) -> None:
        """``wall_clock``: our clock, seconds since the epoch (tests pass a fixed one)."""
        self.wall_clock = wall_clock
        self._read: tuple[int, int] | None = None
        """(venue ms, our ms) when the venue's clock was last read; None = never read."""

    def our_ms(self) -> int:
        """Now on our clock, in integer milliseconds."""
        return round(self.wall_clock() * 1000)

    def venue_ms(self) -> int:
        """Now on the venue's clock (ours until it was read), in integer milliseconds, never
        behind the venue's own answer."""
        ours = self.our_ms()
        if self._read is None:
            return ours
        venue_ms, at_ms = self._read
        return venue_ms + max(0, ours - at_ms)

    def set_venue_ms(self, millis: int) -> None:
        """The venue said its time is ``millis`` (now, on our clock)."""
        self._read = (int(millis), self.our_ms())

    async def sync(self, exchange: Any) -> None:
        """Ask the venue's time (ccxt ``fetch_time``); a failure keeps the last reading."""
        with contextlib.suppress(Exception):
            millis = await exchange.fetch_time()
            if millis:
                self.set_venue_ms(int(millis))
