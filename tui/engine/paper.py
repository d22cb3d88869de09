"""The paper executor: a simulated venue that fills market orders at the touch with taker fees.

It keeps its own book (the store's ``paper_orders`` log, written through before it answers),
as a real venue would: the desk journals an order before handing it over, and after a crash
asks this book by client id what became of it. The desk — not this executor — keeps the
positions, funding and P&L. Nothing here runs unless the user confirmed the orders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from tui.core.models import MarketSpec, Quote
from tui.core.orders import Execution, OrderIntent


class PaperExecutor:
    """Fills at the bid (sells) or ask (buys), else the mark, moved by ``slippage_bps``."""

    mode = "paper"

    def __init__(
        self,
        store: Any,
        venue: str,
        markets: Mapping[str, MarketSpec] | None = None,
        *,
        slippage_bps: float = 0.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.venue = venue
        self.markets = dict(markets or {})
        self.slippage_bps = slippage_bps
        self.clock = clock or (lambda: datetime.now(UTC))

    def fill_price(self, intent: OrderIntent, quote: Quote | None) -> float | None:
        """The price a market order would get: the touch, else the mark, with slippage."""
        if quote is None:
            return None
        touch = quote.ask if intent.side == "buy" else quote.bid
        price = touch or quote.price
        if not price:
            return None
        slip = self.slippage_bps / 10_000.0
        return price * (1.0 + slip) if intent.side == "buy" else price * (1.0 - slip)

    async def submit(self, intent: OrderIntent, quote: Quote | None) -> Execution:
        """Fill ``intent`` whole at the touch, or reject it when there is no price."""
        return self.fill(intent, quote)

    def fill(
        self, intent: OrderIntent, quote: Quote | None, ts: datetime | None = None
    ) -> Execution:
        """The synchronous body of ``submit`` (the book row is durable before it returns)."""
        now = ts or self.clock()
        price = self.fill_price(intent, quote)
        market = self.markets.get(intent.symbol)
        if price is None:
            execution = Execution(
                client_order_id=intent.client_order_id,
                status="rejected",
                reason="no price to fill at",
                ts=now,
            )
        else:
            size = market.contract_size if market is not None else 1.0
            taker = market.taker if market is not None else 0.0005
            execution = Execution(
                client_order_id=intent.client_order_id,
                status="filled",
                filled=intent.contracts,
                average=price,
                fee_usd=intent.contracts * size * price * taker,
                index_price=quote.index if quote is not None else None,
                ts=now,
            )
        self.store.append(
            "paper_orders",
            {
                "client_order_id": intent.client_order_id,
                "venue": self.venue,
                "symbol": intent.symbol,
                "side": intent.side,
                "contracts": execution.filled,
                "price": execution.average,
                "fee_usd": execution.fee_usd,
                "index_price": execution.index_price,
                "status": execution.status,
                "reason": execution.reason or None,
                "ts": now,
            },
        )
        return execution

    async def query(self, client_order_id: str, symbol: str = "") -> Execution | None:
        """What the paper book did with ``client_order_id``; ``None`` if it never got it."""
        df = self.store.read("paper_orders")
        rows = df.filter(df["client_order_id"] == client_order_id).to_dicts()
        if not rows:
            return None
        row = rows[0]
        return Execution(
            client_order_id=client_order_id,
            status=row["status"],
            filled=row["contracts"] or 0.0,
            average=row["price"],
            fee_usd=row["fee_usd"] or 0.0,
            index_price=row["index_price"],
            ts=row["ts"],
            reason=row["reason"] or "",
        )

    async def positions(self) -> dict[str, float]:
        """Signed contracts per symbol held on the paper venue (the sum of its fills)."""
        df = self.store.read("paper_orders")
        out: dict[str, float] = {}
        for row in df.filter(df["venue"] == self.venue).to_dicts():
            if row["status"] not in ("filled", "partial"):
                continue
            qty = row["contracts"] or 0.0
            out[row["symbol"]] = out.get(row["symbol"], 0.0) + (
                qty if row["side"] == "buy" else -qty
            )
        return {s: round(q, 12) for s, q in out.items() if abs(q) > 1e-12}
