"""The active tilt marked to market: P&L (price + funding), spread move, stop distance, time left.

Uses `tui.core.risk` when it is there; until then the same DESIGN.md §2 arithmetic here:
price P&L = Σ qty × (price − entry); funding so far = Σ over settlements since entry of
−qty × price × rate (a long pays a positive rate); spread = long price / short price.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tui.app import format as fmt
from tui.app.state import ActiveTilt, AppState
from tui.app.widgets.active_tilt import LegWatch, TiltWatch
from tui.core.carry import settlements_in_window

#: Warn when the stop is closer than this fraction of its own size.
NEAR_STOP = 0.25


def funding_so_far(state: AppState, active: ActiveTilt, now: datetime) -> float:
    """Funding received (+) or paid (−) by the perpetual legs since entry (expected)."""
    total = 0.0
    for symbol, qty, entry in active.positions.values():
        market = state.markets.get(symbol)
        quote = state.quotes.get(symbol)
        if market is None or market.instrument != "perp" or quote is None:
            continue
        rate = quote.funding_rate or 0.0
        interval = quote.funding_interval_hours or market.funding_interval_hours or 8.0
        count = len(settlements_in_window(active.entered_at, now, interval)) if now > active.entered_at else 0
        total += -qty * (quote.price or entry) * rate * count
    return total


def watch_tilt(state: AppState, active: ActiveTilt, now: datetime) -> TiltWatch:
    """Everything the active-tilt panel shows, at ``now``."""
    stale = state.stale_symbols(now)
    legs: list[LegWatch] = []
    price_pnl = 0.0
    for symbol, qty, entry in active.positions.values():
        quote = state.quotes.get(symbol)
        price = quote.price if quote is not None else None
        pnl = qty * ((price or entry) - entry)
        price_pnl += pnl
        side = "long" if qty > 0 else "short"
        legs.append(LegWatch(symbol, side, qty, entry, price, pnl, symbol in stale))
    funding = funding_so_far(state, active, now)
    pnl = price_pnl + funding
    base = active.plan.base_usd
    spread_move = None
    prices = state.prices()
    if active.pair and active.entry_spread and all(a in prices for a in active.pair):
        spread_move = prices[active.pair[0]] / prices[active.pair[1]] / active.entry_spread - 1.0
    alerts: list[str] = []
    stop_parts: list[str] = []
    tone = "foreground"
    spec = active.spec
    if spec.stop_loss_pct is not None and base:
        room = spec.stop_loss_pct / 100.0 + pnl / base
        stop_parts.append(f"loss stop {fmt.pct(room, decimals=2)} of base away")
        if room <= 0:
            alerts.append(f"stop-loss hit: loss {fmt.usd(-pnl)} ≥ {spec.stop_loss_pct:g}% of base; u proposes the unwind")
        elif room < NEAR_STOP * spec.stop_loss_pct / 100.0:
            tone = "caution"
    if spec.stop_spread_pct is not None and spread_move is not None:
        room = spec.stop_spread_pct / 100.0 + spread_move
        stop_parts.append(f"spread stop {fmt.pct(room, decimals=2)} away")
        if room <= 0:
            alerts.append(f"spread stop hit: spread moved {fmt.pct(spread_move, signed=True)}; u proposes the unwind")
        elif room < NEAR_STOP * spec.stop_spread_pct / 100.0:
            tone = "caution"
    if alerts:
        tone = "loss"
    left = active.entered_at + timedelta(days=spec.window_days) - now
    if left.total_seconds() <= 0:
        alerts.append("the tactical window has ended; u proposes the unwind")
    for leg in active.plan.sendable():
        if leg.roll_by is not None and leg.roll_by - now < timedelta(days=1):
            alerts.append(f"{leg.symbol} must be rolled by {leg.roll_by:%Y-%m-%d %H:%M}")
    pair_label = f"{active.pair[0]}/{active.pair[1]}" if active.pair else "–"
    return TiltWatch(
        tilt_id=active.tilt_id,
        pnl_usd=pnl,
        price_pnl_usd=price_pnl,
        funding_usd=funding,
        base_usd=base,
        spread_label=pair_label,
        spread_move=spread_move,
        stop_text=" · ".join(stop_parts) or "no stop set",
        stop_tone=tone,
        time_left=fmt.countdown(left),
        legs=legs,
        alerts=alerts,
    )
