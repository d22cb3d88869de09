"""The active tilt marked to market with `tui.core.risk`: P&L (price + funding), spread move,
stop-loss distance, time left, and the alerts that make the app propose an unwind or a roll."""

from __future__ import annotations

from datetime import datetime, timedelta

from tui.app import format as fmt
from tui.app.state import ActiveTilt, AppState
from tui.app.widgets.active_tilt import LegWatch, TiltWatch
from tui.core import risk

#: Warn (caution colour) when less than this fraction of a stop's room is left.
NEAR_STOP = 0.25


def watch_tilt(state: AppState, active: ActiveTilt, now: datetime) -> TiltWatch:
    """Everything the active-tilt panel shows, at ``now``."""
    stale = state.stale_symbols(now)
    legs: list[LegWatch] = []
    price_total = 0.0
    funding_total = 0.0
    for asset, (symbol, qty, entry) in active.positions.items():
        position = risk.Position(symbol, asset, qty, entry)
        quote = state.quotes.get(symbol)
        price = quote.price if quote is not None else None
        pnl = risk.price_pnl(position, price or entry)
        price_total += pnl
        market = state.markets.get(symbol)
        if market is not None and market.instrument == "perp" and quote is not None:
            interval = quote.funding_interval_hours or market.funding_interval_hours or 8.0
            funding_total += risk.funding_since(
                position,
                quote.funding_rate or 0.0,
                interval,
                active.entered_at,
                now,
                price or entry,
            )
        legs.append(
            LegWatch(
                symbol, "long" if qty > 0 else "short", qty, entry, price, pnl, symbol in stale
            )
        )
    pnl = price_total + funding_total
    base = active.plan.base_usd
    move = None
    if active.pair and active.entry_spread:
        current = risk.spread(state.prices(), active.pair)
        move = risk.spread_move(active.entry_spread, current) if current else None
    spec = active.spec
    stop = risk.stop_status(
        pnl, base, move, stop_loss_pct=spec.stop_loss_pct, stop_spread_pct=spec.stop_spread_pct
    )
    parts: list[str] = []
    tone = "foreground"
    if stop.loss_distance_usd is not None:
        parts.append(f"loss stop {fmt.usd(stop.loss_distance_usd)} away")
        if (
            spec.stop_loss_pct
            and stop.loss_distance_usd < NEAR_STOP * base * spec.stop_loss_pct / 100
        ):
            tone = "caution"
    if stop.spread_distance is not None:
        parts.append(f"spread stop {fmt.pct(stop.spread_distance, decimals=2)} away")
        if spec.stop_spread_pct and stop.spread_distance < NEAR_STOP * spec.stop_spread_pct / 100:
            tone = "caution"
    alerts: list[str] = []
    if stop.hit:
        alerts.append(f"stop hit: {stop.hit}; press u to review the unwind orders")
        tone = "loss"
    left = risk.time_left(active.entered_at, spec.window_days, now)
    if left.total_seconds() <= 0:
        alerts.append("the tactical window has ended; press u to review the unwind orders")
    expiries = {
        s: m.expiry
        for s, _q, _e in active.positions.values()
        if (m := state.markets.get(s)) is not None and m.expiry is not None
    }
    for symbol in risk.expiring(expiries, now, timedelta(days=2)):
        alerts.append(f"{symbol} expires {expiries[symbol]:%Y-%m-%d %H:%M} UTC: it needs a roll")
    return TiltWatch(
        tilt_id=active.tilt_id,
        pnl_usd=pnl,
        price_pnl_usd=price_total,
        funding_usd=funding_total,
        base_usd=base,
        spread_label=f"{active.pair[0]}/{active.pair[1]}" if active.pair else "–",
        spread_move=move,
        stop_text=" · ".join(parts) or "no stop set",
        stop_tone=tone,
        time_left=fmt.countdown(left),
        legs=legs,
        alerts=alerts,
    )
