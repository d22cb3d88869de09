"""The proposed legs: one row per leg of the plan, a totals row, collateral, warnings, blockers.

Each leg shows its liquidation with the distance from the mark; ``≈`` marks a liquidation
whose margin bracket is the fallback's estimate (the venue's table not read). Enter or ``v``
on a leg opens every market the planner considered for it (`CandidatesModal`).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from tui.app import format as fmt
from tui.app.modals import candidates
from tui.app.modals.candidates import ESTIMATE, CandidatesModal, liquidation_text
from tui.app.widgets.row_table import Cell, Column, Row, RowTable, cells
from tui.core.models import Leg, Plan

#: Narrow terminals drop the highest priority first: at 100 columns what matters to decide
#: (market, side, size, carry, liquidation, status) stays; at 80 the size in contracts goes
#: too. Space on a leg shows every column.
COLUMNS = (
    Column("Asset", 5, "left", priority=10),
    Column("Symbol", 20, "left"),
    Column("Side", 4, "left"),
    Column("Contracts", 10, priority=3),
    Column("Target", 10, priority=5),
    Column("Achieved", 10),
    Column("Price", 10, priority=4),
    Column("Margin", 9, priority=6),
    Column("Fee", 7, priority=9),
    Column("Carry", 8),
    Column("Annual", 7, priority=2),
    Column("Liq.", 10, priority=2),
    Column("Away", 6, priority=7),
    Column("Roll", 6, priority=8),
    Column("Status", 12, "left", priority=1),
)

STATUS_WORDS = {"ok": "ok", "below_minimum": "below minimum", "blocked": "blocked"}
PROVISIONAL = "provisional"

TOTAL_KEY = "__total__"


def leg_key(leg: Leg) -> str:
    """The row key of a leg (one leg per asset)."""
    return f"{leg.asset}:{leg.symbol}"


def holder_rate(leg: Leg) -> float | None:
    """The leg's annualized rate signed as its carry, from the holder's view: a short earns a
    positive funding rate or basis, a long pays it (the venue's sign is the long's cost)."""
    return candidates.holder_rate(leg.annualized_rate, leg.side)


def provisional_line(plan: Plan, leg: Leg) -> str:
    """The plan's blocker saying ``auto`` chose this leg's market while another market of
    its asset had no price yet ("" when the choice is firm)."""
    head = f"{leg.asset}: auto's choice of {leg.symbol} is provisional"
    return next((b for b in plan.blockers if b.startswith(head)), "")


def leg_row(leg: Leg, provisional: bool = False) -> Row:
    """One leg as a table row; not-ok legs are marked with their reason, a provisional
    choice (which blocks confirming) as provisional, not ok."""
    status = STATUS_WORDS.get(leg.status, leg.status)
    if leg.reason:
        status = f"{status}: {leg.reason}"
    elif provisional and leg.status == "ok":
        status = PROVISIONAL
    tone = (
        None if leg.status == "ok" else ("caution" if leg.status == "below_minimum" else "blocked")
    )
    return Row(
        leg_key(leg),
        cells(
            Cell(leg.asset, "strong"),
            leg.symbol,
            Cell(leg.side, "gain" if leg.side == "buy" else "loss"),
            fmt.qty(leg.contracts),
            fmt.usd(leg.target_notional_usd, signed=True),
            fmt.usd(leg.notional_usd, signed=True),
            fmt.price(leg.price),
            fmt.usd(leg.margin_usd),
            fmt.usd_auto(leg.fee_usd),
            Cell(fmt.usd_auto(leg.carry_usd, signed=True), "gain" if leg.carry_usd > 0 else "loss"),
            Cell(fmt.pct(holder_rate(leg), signed=True), _tone(holder_rate(leg))),
            liquidation_text(leg.liquidation_price, leg.liquidation_estimate),
            fmt.pct(leg.liquidation_distance),
            fmt.short_date(leg.roll_by),
            Cell(status, None if status == "ok" else "caution"),
        ),
        tone=tone,
    )


def _tone(value: float | None) -> str | None:
    if not value:
        return None
    return "gain" if value > 0 else "loss"


def plan_rows(plan: Plan) -> list[Row]:
    """Leg rows and the totals row (sums over sendable legs)."""
    rows = [leg_row(leg, bool(provisional_line(plan, leg))) for leg in plan.legs]
    t = plan.totals
    rows.append(
        Row(
            TOTAL_KEY,
            cells(
                "",
                f"Total ({len(plan.sendable())} of {len(plan.legs)} legs)",
                "",
                "",
                "",
                fmt.usd(t.net_notional_usd, signed=True),
                "",
                fmt.usd(t.margin_usd),
                fmt.usd_auto(t.fees_usd),
                fmt.usd_auto(t.carry_usd, signed=True),
            ),
            tone="total",
        )
    )
    return rows


def collateral_line(plan: Plan) -> str:
    """What the margin and fees draw on, and how much of it the plan needs ("" if unknown)."""
    if plan.collateral_usd is None:
        return ""
    source = f" ({plan.collateral_source})" if plan.collateral_source else ""
    line = (
        f"Collateral: margin + fees {fmt.usd_auto(plan.collateral_needed_usd)} of "
        f"{fmt.usd_auto(plan.collateral_usd)} available{source}"
    )
    if plan.collateral_short_usd > 0:
        line += f" · short by {fmt.usd_auto(plan.collateral_short_usd)}"
    return line


def subtitle(plan: Plan, hidden: int = 0) -> str:
    """The border subtitle: the estimate marker's meaning, the keys, the plan's time
    (``hidden``: columns dropped for width, which space shows)."""
    parts = []
    if any(leg.liquidation_estimate for leg in plan.legs):
        parts.append(f"{ESTIMATE} liq. from estimated brackets")
    if plan.legs:
        parts.append(f"space: {hidden} more columns" if hidden else "space detail")
        parts.append("enter/v compare markets")
    parts.append(f"as of {plan.as_of:%H:%M:%S} · {plan.window_days:g} d at {plan.leverage:g}×")
    return " · ".join(parts)


class LegsPane(Vertical):
    """Proposed legs of the current tilt (re-planned as inputs change and prices move)."""

    DEFAULT_CSS = """
    LegsPane {
        height: auto;
        border: round $primary 40%;
        border-title-color: $primary;
        &:focus-within { border: round $primary; }
        & > RowTable { height: auto; max-height: 14; }
        & > #totals { height: auto; padding: 0 1; text-style: bold; }
        & > #collateral { height: auto; padding: 0 1; color: $text-muted; }
        & > #warnings { color: $caution; height: auto; padding: 0 1; }
        & > #blockers { color: $error; text-style: bold; height: auto; padding: 0 1; }
        & > #empty { color: $text-muted; padding: 0 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "compare", "Compare markets"),
    ]

    _plan: Plan | None = None
    """The plan last shown (what the comparison of a leg is read from)."""

    def compose(self) -> ComposeResult:
        """Placeholder text, the legs table, totals, collateral, warnings and blockers."""
        self.border_title = "Proposed legs"
        yield Static("Waiting for markets and a tilt…", id="empty")
        table = RowTable(COLUMNS, show_cursor=True, id="legs-table")
        table.display = False  # until there is a plan: the placeholder alone, no bare header
        table.detail_notes = self._detail_notes
        table.detail_title = lambda key: (
            "Proposed legs, total" if key == TOTAL_KEY else f"Proposed leg {key.split(':', 1)[-1]}"
        )
        yield table
        yield Static("", id="totals")
        yield Static("", id="collateral", markup=False)
        yield Static("", id="warnings", markup=False)
        yield Static("", id="blockers", markup=False)

    @property
    def table(self) -> RowTable:
        """The legs table."""
        return self.query_one(RowTable)

    def _show_lines(self, widget_id: str, lines: list[str]) -> None:
        widget = self.query_one(f"#{widget_id}", Static)
        widget.update("\n".join(lines))
        widget.display = bool(lines)

    def show_plan(self, plan: Plan | None, note: str = "") -> None:
        """Show ``plan`` (or ``note`` when there is none)."""
        self._plan = plan
        table = self.table
        empty = self.query_one("#empty", Static)
        if plan is None:
            table.set_rows([])
            table.display = False
            empty.display = True
            empty.update(note or "No proposal.")
            for widget_id in ("totals", "collateral", "warnings", "blockers"):
                self._show_lines(widget_id, [])
            self.border_subtitle = ""
            return
        table.display = True
        empty.display = False
        table.set_rows(plan_rows(plan))
        self.border_subtitle = subtitle(plan, len(table.hidden_columns))
        t = plan.totals
        totals = self.query_one("#totals", Static)
        totals.display = True
        totals.update(
            f"Net notional {fmt.usd(t.net_notional_usd, signed=True)} · gross "
            f"{fmt.usd(t.gross_notional_usd)} · margin {fmt.usd(t.margin_usd)} · fees "
            f"{fmt.usd_auto(t.fees_usd)} · expected carry {fmt.usd_auto(t.carry_usd, signed=True)}"
            f" over {plan.window_days:g} d · base {fmt.usd(plan.base_usd)}"
        )
        line = collateral_line(plan)
        self._show_lines("collateral", [line] if line else [])
        # A blocker is also a warning of the plan: it is shown once, as what blocks.
        warnings = [w for w in plan.warnings if w not in plan.blockers]
        self._show_lines("warnings", [f"⚠ {w}" for w in warnings])
        self._show_lines("blockers", [f"✖ blocks confirming: {b}" for b in plan.blockers])

    def on_row_table_fitted(self, event: RowTable.Fitted) -> None:
        """The terminal's width changed what the table shows: say how many columns space adds."""
        event.stop()
        if self._plan is not None:
            self.border_subtitle = subtitle(self._plan, len(event.hidden))

    def _detail_notes(self, key: str) -> list[str]:
        """Under a leg's columns: its status in full, why its market was chosen, the keys."""
        leg = next((g for g in self._plan.legs if leg_key(g) == key), None) if self._plan else None
        if leg is None:
            return []
        notes = [f"Why {leg.status.replace('_', ' ')}: {leg.reason}"] if leg.reason else []
        provisional = provisional_line(self._plan, leg) if self._plan else ""
        if provisional:
            notes.append(f"Why provisional: {provisional.split(' is provisional, ', 1)[-1]}")
        if leg.choice:
            notes.append(f"Market: {leg.choice}")
        notes.append("Annual: the rate from the holder's view, signed as the carry.")
        notes.append("Close, then v (or enter) compares every market considered for this leg.")
        return notes

    # -- the comparison of a leg's markets ------------------------------------------------

    def _highlighted_leg(self) -> Leg | None:
        key = self.table.cursor_key
        if self._plan is None or key in (None, TOTAL_KEY):
            return None
        return next((leg for leg in self._plan.legs if leg_key(leg) == key), None)

    def action_compare(self) -> None:
        """Open every market considered for the highlighted leg, the chosen one marked."""
        plan, leg = self._plan, self._highlighted_leg()
        if plan is None or leg is None:
            self.notify("Highlight a leg to compare its markets.", severity="warning", timeout=3)
            return
        self.app.push_screen(
            CandidatesModal(leg, leverage=plan.leverage, window_days=plan.window_days)
        )

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        """Enter on a leg compares its markets."""
        event.stop()
        self.action_compare()
