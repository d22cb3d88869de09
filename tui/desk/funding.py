"""Funding as it is paid: at each settlement, on the quantity then held, at that
settlement's rate and mark — and nothing while flat.

On paper the desk is the venue's funding clerk. The rate of a settlement is the one the
venue published for it (observed in the quotes before it passed); after a restart, the one
recorded in the store's ``funding`` series; failing both, the latest rate, marked
``estimated`` on the payment row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.core.carry import DEFAULT_FUNDING_INTERVAL_HOURS, settlements_in_window
from tui.core.ledger import EPSILON, Book
from tui.core.models import MarketSpec, Quote
from tui.desk import records
from tui.desk.tilt import Tilt
from tui.store.store import audit_row

if TYPE_CHECKING:
    from tui.desk.state import DeskState

#: Observations kept per symbol (a few settlements' worth).
KEEP_PER_SYMBOL = 8


class FundingClerk:
    """Remembers each settlement's published rate and books the payments when it passes."""

    def __init__(self, desk: DeskState, *, enabled: bool = True) -> None:
        self.desk = desk
        self.enabled = enabled
        self._observed: dict[str, dict[datetime, tuple[float, float]]] = {}

    def observe(self, quotes: Iterable[Quote]) -> None:
        """Keep the rate and mark each quote gives for its upcoming settlement."""
        for q in quotes:
            price = q.mark or q.price
            if q.funding_rate is None or q.next_funding_time is None or not price:
                continue
            seen = self._observed.setdefault(q.symbol, {})
            seen[q.next_funding_time] = (q.funding_rate, price)
            if len(seen) > KEEP_PER_SYMBOL:
                del seen[min(seen)]

    def rate_at(self, symbol: str, moment: datetime) -> tuple[float, float, str] | None:
        """(rate, mark, source) of the settlement at ``moment``; ``None`` while unknown."""
        seen = self._observed.get(symbol, {}).get(moment)
        if seen is not None:
            return seen[0], seen[1], "observed"
        recorded = self._recorded(symbol, moment)
        if recorded is not None:
            return recorded
        # A quote already pointing past this settlement: its rate stands in, marked so.
        quote = self.desk.quotes.get(symbol)
        if quote is None or quote.funding_rate is None or not quote.price:
            return None
        if quote.next_funding_time is not None and quote.next_funding_time <= moment:
            return None
        return quote.funding_rate, float(quote.mark or quote.price), "estimated"

    def _recorded(self, symbol: str, moment: datetime) -> tuple[float, float, str] | None:
        try:
            df = self.desk.store.read("funding")
        except Exception:
            return None
        rows = df.filter((df["symbol"] == symbol) & (df["next_funding_time"] == moment)).to_dicts()
        for row in reversed(rows):
            if row["rate"] is not None and row["mark"]:
                return float(row["rate"]), float(row["mark"]), "recorded"
        return None

    def _held_perps(self) -> Iterator[tuple[Tilt, str, Book, MarketSpec, datetime]]:
        """(tilt, symbol, book, market, last settlement booked or first fill) of every
        perpetual an open tilt has traded: where funding can be owed."""
        for tilt in list(self.desk.tilts.values()):
            if not tilt.live:
                continue
            for symbol, book in tilt.books.items():
                market = self.desk.markets.get(symbol)
                start = tilt.settled.get(symbol) or book.opened_at()
                if market is not None and market.instrument == "perp" and start is not None:
                    yield tilt, symbol, book, market, start

    def _pay(
        self, tilt: Tilt, symbol: str, book: Book, moment: datetime, amount: float, **row: Any
    ) -> dict[str, Any]:
        """Book one settlement into the tilt's book; the payment row to record."""
        book.add_funding(amount)
        tilt.settled[symbol] = moment
        return {
            "ts": moment,
            "tilt_id": tilt.tilt_id,
            "venue": self.desk.venue,
            "symbol": symbol,
            "amount_usd": amount,
            "quantity": book.quantity_at(moment),
            **row,
        }

    async def sync_from_venue(self) -> list[dict[str, Any]]:
        """Live: book the funding the venue says it settled on each held perpetual since the
        last one booked (its own amounts, on the position then held); returns the rows."""
        history = getattr(self.desk.executor, "funding_history", None)
        if history is None:
            return []
        payments: list[dict[str, Any]] = []
        touched: dict[str, Tilt] = {}
        for tilt, symbol, book, _market, start in self._held_perps():
            for moment, amount in await history(symbol, start):
                if moment <= start or abs(book.quantity_at(moment)) <= EPSILON:
                    continue  # booked already, or flat then: not this tilt's
                payments.append(self._pay(tilt, symbol, book, moment, amount, source="venue"))
                touched[tilt.tilt_id] = tilt
        self._book(payments, list(touched.values()))
        return payments

    def settle(self, now: datetime) -> list[dict[str, Any]]:
        """Book every settlement passed since the last one; returns the payment rows."""
        if not self.enabled:
            return []
        payments: list[dict[str, Any]] = []
        touched: dict[str, Tilt] = {}
        for tilt, symbol, book, market, start in self._held_perps():
            quote = self.desk.quotes.get(symbol)
            interval = (
                (quote.funding_interval_hours if quote is not None else None)
                or market.funding_interval_hours
                or DEFAULT_FUNDING_INTERVAL_HOURS
            )
            for moment in settlements_in_window(start, now, interval):
                held = book.quantity_at(moment)
                if abs(held) <= EPSILON:
                    tilt.settled[symbol] = moment  # flat then: nothing owed
                    continue
                found = self.rate_at(symbol, moment)
                if found is None:
                    break  # no rate yet: settle when one arrives
                rate, mark, source = found
                payments.append(
                    self._pay(tilt, symbol, book, moment, -held * mark * rate,
                              rate=rate, mark=mark, source=source)
                )  # fmt: skip
                touched[tilt.tilt_id] = tilt
        self._book(payments, list(touched.values()))
        return payments

    def _book(self, payments: list[dict[str, Any]], touched: list[Tilt]) -> None:
        """Record payments, the tilts' rows and one audit line as one journal record."""
        if not payments:
            return
        desk = self.desk
        stamp = desk.stamp()
        total = sum(p["amount_usd"] for p in payments)
        desk.store.record(
            {
                "funding_payments": payments,
                "tilts": [records.tilt_row(t, stamp) for t in touched],
                "audit": [
                    audit_row(
                        "funding",
                        f"{len(payments)} funding settlements booked: {total:+,.2f} USD",
                        tilt_id=touched[0].tilt_id if len(touched) == 1 else None,
                        ts=stamp,
                    )
                ],
            }
        )
