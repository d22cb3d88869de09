"""The open tilt marked to market: P&L split, funding paid, the pair spread, stops, time left.

Numbers only (the panel words them). P&L = what the books realized (price, basis, funding
actually paid, fees) + what the open positions would realize at the current marks. The
expected carry is the plan's estimate, kept apart and labelled as expected.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tui.core import risk
from tui.core.ledger import Realized

if TYPE_CHECKING:
    from tui.desk.state import DeskState
    from tui.desk.tilt import Tilt

#: A dated future this close to expiry needs a roll.
ROLL_LEAD = timedelta(days=2)
#: Below this liquidation distance (a fraction of mark) the desk proposes the unwind.
LIQUIDATION_ALERT = 0.10


@dataclass(frozen=True)
class LegWatch:
    """One held leg, marked to market."""

    symbol: str
    side: str
    quantity: float
    """Signed base units."""
    entry: float
    price: float | None
    pnl_usd: float
    """Unrealized price + basis P&L at ``price``."""
    funding_usd: float
    """Funding paid (−) or received (+) on this leg so far."""
    stale: bool = False
    margin_usd: float = 0.0
    """Isolated margin the leg posted (|quantity| × entry / leverage)."""
    liquidation_price: float | None = None
    liquidation_distance: float | None = None
    """``|liquidation − mark| / mark``."""
    liquidation_estimate: bool = False
    """Computed with the fallback brackets (the venue gave none)."""
    basis_usd: float = 0.0
    """The part of ``pnl_usd`` from the contract moving beyond its index (dated futures)."""


@dataclass(frozen=True)
class TiltWatch:
    """Everything known about the open tilt at one moment."""

    tilt_id: str
    status: str
    note: str
    base_usd: float
    pnl_usd: float
    unrealized_usd: float
    realized: Realized
    expected_carry_usd: float
    pair: tuple[str, str] | None
    spread_move: float | None
    stop: risk.StopStatus
    stop_loss_pct: float | None
    stop_spread_pct: float | None
    time_left: timedelta | None
    legs: Sequence[LegWatch] = field(default_factory=tuple)
    alerts: Sequence[str] = field(default_factory=tuple)

    @property
    def funding_paid_usd(self) -> float:
        """Funding actually paid (−) or received (+): the ledger's sum."""
        return self.realized.funding

    @property
    def price_pnl_usd(self) -> float:
        """P&L from prices: realized and unrealized, price and basis, before funding and fees."""
        return self.realized.price + self.realized.basis + self.unrealized_usd


def watch_tilt(
    desk: DeskState, tilt: Tilt, now: datetime, stale: Collection[str] = ()
) -> TiltWatch:
    """The open tilt at ``now`` (``stale``: symbols whose quotes are old)."""
    from tui.core.costing import position_liquidation

    leverage = tilt.spec.leverage if tilt.spec is not None else 1.0
    legs: list[LegWatch] = []
    unrealized = 0.0
    expiries: dict[str, datetime] = {}
    for symbol, book in sorted(tilt.books.items()):
        if book.flat:
            continue
        quote = desk.quotes.get(symbol)
        price = quote.price if quote is not None else None
        made = book.unrealized(price or book.entry_price, quote.index if quote else None)
        unrealized += made.price + made.basis
        market = desk.markets.get(symbol)
        liq: tuple[float | None, float | None, bool] = (None, None, False)
        if market is not None:
            liq = position_liquidation(market, book.quantity, book.entry_price, leverage, price)
        legs.append(
            LegWatch(
                symbol,
                "long" if book.quantity > 0 else "short",
                book.quantity,
                book.entry_price,
                price,
                made.price + made.basis,
                book.realized.funding,
                symbol in stale,
                abs(book.quantity) * book.entry_price / max(leverage, 1.0),
                *liq,
                # Shown for dated futures (the basis converging); a perp's premium stays in P&L.
                made.basis if market is not None and market.instrument == "future" else 0.0,
            )
        )
        if market is not None and market.expiry is not None:
            expiries[symbol] = market.expiry
    realized = tilt.realized()
    pnl = realized.total + unrealized
    move = None
    if tilt.pair and tilt.entry_spread:
        current = risk.spread(desk.prices(), tilt.pair)
        move = risk.spread_move(tilt.entry_spread, current) if current else None
    spec = tilt.spec
    stop = risk.stop_status(
        pnl,
        tilt.base_usd,
        move,
        stop_loss_pct=spec.stop_loss_pct if spec else None,
        stop_spread_pct=spec.stop_spread_pct if spec else None,
    )
    end = tilt.window_end()
    left = end - now if end is not None else None
    alerts: list[str] = []
    if stop.hit:
        alerts.append(f"stop hit: {stop.hit}; press u to review the unwind orders")
    if left is not None and left.total_seconds() <= 0:
        alerts.append("the tactical window has ended; press u to review the unwind orders")
    for symbol in risk.expiring(expiries, now, ROLL_LEAD):
        alerts.append(
            f"{symbol} expires {expiries[symbol]:%Y-%m-%d %H:%M} UTC: it needs a roll (press r)"
        )
    for leg in legs:
        if leg.liquidation_distance is not None and leg.liquidation_distance < LIQUIDATION_ALERT:
            alerts.append(
                f"{leg.symbol} is {leg.liquidation_distance:.1%} from liquidation; "
                "press u to review the unwind"
            )
    return TiltWatch(
        tilt_id=tilt.tilt_id,
        status=tilt.status,
        note=tilt.note,
        base_usd=tilt.base_usd,
        pnl_usd=pnl,
        unrealized_usd=unrealized,
        realized=realized,
        expected_carry_usd=tilt.expected_carry_usd,
        pair=tilt.pair,
        spread_move=move,
        stop=stop,
        stop_loss_pct=spec.stop_loss_pct if spec else None,
        stop_spread_pct=spec.stop_spread_pct if spec else None,
        time_left=left,
        legs=legs,
        alerts=alerts,
    )
