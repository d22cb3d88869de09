"""The active tilt: P&L (price + funding), spread move, stop-loss distance, time left, legs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.app import format as fmt


@dataclass(frozen=True)
class LegWatch:
    """One held leg, marked to market."""

    symbol: str
    side: str
    quantity: float
    entry: float
    price: float | None
    pnl_usd: float
    stale: bool = False


@dataclass(frozen=True)
class TiltWatch:
    """Everything the panel shows about the active tilt at one moment."""

    tilt_id: str
    pnl_usd: float
    price_pnl_usd: float
    funding_usd: float
    base_usd: float
    spread_label: str
    spread_move: float | None
    stop_text: str
    stop_tone: str
    time_left: str
    legs: Sequence[LegWatch] = field(default_factory=tuple)
    alerts: Sequence[str] = field(default_factory=tuple)


def _signed(value: float, text: str) -> str:
    var = "$gain" if value > 0 else ("$loss" if value < 0 else "$foreground")
    return f"[{var}]{escape(text)}[/]"


class ActiveTiltPanel(Vertical):
    """Hidden until a tilt is active; then a summary line, one line per leg, and alerts."""

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
        self.border_title = "Active tilt"
        yield Static("", id="summary")
        yield Static("", id="legs")
        yield Static("", id="alerts")

    def show(self, watch: TiltWatch | None) -> None:
        """Show ``watch``, or hide the panel when no tilt is active."""
        self.set_class(watch is not None, "-active")
        if watch is None:
            return
        self.border_title = f"Active tilt {watch.tilt_id}"
        pnl_pct = watch.pnl_usd / watch.base_usd if watch.base_usd else None
        summary = (
            f"P&L {_signed(watch.pnl_usd, fmt.usd_auto(watch.pnl_usd, signed=True))}"
            f" ({fmt.pct(pnl_pct, decimals=2, signed=True)} of base)"
            f"  ·  price {_signed(watch.price_pnl_usd, fmt.usd_auto(watch.price_pnl_usd, signed=True))}"
            f"  ·  funding so far {_signed(watch.funding_usd, fmt.usd_auto(watch.funding_usd, signed=True))}"
            f"  ·  spread {escape(watch.spread_label)} "
            f"{_signed(watch.spread_move or 0.0, fmt.pct(watch.spread_move, decimals=2, signed=True))}"
            f"  ·  [${watch.stop_tone}]{escape(watch.stop_text)}[/]"
            f"  ·  {escape(watch.time_left)} left"
        )
        self.query_one("#summary", Static).update(summary)
        lines = []
        for leg in watch.legs:
            now = fmt.price(leg.price)
            mark = f"[$stale]{now} (stale)[/]" if leg.stale else now
            lines.append(
                f"{escape(leg.symbol)} {leg.side} {fmt.qty(abs(leg.quantity))} "
                f"@ {fmt.price(leg.entry)} → {mark}  "
                f"{_signed(leg.pnl_usd, fmt.usd_auto(leg.pnl_usd, signed=True))}"
            )
        self.query_one("#legs", Static).update("\n".join(lines))
        self.query_one("#alerts", Static).update("\n".join(f"⚠ {escape(a)}" for a in watch.alerts))
