"""Confirm or back out: exactly the orders that would be sent, and every warning.

Nothing trades without this screen returning ``True``. It opens with **Back** focused, so
Enter backs out; orders go only on ``y``, or on Enter / a click once the user has moved to
Confirm (Tab or ←). ``n`` / Esc back out. It answers once, however fast keys come. When
something blocks confirming (stale data, no sendable leg) the screen says why and only
backing out is offered — until the caller's ``recheck`` says it no longer does (fresh quotes
after stale ones): then Confirm comes back, and the other way round.

On a narrow terminal the orders table drops its least needed columns (the client order id
first) rather than scroll sideways; Tab reaches the orders, where space shows every column
of one (`RowDetail`), so every number of every order stays reachable at 80×24.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from tui.app import format as fmt
from tui.app.modals.base import OnceModal
from tui.app.widgets.row_table import Cell, Column, Row, RowTable, cells

#: What decides the order (market, side, size, price) never goes; the client id goes first.
COLUMNS = (
    Column("Symbol", 20, "left"),
    Column("Side", 4, "left"),
    Column("Type", 6, "left", priority=2),
    Column("Amount", 10),
    Column("Price", 10),
    Column("Reduce", 6, "left", priority=1),
    Column("Client order id", 36, "left", priority=3),
)


def hidden_hint(hidden: list[str]) -> str:
    """Under the table when columns were dropped for width: which, and how to see them."""
    if not hidden:
        return ""
    return f"Hidden for width: {', '.join(hidden)} · Tab to an order, then space"


def order_rows(orders: Sequence[Any]) -> list[Row]:
    """One row per order intent (duck-typed on `tui.core.orders.OrderIntent`'s fields)."""
    return [
        Row(
            str(getattr(o, "client_order_id", i)),
            cells(
                o.symbol,
                Cell(o.side, "gain" if o.side == "buy" else "loss"),
                str(getattr(o, "type", "market")),
                str(o.amount),
                fmt.price(o.price)
                if isinstance(o.price, int | float)
                else str(o.price or "market"),
                "yes" if getattr(o, "reduce_only", False) else "no",
                str(getattr(o, "client_order_id", "")),
            ),
        )
        for i, o in enumerate(orders)
    ]


class ConfirmOrders(OnceModal[bool]):
    """The orders to send, the warnings, and Confirm / Back."""

    DEFAULT_CSS = """
    ConfirmOrders {
        align: center middle;
        & > Vertical {
            width: 106;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: thick $accent;
            background: $surface;
            padding: 1 2;
        }
        #title { text-style: bold; margin-bottom: 1; }
        #summary { margin-bottom: 1; }
        RowTable { height: auto; max-height: 12; margin-bottom: 1; }
        /* No row looks chosen until the user moves to the orders (Tab): all of them go. */
        #orders > .row-table--cursor { background: $surface; }
        #orders:focus > .row-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        #hidden { color: $text-muted; height: auto; margin-bottom: 1; }
        #warnings { color: $caution; height: auto; margin-bottom: 1; }
        #blocked { color: $error; text-style: bold; height: auto; margin-bottom: 1; }
        #buttons { height: auto; align-horizontal: right; }
        #buttons > Button { margin-left: 2; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Confirm"),
        Binding("n", "back", "Back"),
        Binding("escape", "back", "Back", show=False),
        Binding("left", "focus_button('confirm')", "To Confirm", show=False),
        Binding("right", "focus_button('back')", "To Back", show=False),
    ]

    def __init__(
        self,
        orders: Sequence[Any],
        warnings: Sequence[str],
        *,
        mode: str,
        summary: str,
        blocked: str = "",
        recheck: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self.orders = list(orders)
        self.warnings = list(warnings)
        self.mode = mode
        self.summary = summary
        self.blocked = blocked
        self.recheck_block = recheck
        """Says what blocks confirming now (``""``: nothing); ``None``: the block is final."""

    def compose(self) -> ComposeResult:
        """Title, summary, orders, warnings, blocked reason, buttons."""
        count = len(self.orders)
        noun = "order" if count == 1 else "orders"
        with Vertical():
            yield Label(f"Send {count} {noun} ({self.mode})?", id="title")
            yield Static(self.summary, id="summary")
            table = RowTable(COLUMNS, show_cursor=True, id="orders")
            table.set_rows(order_rows(self.orders))
            table.detail_title = lambda key: f"Order {key}"
            yield table
            hidden = Static("", id="hidden", markup=False)
            hidden.display = False  # until the table is too narrow for every column
            yield hidden
            if self.warnings:
                yield Static("\n".join(f"⚠ {w}" for w in self.warnings), id="warnings")
            blocked = Static(f"Cannot confirm: {self.blocked}", id="blocked")
            blocked.display = bool(self.blocked)
            yield blocked
            with Horizontal(id="buttons"):
                yield Button(
                    "Confirm (y)", id="confirm", variant="warning", disabled=not self.can_confirm
                )
                yield Button("Back (n)", id="back")

    @property
    def can_confirm(self) -> bool:
        """Whether there is something to send and nothing blocks it."""
        return not self.blocked and bool(self.orders)

    def recheck(self) -> None:
        """Ask again what blocks confirming; show it, and enable Confirm when nothing does."""
        if self.recheck_block is None or self.answered or not self.is_mounted:
            return
        blocked = self.recheck_block()
        if blocked == self.blocked:
            return
        self.blocked = blocked
        line = self.query_one("#blocked", Static)
        line.update(f"Cannot confirm: {blocked}")
        line.display = bool(blocked)
        self.query_one("#confirm", Button).disabled = not self.can_confirm

    def on_mount(self) -> None:
        """Focus Back, always: Enter right after opening must never send anything."""
        self.query_one("#back", Button).focus()

    def on_row_table_fitted(self, event: RowTable.Fitted) -> None:
        """The width changed which columns show: say which are not, and how to see them."""
        event.stop()
        hint = self.query_one("#hidden", Static)
        hint.update(hidden_hint(event.hidden))
        hint.display = bool(event.hidden)

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        """Enter on an order shows it whole (it never confirms: only y or Confirm does)."""
        event.stop()
        event.table.action_details()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Confirm or Back."""
        event.stop()
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.action_back()

    def action_focus_button(self, button_id: str) -> None:
        """Move to a button (← Confirm, → Back); a disabled Confirm stays out of reach."""
        button = self.query_one(f"#{button_id}", Button)
        if not button.disabled:
            button.focus()

    def action_confirm(self) -> None:
        """Send the orders (unless blocked); only the first answer counts."""
        if self.can_confirm:
            self.answer(True)

    def action_back(self) -> None:
        """Back out: nothing is sent."""
        self.answer(False)
