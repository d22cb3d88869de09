"""Every market the planner considered for one leg, the chosen one marked, and why.

Read only: nothing here changes the plan or sends anything. Each market is costed at the
leg's target notional before rounding (`tui.core.models.Candidate`): the expected carry split
into funding and basis, the entry fee, the roll's cost and date, the net (carry − fee − roll,
what ``auto`` maximises), the market's annualized rate from the holder's view (signed as the
carry, as the legs pane's Annual: a long pays a positive funding rate), margin, liquidation
with its distance from the mark, the bracket's leverage cap, and whether the market was
allowed for the leg (and if not, why). Esc, Enter,
``q`` or Close shut it; no key reaches the main screen while it is open.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from tui.app import format as fmt
from tui.app.modals.base import OnceModal
from tui.app.widgets.row_table import Cell, Column, Row, RowTable, cells
from tui.core.models import Candidate, Leg

CHOSEN = "*"
ESTIMATE = "≈"
"""Marks a liquidation (and leverage cap) from estimated brackets (the fallback table)."""

COLUMNS = (
    Column("", 1, "left"),
    Column("Symbol", 20, "left"),
    Column("Type", 6, "left"),
    Column("Funding", 9),
    Column("Basis", 9),
    Column("Carry", 9),
    Column("Annual", 7),
    Column("Fee", 7),
    Column("Roll", 7),
    Column("Roll by", 7),
    Column("Net", 9),
    Column("Margin", 9),
    Column("Liq.", 10),
    Column("Away", 6),
    Column("Max", 6),
    Column("Allowed", 7, "left"),
)


def liquidation_text(price: float | None, estimate: bool) -> str:
    """The liquidation price, ``≈`` in front when its bracket is an estimate; ``none`` when
    the margin covers the whole notional (a long at 1× is not liquidated by price)."""
    if price is None:
        return fmt.DASH
    if price <= 0:
        return "none"
    return f"{ESTIMATE if estimate else ''}{fmt.price(price)}"


def holder_rate(rate: float | None, side: str) -> float | None:
    """An annualized funding rate or basis signed as the holder's carry: a short earns a
    positive rate, a long pays it (the venue quotes the rate as the long's cost)."""
    if rate is None:
        return None
    return rate if side == "sell" else -rate


def _money(value: float) -> Cell:
    """A signed cash flow to the holder, coloured by its sign (zero plain)."""
    tone = "gain" if value > 0 else ("loss" if value < 0 else None)
    return Cell(fmt.usd_auto(value, signed=True), tone)


def candidate_row(candidate: Candidate, side: str) -> Row:
    """One market considered for a leg on ``side``, as a row: the chosen one marked and
    bold, the barred muted."""
    c = candidate
    rate = holder_rate(c.annualized_rate, side)
    rolls = c.roll_by is not None or c.roll_cost_usd > 0
    cap = fmt.DASH
    if c.max_leverage is not None:
        cap = f"{ESTIMATE if c.liquidation_estimate else ''}{c.max_leverage:g}×"
    return Row(
        c.symbol,
        cells(
            Cell(CHOSEN if c.chosen else "", "strong"),
            c.symbol,
            c.instrument,
            _money(c.funding_usd),
            _money(c.basis_usd),
            _money(c.carry_usd),
            Cell(
                fmt.pct(rate, signed=True),
                "gain" if rate and rate > 0 else ("loss" if rate else None),
            ),
            fmt.usd_auto(c.fee_usd),
            fmt.usd_auto(c.roll_cost_usd) if rolls else fmt.DASH,
            fmt.short_date(c.roll_by),
            _money(c.net_usd),
            fmt.usd(c.margin_usd),
            liquidation_text(c.liquidation_price, c.liquidation_estimate),
            fmt.pct(c.liquidation_distance),
            cap,
            Cell("yes", "gain") if c.allowed else Cell("no", "caution"),
        ),
        tone="strong" if c.chosen else (None if c.allowed else "muted"),
    )


def leg_summary(leg: Leg, leverage: float, window_days: float) -> str:
    """One line on the leg the markets were compared for."""
    status = "" if leg.status == "ok" else f" · {leg.status.replace('_', ' ')}"
    return (
        f"{leg.side} {fmt.qty(leg.contracts)} {leg.symbol} ({leg.instrument}) · target "
        f"{fmt.usd(leg.target_notional_usd, signed=True)} · {leverage:g}× · "
        f"{window_days:g} d window{status}"
    )


def legend(candidates: list[Candidate], window_days: float) -> str:
    """What the columns mean (and ``≈`` when any liquidation is an estimate)."""
    text = (
        f"{CHOSEN} chosen · each market costed at the leg's target notional before rounding · "
        f"carry = expected funding + basis over {window_days:g} d, net = carry − fee − roll "
        "(what auto maximises), annual = the market's rate a year: all to the holder, + earned "
        "(a long pays a positive rate) · away = liquidation's distance from the mark · max = "
        "the leverage cap of this size's bracket"
    )
    if any(c.liquidation_estimate for c in candidates):
        text += (
            f" · {ESTIMATE} liquidation and cap from estimated brackets "
            "(the venue's table is not available)"
        )
    return text


class CandidatesModal(OnceModal[None]):
    """The comparison of one leg's markets: table, the choice in words, why others were not."""

    DEFAULT_CSS = """
    CandidatesModal {
        align: center middle;
        & > Vertical {
            width: 150;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: thick $accent;
            background: $surface;
            padding: 0 1;
        }
        #title { text-style: bold; }
        #leg { color: $text-muted; margin-bottom: 1; }
        RowTable { height: auto; max-height: 12; margin-bottom: 1; }
        #choice { height: auto; }
        #barred { color: $caution; height: auto; }
        #status { color: $error; height: auto; }
        #legend { color: $text-muted; height: auto; margin-top: 1; }
        #buttons { height: auto; }
        #scroll-hint { width: 1fr; color: $text-muted; padding-top: 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
        Binding("left", "scroll_table(-8)", "Scroll left", show=False),
        Binding("right", "scroll_table(8)", "Scroll right", show=False),
    ]

    def __init__(self, leg: Leg, *, leverage: float, window_days: float) -> None:
        super().__init__()
        self.leg = leg
        self.leverage = leverage
        self.window_days = window_days

    def compose(self) -> ComposeResult:
        """Title, the leg, the markets, the choice in words, why not, the legend, Close."""
        leg = self.leg
        with Vertical():
            yield Label(f"Markets considered for the {leg.asset} leg", id="title")
            yield Label(leg_summary(leg, self.leverage, self.window_days), id="leg")
            table = RowTable(COLUMNS, id="candidates")
            table.set_rows([candidate_row(c, leg.side) for c in leg.candidates])
            yield table
            choice = leg.choice or (
                f"{leg.symbol}: the only market considered"
                if len(leg.candidates) <= 1
                else f"{leg.symbol} was chosen"
            )
            yield Static(f"Why: {choice}", id="choice", markup=False)
            if leg.status != "ok" and leg.reason:
                status = leg.status.replace("_", " ")
                yield Static(f"This leg is {status}: {leg.reason}", id="status", markup=False)
            # Markets not allowed, each with its reason (unless the choice already says it).
            barred = [
                c
                for c in leg.candidates
                if not c.allowed and f"{c.symbol}: {c.reason}" not in leg.choice
            ]
            if barred:
                yield Static(
                    "\n".join(
                        f"{c.symbol} not allowed: {c.reason or 'no reason given'}" for c in barred
                    ),
                    id="barred",
                    markup=False,
                )
            yield Static(legend(leg.candidates, self.window_days), id="legend", markup=False)
            with Horizontal(id="buttons"):
                yield Label("← → scroll the table sideways", id="scroll-hint")
                yield Button("Close (Esc)", id="close")

    def on_mount(self) -> None:
        """Close is focused: Enter shuts the comparison."""
        self.query_one("#close", Button).focus()
        self.call_after_refresh(self._show_scroll_hint)

    def on_resize(self) -> None:
        """Say that the table scrolls sideways when it is wider than the terminal."""
        self.call_after_refresh(self._show_scroll_hint)

    def _show_scroll_hint(self) -> None:
        table = self.query_one(RowTable)
        hint = self.query_one("#scroll-hint", Label)
        hint.visible = table.virtual_size.width > table.scrollable_content_region.width

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Close."""
        event.stop()
        self.action_close()

    def action_scroll_table(self, cells_by: int) -> None:
        """Scroll the table sideways (narrow terminals)."""
        table = self.query_one(RowTable)
        table.scroll_to(x=max(0, table.scroll_x + cells_by), animate=False)

    def action_close(self) -> None:
        """Shut the comparison; nothing else happens."""
        self.answer(None)
