"""Candles (klines) and rolling windows built from the market's 1-minute index closes."""

from __future__ import annotations

import math
from typing import Any

from tui.sim.market import MS_PER_DAY, MS_PER_MINUTE, Contract, SimMarket
from tui.sim.wire import fmt, fmt_step

#: Binance kline intervals (``1M`` is left out: months have no fixed length).
INTERVALS: dict[str, int] = {
    "1m": MS_PER_MINUTE,
    "3m": 3 * MS_PER_MINUTE,
    "5m": 5 * MS_PER_MINUTE,
    "15m": 15 * MS_PER_MINUTE,
    "30m": 30 * MS_PER_MINUTE,
    "1h": 60 * MS_PER_MINUTE,
    "2h": 120 * MS_PER_MINUTE,
    "4h": 240 * MS_PER_MINUTE,
    "6h": 360 * MS_PER_MINUTE,
    "8h": 480 * MS_PER_MINUTE,
    "12h": 720 * MS_PER_MINUTE,
    "1d": MS_PER_DAY,
    "3d": 3 * MS_PER_DAY,
    "1w": 7 * MS_PER_DAY,
}
#: Weekly candles open on Monday 00:00 UTC; the epoch fell on a Thursday.
WEEK_OFFSET_MS = 4 * MS_PER_DAY
#: Traded notional per minute (USD) of the synthetic volume, before the move bonus.
NOTIONAL_PER_MINUTE = 2_000_000.0


def contract_price(
    market: SimMarket, contract: Contract, minute_ms: int, kind: str
) -> float | None:
    """The close of one minute for ``contract``: index, perp mark, or future price."""
    index = market.minute_close(contract.asset.name, minute_ms)
    if index is None or kind == "index":
        return index
    if contract.future is not None:
        return market.future_price(contract.future, index, minute_ms + MS_PER_MINUTE)
    return index * (1.0 + contract.asset.premium)


def window(
    market: SimMarket, contract: Contract, start_ms: int, end_ms: int, kind: str = "trade"
) -> tuple[float, float, float, float, float] | None:
    """Open, high, low, close and base volume over the minutes opening in [start, end)."""
    first = (start_ms // MS_PER_MINUTE) * MS_PER_MINUTE
    prev = contract_price(market, contract, first - MS_PER_MINUTE, kind)
    closes: list[float] = []
    for minute in range(first, end_ms, MS_PER_MINUTE):
        value = contract_price(market, contract, minute, kind)
        if value is not None:
            closes.append(value)
    if not closes:
        return None
    open_ = closes[0] if prev is None else prev
    high = max(open_, *closes)
    low = min(open_, *closes)
    move = abs(math.log(closes[-1] / open_)) if open_ > 0 else 0.0
    volume = NOTIONAL_PER_MINUTE * len(closes) * (1.0 + 20.0 * move) / closes[-1]
    return open_, high, low, closes[-1], volume


def klines(
    market: SimMarket,
    contract: Contract,
    interval_ms: int,
    start_ms: int | None,
    end_ms: int | None,
    limit: int,
    kind: str = "trade",
) -> list[list[Any]]:
    """Binance klines: with ``start_ms`` the first ``limit`` candles opening at or after it,
    otherwise the last ``limit`` candles opening at or before ``end_ms`` (default now)."""
    now = market.now_ms()
    offset = WEEK_OFFSET_MS if interval_ms == 7 * MS_PER_DAY else 0
    last_open = (min(end_ms if end_ms is not None else now, now) - offset) // interval_ms
    last_open = last_open * interval_ms + offset
    earliest = market.history_start_ms
    if start_ms is not None:
        first_open = -(-(max(start_ms, earliest) - offset) // interval_ms) * interval_ms + offset
        opens = range(first_open, last_open + 1, interval_ms)[:limit]
    else:
        first_open = last_open - (limit - 1) * interval_ms
        lowest = -(-(earliest - offset) // interval_ms) * interval_ms + offset
        opens = range(max(first_open, lowest), last_open + 1, interval_ms)
    tick = contract.asset.tick
    out: list[list[Any]] = []
    for open_ms in opens:
        stats = window(market, contract, open_ms, min(open_ms + interval_ms, now + 1), kind)
        if stats is None:
            continue
        o, h, lo, c, vol = stats
        quote_volume = vol * (o + c) / 2.0
        out.append(
            [
                open_ms,
                fmt_step(o, tick),
                fmt_step(h, tick),
                fmt_step(lo, tick),
                fmt_step(c, tick),
                fmt(vol, 3),
                open_ms + interval_ms - 1,
                fmt(quote_volume, 4),
                max(1, int(vol)),
                fmt(vol / 2.0, 3),
                fmt(quote_volume / 2.0, 4),
                "0",
            ]
        )
    return out
