"""Exit proposals other than the plain unwind: rolling a dated future before it expires.

A roll closes the expiring leg (reduce-only) and opens the same exposure on the asset's
perpetual, as one proposal that waits for confirmation like any other. Its cost — two taker
fees on the notional — is in the summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.orders import OrderIntent, client_order_id, closing_orders
from tui.core.precision import amount_to_precision
from tui.desk import records
from tui.desk.tilt import Proposal

if TYPE_CHECKING:
    from tui.desk.state import DeskState


def roll_proposal(desk: DeskState, symbol: str) -> Proposal | None:
    """Close ``symbol`` (a dated future of the open tilt) and reopen it on the perpetual."""
    tilt = desk.open_tilt
    book = tilt.holding().get(symbol) if tilt is not None else None
    market = desk.markets.get(symbol)
    if tilt is None or book is None or market is None or market.expiry is None:
        return None
    perp = next(
        (m for m in desk.markets.values() if m.base == market.base and m.instrument == "perp"),
        None,
    )
    closing = closing_orders(
        {symbol: book.quantity / book.contract_size},
        desk.markets,
        tilt.tilt_id,
        desk.quotes,
        "roll",
        tilt.batches,
    )
    intents: list[OrderIntent] = list(closing)
    blocked = ""
    if perp is None:
        blocked = f"{market.base} has no perpetual on {desk.venue} to roll into"
    else:
        amount = amount_to_precision(perp, abs(book.quantity) / perp.contract_size)
        quote = desk.quotes.get(perp.symbol)
        intents.append(
            OrderIntent(
                client_order_id=client_order_id(tilt.tilt_id, len(intents), "roll", tilt.batches),
                tilt_id=tilt.tilt_id,
                asset=perp.base,
                symbol=perp.symbol,
                side="buy" if book.quantity > 0 else "sell",
                amount=amount,
                price=quote.price if quote is not None else None,
                purpose="roll",
            )
        )
    price = (desk.quotes[symbol].price if symbol in desk.quotes else None) or book.entry_price
    notional = abs(book.quantity) * price
    cost = notional * market.taker + notional * (perp.taker if perp is not None else 0.0)
    summary = (
        f"Roll {symbol} (expires {market.expiry:%Y-%m-%d %H:%M} UTC) of tilt {tilt.tilt_id} "
        f"into {perp.symbol if perp else 'the perpetual'} · ${notional:,.0f} · "
        f"roll cost ≈ ${cost:,.2f} in fees"
    )
    blocked = blocked or desk.refusal(intents, tilt)
    proposal = Proposal(tilt.tilt_id, "roll", tilt.batches, intents, summary, [], blocked)
    now = desk.stamp()
    desk.store.record(
        {
            "audit": [
                records.proposal_audit(proposal, now),
            ]
        }
    )
    return proposal


def completion_proposal(desk: DeskState) -> Proposal | None:
    """The orders that complete an unbalanced open tilt: what its last batch left unfilled,
    with new client ids (``None``: nothing to complete)."""
    from tui.desk.books import unfilled

    tilt = desk.open_tilt
    missing = unfilled(desk, tilt) if tilt is not None else []
    if tilt is None or not missing:
        return None
    intents = []
    for index, (order, left) in enumerate(missing):
        market = desk.markets.get(order["symbol"])
        if market is None:
            continue
        quote = desk.quotes.get(order["symbol"])
        intents.append(
            OrderIntent(
                client_order_id=client_order_id(tilt.tilt_id, index, "open", tilt.batches),
                tilt_id=tilt.tilt_id,
                asset=market.base,
                symbol=order["symbol"],
                side=order["side"],
                amount=amount_to_precision(market, left),
                price=quote.price if quote is not None else None,
            )
        )
    summary = f"Complete tilt {tilt.tilt_id}: the unfilled rest of its last orders"
    blocked = desk.refusal(intents, tilt) if intents else "no market to complete on"
    proposal = Proposal(tilt.tilt_id, "adjust", tilt.batches, intents, summary, [], blocked)
    desk.store.record({"audit": [records.proposal_audit(proposal, desk.stamp())]})
    return proposal
