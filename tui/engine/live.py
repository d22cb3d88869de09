"""The live executor: confirmed orders to a venue through ccxt, and what the venue says back.

Used only when the app starts with ``--live`` and keys are given (with ``--demo``, the
simulator's signed endpoints and its demo keys: the same code path, offline). Each order is
sent once with its client order id; a timeout or a dropped connection raises
`OrderFateUnknown` and the desk asks for the order by that id — this never resends. The
first order of a market sets its leverage and isolated margin.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tui.core.models import MarketSpec, Quote
from tui.core.orders import Execution, OrderFateUnknown, OrderIntent

#: ccxt order statuses → the desk's execution statuses.
STATUS = {"closed": "filled", "open": "open", "canceled": "canceled", "rejected": "rejected"}


class LiveExecutor:
    """Market orders through one ccxt client (the caller owns and closes it)."""

    mode = "live"

    def __init__(
        self,
        exchange: Any,
        venue: str,
        markets: Mapping[str, MarketSpec] | None = None,
        *,
        leverage: int | None = None,
    ) -> None:
        self.exchange = exchange
        self.venue = venue
        self.markets: Mapping[str, MarketSpec] = markets if markets is not None else {}
        """The markets (by reference: filled in as they load), for the fee of a fill."""
        self.leverage = leverage
        """Leverage to set on each market before its first order (``None``: leave it)."""
        self._prepared: set[str] = set()

    async def _prepare(self, symbol: str) -> None:
        """Isolated margin and the tilt's leverage, once per market and session."""
        if symbol in self._prepared:
            return
        import ccxt

        try:
            await self.exchange.set_margin_mode("isolated", symbol)
        except ccxt.ExchangeError as exc:
            # Binance answers -4046 when the mode is already isolated: nothing to change.
            if "-4046" not in str(exc) and "No need to change" not in str(exc):
                raise
        if self.leverage is not None:
            await self.exchange.set_leverage(int(self.leverage), symbol)
        self._prepared.add(symbol)

    async def submit(self, intent: OrderIntent, quote: Quote | None) -> Execution:
        """Send one market order; `OrderFateUnknown` when the answer never came."""
        import ccxt

        params: dict[str, Any] = {"clientOrderId": intent.client_order_id}
        if intent.reduce_only:
            params["reduceOnly"] = True
        try:
            if not intent.reduce_only:
                await self._prepare(intent.symbol)
            order = await self.exchange.create_order(
                intent.symbol, "market", intent.side, intent.contracts, None, params
            )
        except (ccxt.RequestTimeout, ccxt.NetworkError) as exc:
            # Timeouts, dropped connections, 5xx: the venue may have the order. Ask, never resend.
            raise OrderFateUnknown(f"{type(exc).__name__}: {exc}") from exc
        except ccxt.ExchangeError as exc:
            return Execution(
                client_order_id=intent.client_order_id,
                status="rejected",
                reason=_venue_words(exc),
                ts=datetime.now(UTC),
            )
        return self._execution(intent.client_order_id, intent.symbol, order, quote)

    async def query(self, client_order_id: str, symbol: str) -> Execution | None:
        """The venue's word on ``client_order_id``; ``None`` when it never received it."""
        import ccxt

        try:
            order = await self.exchange.fetch_order(
                None, symbol, {"clientOrderId": client_order_id}
            )
        except ccxt.OrderNotFound:
            return None
        except ccxt.ExchangeError as exc:
            if "-2013" in str(exc):  # Binance: "Order does not exist."
                return None
            raise
        return self._execution(client_order_id, symbol, order, None)

    async def positions(self) -> dict[str, float]:
        """Signed contracts per symbol held on the venue."""
        out: dict[str, float] = {}
        for p in await self.exchange.fetch_positions():
            contracts = float(p.get("contracts") or 0.0)
            if not contracts:
                continue
            out[p["symbol"]] = contracts if p.get("side") != "short" else -contracts
        return out

    async def balance(self) -> float:
        """USDT free for new margin and fees on the venue."""
        balance = await self.exchange.fetch_balance()
        return float((balance.get("free") or {}).get("USDT") or 0.0)

    async def funding_history(self, symbol: str, since: datetime) -> list[tuple[datetime, float]]:
        """Funding the venue settled on ``symbol`` at or after ``since``: (time, USD to us)."""
        rows = await self.exchange.fetch_funding_history(symbol, int(since.timestamp() * 1000))
        return [
            (datetime.fromtimestamp(r["timestamp"] / 1000, UTC), float(r["amount"]))
            for r in rows
            if r.get("timestamp") is not None and r.get("amount") is not None
        ]

    async def cancel_all(self, symbols: list[str]) -> int:
        """Cancel every open order of ``symbols``; returns how many were canceled."""
        count = 0
        for symbol in symbols:
            for order in await self.exchange.fetch_open_orders(symbol):
                await self.exchange.cancel_order(order["id"], symbol)
                count += 1
        return count

    def _execution(
        self, client_order_id: str, symbol: str, order: dict[str, Any], quote: Quote | None
    ) -> Execution:
        filled = float(order.get("filled") or 0.0)
        average = order.get("average")
        status = STATUS.get(str(order.get("status")), "open")
        if status in ("canceled", "open") and 0 < filled < float(order.get("amount") or 0):
            status = "partial"
        fee = (order.get("fee") or {}).get("cost")
        if fee is None and filled and average:
            # Binance's order answer carries no commission: the taker fee it charges.
            market = self.markets.get(symbol)
            size = market.contract_size if market is not None else 1.0
            fee = filled * size * float(average) * (market.taker if market else 0.0005)
        stamp = order.get("timestamp")
        return Execution(
            client_order_id=client_order_id,
            status=status,
            filled=filled,
            average=float(average) if average else None,
            fee_usd=float(fee or 0.0),
            index_price=quote.index if quote is not None else None,
            ts=datetime.fromtimestamp(stamp / 1000, UTC) if stamp else None,
            exchange_order_id=str(order.get("id")) if order.get("id") else None,
        )


def _venue_words(exc: Exception) -> str:
    """The venue's reason in one line, without ccxt's exchange-id prefix."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.removeprefix("binanceusdm ")[:200]
