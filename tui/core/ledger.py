"""The ledger's arithmetic: fills into positions, and what each reduction realizes.

One averaging rule, used everywhere a position is built from fills:

- a fill that adds to a position (or opens one) moves the average entry to the
  quantity-weighted mean of the old entry and the fill price;
- a fill that reduces a position keeps the average entry and realizes
  ``closed × (fill price − entry)`` (signed by the side that was held);
- a fill that flips the sign closes the whole old position first (realizing it), then opens
  the remainder at the fill price.

Quantities are signed base units (+ = long). Realized P&L is split into *price* (the move of
the spot/index price the contract tracks) and *basis* (the move of the contract's premium over
that index: for a dated future, the basis converging). A fill that carries no index price puts
all of its P&L in price. Fees are kept apart, and always reduce P&L. Funding is added by the
desk from the settlements actually paid (see ``Book.add_funding``). No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Quantities closer to zero than this are flat (float noise of summed lot steps).
EPSILON = 1e-12


@dataclass
class Realized:
    """What closed quantities made, to the holder (USD): price, basis, funding, fees."""

    price: float = 0.0
    basis: float = 0.0
    funding: float = 0.0
    fees: float = 0.0
    """Fees paid, as a positive number (they are subtracted in ``total``)."""

    @property
    def total(self) -> float:
        """Price + basis + funding − fees."""
        return self.price + self.basis + self.funding - self.fees

    def add(self, other: Realized) -> None:
        """Add ``other`` into this one."""
        self.price += other.price
        self.basis += other.basis
        self.funding += other.funding
        self.fees += other.fees


@dataclass(frozen=True)
class LedgerFill:
    """The part of a fill the ledger needs (base units, not contracts)."""

    ts: datetime
    quantity: float
    """Signed base units: + bought, − sold."""
    price: float
    fee_usd: float = 0.0
    index_price: float | None = None
    """The index (spot) price when it filled; splits P&L into price and basis."""


@dataclass
class Book:
    """One tilt's position in one market, built fill by fill."""

    symbol: str
    asset: str
    contract_size: float = 1.0
    """Base units per contract of the market (quantities here are base units)."""
    quantity: float = 0.0
    entry_price: float = 0.0
    entry_index: float | None = None
    """Average index price at entry (same weights as ``entry_price``), when known."""
    realized: Realized = field(default_factory=Realized)
    history: list[tuple[datetime, float]] = field(default_factory=list)
    """(time, quantity after the fill), in fill order: what was held when."""

    @property
    def flat(self) -> bool:
        """Whether nothing is held."""
        return abs(self.quantity) <= EPSILON

    def apply(self, fill: LedgerFill) -> Realized:
        """Book ``fill``; returns what it realized (fee included)."""
        made = Realized(fees=abs(fill.fee_usd))
        held, qty = self.quantity, fill.quantity
        if abs(held) > EPSILON and (held > 0) != (qty > 0):
            closed = min(abs(qty), abs(held))
            sign = 1.0 if held > 0 else -1.0
            self._realize(made, sign * closed, fill)
            remainder = qty + sign * closed  # what is left of the fill after closing
            self.quantity = held - sign * closed
            if abs(self.quantity) <= EPSILON:
                self.quantity = 0.0
                self.entry_price, self.entry_index = 0.0, None
            if abs(remainder) > EPSILON:  # a flip: the rest opens at the fill price
                self.quantity = remainder
                self.entry_price, self.entry_index = fill.price, fill.index_price
        else:
            total = held + qty
            if abs(held) <= EPSILON:
                self.entry_price, self.entry_index = fill.price, fill.index_price
            else:
                self.entry_price = (held * self.entry_price + qty * fill.price) / total
                if self.entry_index is not None and fill.index_price is not None:
                    self.entry_index = (held * self.entry_index + qty * fill.index_price) / total
                else:
                    self.entry_index = None
            self.quantity = total
        self.realized.add(made)
        self.history.append((fill.ts, self.quantity))
        return made

    def _realize(self, made: Realized, closed: float, fill: LedgerFill) -> None:
        """``closed`` signed base units (the held side's sign) leave at ``fill.price``."""
        whole = closed * (fill.price - self.entry_price)
        if self.entry_index is not None and fill.index_price is not None:
            made.price += closed * (fill.index_price - self.entry_index)
            made.basis += whole - closed * (fill.index_price - self.entry_index)
        else:
            made.price += whole

    def add_funding(self, amount_usd: float) -> None:
        """Book a funding settlement actually paid (−) or received (+)."""
        self.realized.funding += amount_usd

    def quantity_at(self, moment: datetime) -> float:
        """The quantity held at ``moment`` (fills stamped at or before it count)."""
        held = 0.0
        for ts, qty in self.history:
            if ts > moment:
                break
            held = qty
        return held

    def opened_at(self) -> datetime | None:
        """When the first fill came in."""
        return self.history[0][0] if self.history else None

    def unrealized(self, mark: float, index: float | None = None) -> Realized:
        """What closing everything at ``mark`` (index ``index``) would realize, before fees."""
        made = Realized()
        if self.flat:
            return made
        whole = self.quantity * (mark - self.entry_price)
        if self.entry_index is not None and index is not None:
            made.price = self.quantity * (index - self.entry_index)
            made.basis = whole - made.price
        else:
            made.price = whole
        return made
