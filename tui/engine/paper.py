"""The paper executor: fills confirmed orders at the touch with taker fees, and charges funding.

Every order is recorded (status ``new``) *before* it is filled, then its fill and new state;
positions are kept per venue and symbol in the store. Nothing here runs unless the user
confirmed the orders in the app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tui.core.carry import DEFAULT_FUNDING_INTERVAL_HOURS, settlements_in_window
from tui.core.models import MarketSpec, Quote
from tui.core.orders import Fill, OrderIntent


class PaperExecutor:
    """Fills at the bid (sells) or ask (buys), else the mark, plus ``slippage_bps``."""

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
        self._last_settled: dict[str, datetime] = {}

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

    def execute(self, intents: Sequence[OrderIntent], quotes: Mapping[str, Quote]) -> list[Fill]:
        """Fill each intent; an order with no price is recorded as rejected, not filled."""
        fills: list[Fill] = []
        for intent in intents:
            now = self.clock()
            self.store.record_order(self._order_row(intent, "new", now))
            price = self.fill_price(intent, quotes.get(intent.symbol))
            if price is None:
                self.store.record_order(
                    {
                        "client_order_id": intent.client_order_id,
                        "status": "rejected",
                        "error": "no price to fill at",
                        "updated_at": now,
                    }
                )
                continue
            market = self.markets.get(intent.symbol)
            size = market.contract_size if market is not None else 1.0
            taker = market.taker if market is not None else 0.0005
            amount = intent.contracts
            fill = Fill(
                fill_id=f"{intent.client_order_id}-f1",
                client_order_id=intent.client_order_id,
                tilt_id=intent.tilt_id,
                symbol=intent.symbol,
                side=intent.side,
                amount=amount,
                price=price,
                fee_usd=amount * size * price * taker,
                ts=now,
            )
            self.store.record_fill({**fill.model_dump(), "venue": self.venue})
            self.store.record_order(
                {
                    "client_order_id": intent.client_order_id,
                    "status": "filled",
                    "filled": amount,
                    "average": price,
                    "updated_at": now,
                }
            )
            self._move_position(intent, fill, now)
            fills.append(fill)
        self.store.flush()
        return fills

    def _order_row(self, intent: OrderIntent, status: str, now: datetime) -> dict[str, Any]:
        return {
            "client_order_id": intent.client_order_id,
            "tilt_id": intent.tilt_id,
            "venue": self.venue,
            "symbol": intent.symbol,
            "side": intent.side,
            "type": intent.type,
            "amount": intent.contracts,
            "price": intent.price,
            "reduce_only": intent.reduce_only,
            "status": status,
            "mode": self.mode,
            "created_at": now,
            "updated_at": now,
        }

    def _move_position(self, intent: OrderIntent, fill: Fill, now: datetime) -> None:
        """Signed contracts and average entry: adding averages, reducing keeps, flipping resets."""
        held, entry = self.position(intent.symbol)
        signed = fill.amount if fill.side == "buy" else -fill.amount
        total = held + signed
        if held == 0 or ((held > 0) != (total > 0) and total != 0):
            entry = fill.price
        elif abs(total) > abs(held):
            entry = (held * entry + signed * fill.price) / total
        self.store.upsert(
            "positions",
            [
                {
                    "venue": self.venue,
                    "symbol": intent.symbol,
                    "asset": intent.asset,
                    "contracts": round(total, 12),
                    "entry_price": entry if total else None,
                    "tilt_id": intent.tilt_id,
                    "updated_at": now,
                }
            ],
        )

    def position(self, symbol: str) -> tuple[float, float]:
        """(signed contracts, entry price) held in ``symbol`` on this venue."""
        df = self.store.read("positions")
        rows = df.filter((df["venue"] == self.venue) & (df["symbol"] == symbol)).to_dicts()
        if not rows or not rows[0]["contracts"]:
            return 0.0, 0.0
        return float(rows[0]["contracts"]), float(rows[0]["entry_price"] or 0.0)

    def settle_funding(self, quotes: Mapping[str, Quote], now: datetime) -> list[dict[str, Any]]:
        """Charge or credit funding for each perp position at every settlement since the last call.

        The first call for a symbol only starts its clock; a long pays ``N × rate`` when the
        rate is positive. Returns the payments written to ``funding_payments``.
        """
        payments: list[dict[str, Any]] = []
        df = self.store.read("positions")
        for row in df.filter(df["venue"] == self.venue).to_dicts():
            symbol, contracts = row["symbol"], row["contracts"] or 0.0
            market = self.markets.get(symbol)
            quote = quotes.get(symbol)
            if not contracts or market is None or market.instrument != "perp" or quote is None:
                continue
            since = self._last_settled.setdefault(symbol, now)
            interval = (
                quote.funding_interval_hours
                or market.funding_interval_hours
                or DEFAULT_FUNDING_INTERVAL_HOURS
            )
            times = settlements_in_window(since, now, interval)
            if not times or quote.funding_rate is None or not quote.price:
                continue
            notional = contracts * market.contract_size * quote.price
            for t in times:
                payment = {
                    "ts": t,
                    "tilt_id": row["tilt_id"],
                    "venue": self.venue,
                    "symbol": symbol,
                    "amount_usd": -notional * quote.funding_rate,
                }
                self.store.append("funding_payments", payment)
                payments.append(payment)
            self._last_settled[symbol] = times[-1]
        return payments
