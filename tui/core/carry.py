"""Carry math of docs/design.md §2: funding settlements and basis (liquidation: `margin`).

Signs: a notional is signed (+ = long); every cash flow returned here is *to the holder*
(negative = the leg pays).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

DAY_SECONDS = 86_400.0
DEFAULT_FUNDING_INTERVAL_HOURS = 8.0
"""Binance lists in ``fundingInfo`` only the symbols whose interval differs; the rest are 8 h."""


def next_settlement(now: datetime, interval_hours: float) -> datetime:
    """The first settlement strictly after ``now`` on the UTC grid of ``interval_hours``."""
    step = interval_hours * 3600.0
    ts = now.timestamp()
    nxt = (math.floor(ts / step) + 1) * step
    return datetime.fromtimestamp(nxt, tz=now.tzinfo)


def settlements_in_window(
    now: datetime,
    end: datetime,
    interval_hours: float,
    next_time: datetime | None = None,
) -> list[datetime]:
    """Funding settlement times ``t`` with ``now < t ≤ end``.

    ``next_time`` is the venue's own next settlement time when it reports one; the grid
    continues from it every ``interval_hours``.
    """
    if interval_hours <= 0:
        raise ValueError("funding interval must be > 0 hours")
    first = next_time if next_time is not None and next_time > now else None
    if first is None:
        first = next_settlement(now, interval_hours)
    step = timedelta(hours=interval_hours)
    times: list[datetime] = []
    t = first
    while t <= end:
        times.append(t)
        t += step
    return times


def count_settlements(
    now: datetime,
    end: datetime,
    interval_hours: float,
    next_time: datetime | None = None,
) -> int:
    """How many settlements `settlements_in_window` would list, without listing them."""
    if interval_hours <= 0:
        raise ValueError("funding interval must be > 0 hours")
    first = next_time if next_time is not None and next_time > now else None
    if first is None:
        first = next_settlement(now, interval_hours)
    if first > end:
        return 0
    return int((end - first).total_seconds() // (interval_hours * 3600.0)) + 1


def funding_carry(notional: float, rate: float, settlements: int) -> float:
    """Funding to the holder over ``settlements``: a long pays ``N × rate`` when the rate is > 0."""
    return -notional * rate * settlements


def basis(future_price: float, spot_price: float) -> float:
    """Raw basis ``(F − S) / S``."""
    return (future_price - spot_price) / spot_price


def annualized_basis(raw_basis: float, days_to_expiry: float) -> float:
    """``basis × 365 / days_to_expiry``; ``nan`` at or past expiry."""
    if days_to_expiry <= 0:
        return math.nan
    return raw_basis * 365.0 / days_to_expiry


def basis_carry(
    units: float, future_price: float, spot_price: float, days_held: float, days_to_expiry: float
) -> float:
    """Expected basis P&L to the holder of ``units`` (signed base units) over ``days_held``.

    The basis converges linearly in time (as the expected value): a long future loses
    ``units × (F − S)`` by expiry, a short earns it; over part of the life, that share.
    """
    if days_to_expiry <= 0:
        return 0.0
    share = min(max(days_held, 0.0), days_to_expiry) / days_to_expiry
    return -units * (future_price - spot_price) * share


def days_between(start: datetime, end: datetime) -> float:
    """Fractional days from ``start`` to ``end``."""
    return (end - start).total_seconds() / DAY_SECONDS
