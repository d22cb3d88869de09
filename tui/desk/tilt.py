"""What the desk holds in memory: a tilt with its books, and a proposal awaiting review.

A tilt's life (its ``status``): ``proposed`` (orders shown for review) → ``confirmed`` (orders
journaled, being sent) → ``open`` (fills made positions) → ``exit_proposed`` (closing orders
shown for review) → ``closed``; a proposal backed out of or discarded is ``discarded``; a
confirmed tilt none of whose orders filled is ``failed``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from tui.core.ledger import Book, Realized
from tui.core.models import Plan, TiltSpec
from tui.core.orders import OrderIntent

#: Statuses of a tilt that still holds, or may hold, positions.
LIVE_STATUSES = frozenset({"confirmed", "open", "exit_proposed"})
#: Order statuses after which nothing more will happen to the order.
FINAL_ORDER_STATUSES = frozenset({"filled", "partial", "rejected", "failed", "canceled"})

Purpose = Literal["open", "adjust", "close", "roll"]


def new_tilt_id(now: datetime) -> str:
    """A readable, unique tilt id: ``T20260105-0000-3fa2``."""
    return f"T{now:%Y%m%d-%H%M}-{uuid.uuid4().hex[:4]}"


@dataclass
class Tilt:
    """One tactical tilt: its spec, status, and a ledger book per market it traded."""

    tilt_id: str
    status: str
    venue: str
    mode: str
    created_at: datetime
    spec: TiltSpec | None = None
    base_usd: float = 0.0
    expected_carry_usd: float = 0.0
    """The plan's expected carry over the window when confirmed (an estimate)."""
    entry_at: datetime | None = None
    entry_spread: float | None = None
    pair: tuple[str, str] | None = None
    note: str = ""
    closed_at: datetime | None = None
    close_reason: str = ""
    batches: int = 0
    """Batches of orders confirmed so far (each gets fresh client ids)."""
    books: dict[str, Book] = field(default_factory=dict)
    settled: dict[str, datetime] = field(default_factory=dict)
    """Per symbol, the last funding settlement booked."""

    @property
    def live(self) -> bool:
        """Whether the tilt holds (or may hold) positions."""
        return self.status in LIVE_STATUSES

    def realized(self) -> Realized:
        """Realized P&L over every book: price, basis, funding paid, fees."""
        out = Realized()
        for book in self.books.values():
            out.add(book.realized)
        return out

    def holding(self) -> dict[str, Book]:
        """The books that are not flat."""
        return {s: b for s, b in self.books.items() if not b.flat}

    def window_end(self) -> datetime | None:
        """When the tactical window ends (from the first fill)."""
        if self.entry_at is None or self.spec is None:
            return None
        return self.entry_at + timedelta(days=self.spec.window_days)


@dataclass
class Proposal:
    """Orders shown for review. Nothing is sent until ``Desk.confirm`` is called with it."""

    tilt_id: str
    purpose: Purpose
    batch: int
    intents: list[OrderIntent]
    summary: str
    warnings: list[str] = field(default_factory=list)
    blocked: str = ""
    """Why confirming is refused; empty when it may go."""
    plan: Plan | None = None
    spec: TiltSpec | None = None
    state: Literal["pending", "confirmed", "backed_out"] = "pending"


@dataclass
class Outcome:
    """What confirming did: fills booked, orders refused, and a line for the user."""

    tilt_id: str
    filled: int = 0
    rejected: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    message: str = ""
    sent: bool = True
    """False when nothing was sent (already confirmed, or refused)."""
