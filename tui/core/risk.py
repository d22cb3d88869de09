"""The active tilt marked to market: P&L, funding so far, the pair spread, the stop, time left.

Signs follow docs/design.md §2: quantities are signed base units (+ = long); P&L and funding are
to the holder. The relative spread of a two-asset tilt is the price of the long asset over
the short one; its move since entry is what the tilt bets on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.core.carry import funding_carry, settlements_in_window
from tui.core.models import Plan


@dataclass(frozen=True)
class Position:
    """A tilt's holding in one market: signed base units at an average entry price."""

    symbol: str
    asset: str
    quantity: float
    entry_price: float


def price_pnl(position: Position, price: float) -> float:
    """``quantity × (price − entry)``: what the position made since entry."""
    return position.quantity * (price - position.entry_price)


def funding_since(
    position: Position,
    rate: float,
    interval_hours: float,
    entered_at: datetime,
    now: datetime,
    price: float,
) -> float:
    """Expected funding to the holder from the settlements between entry and now, at ``rate``."""
    if now <= entered_at:
        return 0.0
    count = len(settlements_in_window(entered_at, now, interval_hours))
    return funding_carry(position.quantity * price, rate, count)


def pair_of(positions: Sequence[Position]) -> tuple[str, str] | None:
    """(long asset, short asset) of the largest long and largest short, if the tilt has both."""
    longs = [p for p in positions if p.quantity > 0]
    shorts = [p for p in positions if p.quantity < 0]
    if not longs or not shorts:
        return None
    top_long = max(longs, key=lambda p: p.quantity * p.entry_price)
    top_short = min(shorts, key=lambda p: p.quantity * p.entry_price)
    return top_long.asset, top_short.asset


def pair_of_plan(plan: Plan) -> tuple[str, str] | None:
    """(long, short) asset of a plan's sendable legs: its biggest buy and biggest sell."""
    buys = [leg for leg in plan.sendable() if leg.side == "buy"]
    sells = [leg for leg in plan.sendable() if leg.side == "sell"]
    if not buys or not sells:
        return None
    long = max(buys, key=lambda leg: abs(leg.target_notional_usd)).asset
    short = max(sells, key=lambda leg: abs(leg.target_notional_usd)).asset
    return long, short


def spread(prices: Mapping[str, float], pair: tuple[str, str]) -> float | None:
    """The relative spread: long price / short price."""
    long_price, short_price = prices.get(pair[0]), prices.get(pair[1])
    if not long_price or not short_price:
        return None
    return long_price / short_price


def spread_move(entry_spread: float, current: float) -> float:
    """Relative move of the spread since entry (+ = in the tilt's favour)."""
    return current / entry_spread - 1.0


@dataclass(frozen=True)
class StopStatus:
    """How far the tilt is from its stops; ``hit`` names the stop that fired, if any."""

    loss_distance_usd: float | None
    """USD of further loss before the max-loss stop (negative = beyond it)."""
    spread_distance: float | None
    """Further adverse spread move (fraction) before the spread stop."""
    hit: str = ""


def stop_status(
    pnl_usd: float,
    base_usd: float,
    move: float | None,
    *,
    stop_loss_pct: float | None,
    stop_spread_pct: float | None,
) -> StopStatus:
    """Distances to the max-loss stop (% of base) and the adverse-spread stop (%)."""
    loss_distance = None
    spread_distance = None
    hit = ""
    if stop_loss_pct is not None:
        loss_distance = pnl_usd + base_usd * stop_loss_pct / 100.0
        if loss_distance <= 0:
            hit = f"loss {pnl_usd:,.2f} USD reached the stop of {stop_loss_pct:g}% of base"
    if stop_spread_pct is not None and move is not None:
        spread_distance = move + stop_spread_pct / 100.0
        if spread_distance <= 0 and not hit:
            hit = f"spread moved {move:+.2%}, past the stop of −{stop_spread_pct:g}%"
    return StopStatus(loss_distance, spread_distance, hit)


def time_left(entered_at: datetime, window_days: float, now: datetime) -> timedelta:
    """What remains of the tactical window (negative once it has ended)."""
    return entered_at + timedelta(days=window_days) - now


def expiring(
    expiries: Mapping[str, datetime], now: datetime, within: timedelta = timedelta(days=2)
) -> list[str]:
    """Symbols whose contract expires within ``within`` of ``now`` (they need a roll)."""
    return sorted(s for s, e in expiries.items() if e - now <= within)
