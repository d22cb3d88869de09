"""What the engine tells its listeners: typed, immutable events.

The engine never touches the UI; the app turns these into Textual messages. Every event
carries the time it was produced so a listener can judge staleness itself: the session
stamps it from its own (injectable) clock; the default is the machine's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from tui.core.models import MarketSpec, Quote

FeedState = Literal["live", "degraded", "stale", "offline"]
"""live: fresh data; degraded: errors or fallback but data still arriving; stale: no fresh data
for longer than the feed's expected interval; offline: the venue cannot be reached."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class MarketsLoaded:
    """The venue's futures markets relevant to the session, by symbol; ``listed``: every
    perpetual of the venue (what the feeds view can list)."""

    venue: str
    markets: dict[str, MarketSpec]
    at: datetime = field(default_factory=_now)
    listed: dict[str, MarketSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class QuotesUpdated:
    """Fresh quotes for some symbols (only the ones that changed)."""

    venue: str
    quotes: dict[str, Quote]
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class FeedStatus:
    """The health of one feed (or of the whole venue when ``feed`` is ``"venue"``)."""

    venue: str
    feed: str
    state: FeedState
    detail: str = ""
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class FundingHistory:
    """Backfilled settled funding rates of one perpetual, oldest first."""

    venue: str
    symbol: str
    rows: list[tuple[datetime, float]]
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class PriceHistory:
    """Backfilled closes of one market (for the pair spread), oldest first."""

    venue: str
    symbol: str
    rows: list[tuple[datetime, float]]
    at: datetime = field(default_factory=_now)


EngineEvent = MarketsLoaded | QuotesUpdated | FeedStatus | FundingHistory | PriceHistory
