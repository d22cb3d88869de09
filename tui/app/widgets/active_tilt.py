"""The open tilt: P&L split, funding paid, expected carry, spread move, stops, time left, legs.

The numbers come from the desk (`tui.desk.TiltWatch`); this panel puts them into words.
"Funding paid" is what the ledger booked at each settlement; "expected carry" is the plan's
estimate over the window, labelled as expected.
"""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.app import format as fmt
from tui.desk.watch import TiltWatch

#: Warn (caution colour) when less than this fraction of a stop's room is left.
NEAR_STOP = 0.25


def _signed(value: float, text: str) -> str:
    var = "$gain" if value > 0 else ("$loss" if value < 0 else "$foreground")
    return f"[{var}]{escape(text)}[/]"


def _money(value: float) -> str:
    return _signed(value, fmt.usd_auto(value, signed=True))


def stop_words(watch: TiltWatch) -> tuple[str, str]:
    """(words, tone) for the stops: how far each is, or that it was hit (a distance at or
    below zero is a stop hit, said as such, never as a negative distance "away")."""
    stop = watch.stop
    parts: list[str] = []
    tone = "foreground"
    if stop.loss_distance_usd is not None and watch.stop_loss_pct:
        if stop.loss_distance_usd <= 0:
            parts.append(f"loss stop hit ({fmt.usd(-stop.loss_distance_usd)} past it)")
            tone = "loss"
        else:
            parts.append(f"loss stop {fmt.usd(stop.loss_distance_usd)} away")
            if stop.loss_distance_usd < NEAR_STOP * watch.base_usd * watch.stop_loss_pct / 100:
                tone = "caution"
    if stop.spread_distance is not None and watch.stop_spread_pct:
        if stop.spread_distance <= 0:
            parts.append(f"spread stop hit ({fmt.pct(-stop.spread_distance, decimals=2)} past it)")
            tone = "loss"
        else:
            parts.append(f"spread stop {fmt.pct(stop.spread_distance, decimals=2)} away")
            if stop.spread_distance < NEAR_STOP * watch.stop_spread_pct / 100 and tone != "loss":
                tone = "caution"
    if not parts and stop.hit:
        return f"stop hit: {stop.hit}", "loss"
    return (" · ".join(parts) or "no stop set"), tone


def time_words(watch: TiltWatch) -> str:
    """Time left in the window, or that it has ended (under a second left is ended: the
    countdown would read "due")."""
    if watch.time_left is None:
        return "window starts at the first fill"
    if watch.time_left.total_seconds() < 1:
        return "window ended"
    return f"{fmt.countdown(watch.time_left)} left"


class ActiveTiltPanel(Vertical):
    """Hidden until a tilt is open; then a summary line, one line per leg, and alerts."""

    DEFAULT_CSS = """
    ActiveTiltPanel {
        height: auto;
        display: none;
        border: round $accent;
        border-title-color: $accent;
        padding: 0 1;
        &.-active { display: block; }
        & > #summary { height: auto; }
        & > #legs { height: auto; color: $text-muted; }
        & > #alerts { height: auto; color: $caution; text-style: bold; }
    }
    """

    def compose(self) -> ComposeResult:
        """Summary, legs and alerts."""
        self.border_title = "Open tilt"
        yield Static("", id="summary")
        yield Static("", id="legs")
        yield Static("", id="alerts")

    def show(self, watch: TiltWatch | None) -> None:
        """Show ``watch``, or hide the panel when no tilt is open."""
        self.set_class(watch is not None, "-active")
        if watch is None:
            return
        status = "" if watch.status == "open" else f" · {watch.status.replace('_', ' ')}"
        self.border_title = f"Open tilt {watch.tilt_id}{status}"
        pnl_pct = watch.pnl_usd / watch.base_usd if watch.base_usd else None
        realized = watch.realized
        stop_text, tone = stop_words(watch)
        pair = f"{watch.pair[0]}/{watch.pair[1]}" if watch.pair else "–"
        summary = (
            f"P&L {_money(watch.pnl_usd)} ({fmt.pct(pnl_pct, decimals=2, signed=True)} of base)"
            f"  ·  price {_money(watch.price_pnl_usd)}"
            f"  ·  funding paid {_money(watch.funding_paid_usd)}"
            f"  ·  fees {_money(-realized.fees)}"
            f"  ·  expected carry {escape(fmt.usd_auto(watch.expected_carry_usd, signed=True))}"
            f"\nspread {escape(pair)} "
            f"{_signed(watch.spread_move or 0.0, fmt.pct(watch.spread_move, decimals=2, signed=True))}"
            f"  ·  [${tone}]{escape(stop_text)}[/]"
            f"  ·  {escape(time_words(watch))}"
        )
        if watch.note and watch.note != "every leg filled":
            summary += f"  ·  {escape(watch.note)}"
        self.query_one("#summary", Static).update(summary)
        lines = []
        for leg in watch.legs:
            now = fmt.price(leg.price)
            mark = f"[$stale]{now} (stale)[/]" if leg.stale else now
            liq = ""
            if leg.liquidation_price is not None:
                approx = "≈" if leg.liquidation_estimate else ""
                liq = (
                    f"  liq. {approx}{fmt.price(leg.liquidation_price)}"
                    f" ({fmt.pct(leg.liquidation_distance, decimals=1)} away)"
                )
            # A dated future's P&L splits into price and basis (the basis converging).
            basis = f" (basis {_money(leg.basis_usd)})" if abs(leg.basis_usd) >= 0.005 else ""
            lines.append(
                f"{escape(leg.symbol)} {leg.side} {fmt.qty(abs(leg.quantity))} "
                f"@ {fmt.price(leg.entry)} → {mark}  {_money(leg.pnl_usd)}{basis}"
                f"  funding {_money(leg.funding_usd)}  margin {fmt.usd(leg.margin_usd)}{liq}"
            )
        self.query_one("#legs", Static).update("\n".join(lines))
        self.query_one("#alerts", Static).update("\n".join(f"⚠ {escape(a)}" for a in watch.alerts))
