"""What a market session says about its venue and feeds: `FeedStatus` events, each state and
reason once, when it changes; and how it says that the venue is slow to answer."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import TypeVar

from tui.core.models import MarketSpec
from tui.engine.events import FeedState, FeedStatus
from tui.engine.health import FeedHealth, feed_detail, venue_state

T = TypeVar("T")


class StatusBoard:
    """The last state and reason said of each feed (and of the venue, ``"venue"``)."""

    def __init__(
        self,
        venue: str,
        health: Mapping[str, FeedHealth],
        emit: Callable[[FeedStatus], None],
        stamp: Callable[[], datetime],
    ) -> None:
        """``emit`` hands each status to the listener; ``stamp`` is the session's clock."""
        self.venue = venue
        self.health = health
        self.emit = emit
        self.stamp = stamp
        self.venue_state: FeedState = "offline"
        self._said: dict[str, tuple[FeedState, str]] = {}

    def say(self, feed: str, state: FeedState, detail: str, *, news: str | None = None) -> None:
        """Emit a status now, and remember it (or its ``news``, the part that `report_venue`
        compares) so that the same is not said again."""
        if feed == "venue":
            self.venue_state = state
        self._said[feed] = (state, detail if news is None else news)
        self.emit(FeedStatus(self.venue, feed, state, detail, at=self.stamp()))

    def report(self, name: str, *, idle: bool = False, pause: str = "") -> bool:
        """Evaluate feed ``name`` and say its state if it or its reason changed (True then).
        ``idle``: the session follows no market; ``pause``: the request gate's, if any."""
        health = self.health[name]
        state = health.evaluate()
        detail = feed_detail(health, idle=idle)
        if pause and state != "live":
            detail = f"{detail}; {pause}" if detail else pause
        if self._said.get(name) == (state, detail):
            return False
        self.say(name, state, detail)
        return True

    def report_venue(self, detail: str) -> None:
        """Say the venue's state (from its feeds') if it or ``detail`` changed: the news about
        the venue (`venue_detail`), empty when there is none (a listener then tells which
        feeds lag, from their own statuses)."""
        state = venue_state(self.health)
        if state is None:
            state = self.venue_state  # no feed has answered or failed yet: nothing new
        if self._said.get("venue") != (state, detail):
            self.say("venue", state, detail)


def venue_detail(
    venue: str, markets: Mapping[str, MarketSpec], assets: Iterable[str], pause: str = ""
) -> str:
    """``no futures market for FOO on binanceusdm; all requests paused …``: the assets
    followed the venue lists no futures market for, and the request gate's pause ("" if
    neither)."""
    parts = []
    missing = unlisted(markets, assets)
    if missing:
        parts.append(f"no futures market for {', '.join(missing)} on {venue}")
    if pause:
        parts.append(pause)
    return "; ".join(parts)


def unlisted(markets: Mapping[str, MarketSpec], assets: Iterable[str]) -> list[str]:
    """The ``assets`` none of ``markets`` is of (none while no market is known)."""
    if not markets:
        return []
    listed = {m.base for m in markets.values()}
    return sorted({a.upper() for a in assets} - listed)


async def await_saying(work: Awaitable[T], every: float, say: Callable[[float], None]) -> T:
    """Await ``work``, calling ``say(seconds waited)`` each ``every`` seconds it has not
    finished (a venue that takes 3 s an answer takes a dozen to connect: that is news).
    Cancelled, it cancels ``work``."""
    task = asyncio.ensure_future(work)
    started = time.monotonic()
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=every)
            if done:
                return task.result()
            say(time.monotonic() - started)
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
