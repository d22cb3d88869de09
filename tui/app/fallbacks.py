"""Stand-ins used only while `tui.core.orders` / `tui.engine.paper` are not importable.

They follow the same shapes (OrderIntent, Fill) so the app's confirm flow works end to end;
once the real layers are installed the app uses them instead (see `order_intents`, `executor`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tui.core.models import Plan, Quote


@dataclass(frozen=True)
class IntentStandIn:
    """The fields of an order intent the confirm modal shows."""

    symbol: str
    side: str
    type: str
    amount: str
    price: float | None
    reduce_only: bool
    client_order_id: str


@dataclass(frozen=True)
class FillStandIn:
    """A paper fill at the quote's bid/ask (or mark) with the taker fee."""

    symbol: str
    side: str
    amount: float
    price: float
    fee_usd: float
    client_order_id: str
    at: datetime


def order_intents(plan: Plan, tilt_id: str) -> list[Any]:
    """`tui.core.orders.orders_for_plan` when available, else market orders for the ok legs."""
    try:
        from tui.core.orders import orders_for_plan
    except ImportError:
        return [
            IntentStandIn(
                leg.symbol,
                leg.side,
                "market",
                leg.amount,
                leg.price,
                False,
                f"pa-{tilt_id}-{index}",
            )
            for index, leg in enumerate(plan.sendable())
        ]
    return list(orders_for_plan(plan, tilt_id))


class PaperStandIn:
    """Fills every intent at once at the touch; records nothing but what the app audits."""

    def __init__(self, taker: Mapping[str, float]) -> None:
        self.taker = taker

    def execute(self, intents: Sequence[Any], quotes: Mapping[str, Quote]) -> list[FillStandIn]:
        """One fill per intent."""
        fills = []
        for intent in intents:
            quote = quotes.get(intent.symbol)
            touch = None
            if quote is not None:
                touch = quote.ask if intent.side == "buy" else quote.bid
                touch = touch or quote.price
            price = float(touch or intent.price or 0.0)
            amount = float(intent.amount)
            fee_usd = amount * price * self.taker.get(intent.symbol, 0.0005)
            fills.append(
                FillStandIn(
                    intent.symbol,
                    intent.side,
                    amount,
                    price,
                    fee_usd,
                    intent.client_order_id,
                    datetime.now(UTC),
                )
            )
        return fills


def executor(
    store: Any, venue: str, markets: Mapping[str, Any], clock: Callable[[], datetime]
) -> Any:
    """`tui.engine.paper.PaperExecutor` on the real store, else `PaperStandIn`."""
    from tui.app.persistence import MemoryStore

    try:
        from tui.engine.paper import PaperExecutor
    except ImportError:
        PaperExecutor = None  # type: ignore[assignment,misc]
    if PaperExecutor is None or isinstance(store, MemoryStore):
        return PaperStandIn({s: m.taker for s, m in markets.items()})
    return PaperExecutor(store, venue, dict(markets), clock=clock)
