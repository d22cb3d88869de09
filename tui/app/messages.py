"""Typed Textual messages the app's workers post (messages up; the UI reacts to these only).

The engine emits plain events (`tui.engine.events`); `to_message` wraps each one so a worker
can ``post_message`` it and the app handles it on its own event loop.
"""

from __future__ import annotations

from textual.message import Message

from tui.engine.events import (
    EngineEvent,
    FeedStatus,
    FundingHistory,
    MarketsLoaded,
    PriceHistory,
    QuotesUpdated,
)


class MarketsReady(Message):
    """The venue's markets arrived."""

    def __init__(self, event: MarketsLoaded) -> None:
        super().__init__()
        self.event = event


class QuotesArrived(Message):
    """Fresh quotes for some symbols."""

    def __init__(self, event: QuotesUpdated) -> None:
        super().__init__()
        self.event = event


class FeedChanged(Message):
    """A feed (or the venue) changed health."""

    def __init__(self, event: FeedStatus) -> None:
        super().__init__()
        self.event = event


class FundingHistoryArrived(Message):
    """Settled funding rates of one perpetual, for the funding chart."""

    def __init__(self, event: FundingHistory) -> None:
        super().__init__()
        self.event = event


class PriceHistoryArrived(Message):
    """Closes of one market, for the pair-spread chart."""

    def __init__(self, event: PriceHistory) -> None:
        super().__init__()
        self.event = event


class SessionProblem(Message):
    """The market session could not start (or the simulator would not): a plain reason."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def to_message(event: EngineEvent) -> Message:
    """The Textual message that carries one engine event."""
    if isinstance(event, QuotesUpdated):
        return QuotesArrived(event)
    if isinstance(event, MarketsLoaded):
        return MarketsReady(event)
    if isinstance(event, FeedStatus):
        return FeedChanged(event)
    if isinstance(event, FundingHistory):
        return FundingHistoryArrived(event)
    return PriceHistoryArrived(event)
