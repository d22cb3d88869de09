"""The holdings pane: spot, SAA targets, drift, the futures overlay and effective exposure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message

from tui.app import format as fmt
from tui.app.modals.ask import AskYesNo
from tui.app.widgets.row_table import Cell, Column, Row, RowTable, cells
from tui.core.models import STABLECOINS, Portfolio

#: Narrow terminals drop the highest priority first (at 80 columns: the futures overlay and
#: the effective weight; Effective itself stays). Space on a row shows every column.
COLUMNS = (
    Column("Asset", 6, "left"),
    Column("Quantity", 10),
    Column("Price", 10),
    Column("Value", 11),
    Column("Weight", 6, priority=1),
    Column("SAA", 5, priority=1),
    Column("Drift", 6, priority=1),
    Column("Overlay", 10, priority=2),
    Column("Effective", 11),
    Column("Eff.wt", 6, priority=3),
)

TOTAL_KEY = "__total__"

#: What a holding with no price shows for its value: never $0, which would be a price.
UNPRICED = "unpriced"


def holdings_rows(
    portfolio: Portfolio,
    prices: Mapping[str, float],
    overlay: Mapping[str, float],
    stale: set[str],
) -> list[Row]:
    """One row per asset plus a totals row (docs/design.md §2: ``E_a = spot × price + Σ futures``).

    A holding without a price is shown unpriced, not as $0; while any is, the weights and the
    totals are unknown (a dash) and the Total row says how many are waiting for a price."""
    values: dict[str, float | None] = {}
    for asset in portfolio.assets:
        quantity = portfolio.holdings.get(asset, 0.0)
        unit = 1.0 if asset in STABLECOINS else prices.get(asset)
        values[asset] = None if unit is None else quantity * unit
    unpriced = [a for a, v in values.items() if v is None and portfolio.holdings.get(a)]
    total: float | None = sum(v for v in values.values() if v is not None)
    if unpriced:
        total = None
    rows: list[Row] = []
    total_overlay = 0.0
    total_effective = 0.0
    for asset in portfolio.assets:
        quantity = portfolio.holdings.get(asset, 0.0)
        unit = 1.0 if asset in STABLECOINS else prices.get(asset)
        value = values[asset]
        weight = value / total if value is not None and total else None
        saa = portfolio.strategic.get(asset)
        drift = weight - saa / 100.0 if weight is not None and saa is not None else None
        futures = overlay.get(asset, 0.0)
        effective = None if value is None and quantity else (value or 0.0) + futures
        total_overlay += futures
        total_effective += effective or 0.0
        price_tone = "stale" if asset in stale else None
        drift_tone = None if drift is None or abs(drift) < 0.005 else "caution"
        rows.append(
            Row(
                asset,
                cells(
                    Cell(asset, "strong"),
                    fmt.qty(quantity),
                    Cell(fmt.price(unit), price_tone)
                    if unit is not None
                    else Cell("no price", "caution"),
                    Cell(fmt.usd(value), price_tone)
                    if value is not None
                    else Cell(UNPRICED, "caution"),
                    fmt.pct(weight),
                    f"{saa:g}%" if saa is not None else fmt.DASH,
                    Cell(fmt.pct(drift, signed=True), drift_tone),
                    Cell(fmt.usd(futures, signed=True) if futures else fmt.DASH, "muted"),
                    fmt.usd(effective) if effective is not None else Cell(UNPRICED, "caution"),
                    fmt.pct(effective / total if total and effective is not None else None),
                ),
            )
        )
    rows.append(
        Row(
            TOTAL_KEY,
            cells(
                "Total",
                Cell(f"{len(unpriced)} unpriced", "caution") if unpriced else "",
                "",
                fmt.usd(total),
                "100%" if total else fmt.DASH,
                "",
                "",
                fmt.usd(total_overlay, signed=True) if total_overlay else fmt.DASH,
                fmt.usd(total_effective) if total is not None else fmt.DASH,
                fmt.pct(total_effective / total if total else None),
            ),
            tone="total",
        )
    )
    return rows


class HoldingsPane(Vertical):
    """Holdings table with keys to add, edit and remove a holding and its SAA target."""

    DEFAULT_CSS = """
    HoldingsPane {
        height: auto;
        border: round $primary 40%;
        border-title-color: $primary;
        &:focus-within { border: round $primary; }
        & > RowTable { height: auto; max-height: 16; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add holding"),
        Binding("e", "edit", "Edit holding"),
        Binding("x", "remove", "Remove holding"),
    ]

    class EditRequested(Message):
        """The user asked to add (``asset`` is ``None``), edit or remove a holding."""

        def __init__(self, asset: str | None, *, remove: bool = False) -> None:
            super().__init__()
            self.asset = asset
            self.remove = remove

    _portfolio: Portfolio | None = None
    """The portfolio last shown (what a removal question names)."""

    def compose(self) -> ComposeResult:
        """The holdings table."""
        self.border_title = "Holdings"
        self.border_subtitle = "a add · e edit · x remove"
        yield RowTable(COLUMNS, show_cursor=True, id="holdings-table")

    def on_row_table_fitted(self, event: RowTable.Fitted) -> None:
        """Narrow terminal: the subtitle says how many columns space adds."""
        event.stop()
        more = f" · space: {len(event.hidden)} more columns" if event.hidden else ""
        self.border_subtitle = f"a add · e edit · x remove{more}"

    @property
    def table(self) -> RowTable:
        """The table widget."""
        return self.query_one(RowTable)

    def show(
        self,
        portfolio: Portfolio,
        prices: Mapping[str, float],
        overlay: Mapping[str, float],
        stale: set[str],
    ) -> None:
        """Render the holdings (only changed rows redraw)."""
        self._portfolio = portfolio
        self.table.set_rows(holdings_rows(portfolio, prices, overlay, stale))

    def _selected(self) -> str | None:
        key = self.table.cursor_key
        return None if key in (None, TOTAL_KEY) else key

    def action_add(self) -> None:
        """Ask the app for the add-holding form."""
        self.post_message(self.EditRequested(None))

    def action_edit(self) -> None:
        """Ask the app for the edit form of the highlighted holding (on the Total row, or
        with no holding, there is nothing to edit: ``a`` adds one)."""
        asset = self._selected()
        if asset is None:
            self.notify(
                "Highlight a holding to edit it (a adds one).", severity="warning", timeout=3
            )
            return
        self.post_message(self.EditRequested(asset))

    def action_remove(self) -> None:
        """Ask first; only on yes ask the app to remove the highlighted holding.

        On the Total row or with no holding there is nothing to remove: nothing happens.
        """
        asset = self._selected()
        if asset is None:
            self.notify("Highlight a holding to remove it.", severity="warning", timeout=3)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(self.EditRequested(asset, remove=True))

        self.app.push_screen(AskYesNo(*self._removal_question(asset), yes_label="Remove"), answered)

    def _removal_question(self, asset: str) -> tuple[str, str]:
        """The question and its detail line (what exactly goes)."""
        portfolio = self._portfolio
        parts = []
        if portfolio is not None and asset in portfolio.holdings:
            parts.append(f"its quantity {fmt.qty(portfolio.holdings[asset])}")
        saa = portfolio.strategic.get(asset) if portfolio is not None else None
        if saa is not None:
            parts.append(f"its {saa:g}% SAA target (the others are rescaled to 100%)")
        detail = ("Removes " + " and ".join(parts) + ".") if parts else ""
        return f"Remove the holding {asset}?", detail

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        """Enter on a row edits it."""
        event.stop()
        self.action_edit()
