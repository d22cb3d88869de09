"""The proposed legs: one row per leg of the plan, a totals row, and the plan's warnings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.app import format as fmt
from tui.app.widgets.row_table import Cell, Column, Row, RowTable, cells
from tui.core.models import Leg, Plan

COLUMNS = (
    Column("Asset", 5, "left"),
    Column("Symbol", 20, "left"),
    Column("Side", 4, "left"),
    Column("Contracts", 10),
    Column("Target", 10),
    Column("Achieved", 10),
    Column("Price", 10),
    Column("Margin", 9),
    Column("Fee", 7),
    Column("Carry", 8),
    Column("Annual", 7),
    Column("Liq.", 10),
    Column("Roll", 6),
    Column("Status", 24, "left"),
)

STATUS_WORDS = {"ok": "ok", "below_minimum": "below minimum", "blocked": "blocked"}


def leg_row(leg: Leg) -> Row:
    """One leg as a table row; not-ok legs are marked with their reason."""
    status = STATUS_WORDS.get(leg.status, leg.status)
    if leg.reason:
        status = f"{status}: {leg.reason}"
    tone = (
        None if leg.status == "ok" else ("caution" if leg.status == "below_minimum" else "blocked")
    )
    return Row(
        f"{leg.asset}:{leg.symbol}",
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
            fmt.pct(leg.annualized_rate, signed=True),
            fmt.price(leg.liquidation_price),
            fmt.short_date(leg.roll_by),
            Cell(status, None if leg.status == "ok" else "caution"),
        ),
        tone=tone,
    )


def plan_rows(plan: Plan) -> list[Row]:
    """Leg rows and the totals row (sums over sendable legs)."""
    rows = [leg_row(leg) for leg in plan.legs]
    t = plan.totals
    rows.append(
        Row(
            "__total__",
            cells(
                "Total",
                f"{len(plan.sendable())} of {len(plan.legs)} legs to send",
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
        & > #warnings { color: $caution; height: auto; padding: 0 1; }
        & > #empty { color: $text-muted; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        """Placeholder text, the legs table, and the warnings."""
        self.border_title = "Proposed legs"
        yield Static("Waiting for markets and a tilt…", id="empty")
        yield RowTable(COLUMNS, show_cursor=True, id="legs-table")
        yield Static("", id="totals")
        yield Static("", id="warnings")

    def show_plan(self, plan: Plan | None, note: str = "") -> None:
        """Show ``plan`` (or ``note`` when there is none)."""
        table = self.query_one(RowTable)
        empty = self.query_one("#empty", Static)
        warnings = self.query_one("#warnings", Static)
        if plan is None:
            table.set_rows([])
            table.display = False
            empty.display = True
            empty.update(note or "No proposal.")
            warnings.update("")
            warnings.display = False
            self.query_one("#totals", Static).update("")
            return
        table.display = True
        empty.display = False
        table.set_rows(plan_rows(plan))
        self.border_subtitle = (
            f"as of {plan.as_of:%H:%M:%S} · {plan.window_days:g} d at {plan.leverage:g}×"
        )
        t = plan.totals
        self.query_one("#totals", Static).update(
            f"Net notional {fmt.usd(t.net_notional_usd, signed=True)} · gross "
            f"{fmt.usd(t.gross_notional_usd)} · margin {fmt.usd(t.margin_usd)} · fees "
            f"{fmt.usd_auto(t.fees_usd)} · expected carry {fmt.usd_auto(t.carry_usd, signed=True)}"
            f" over {plan.window_days:g} d · base {fmt.usd(plan.base_usd)}"
        )
        warnings.display = bool(plan.warnings)
        warnings.update("\n".join(f"⚠ {w}" for w in plan.warnings))
