"""Margin brackets and liquidation as the venues compute them (isolated margin, linear
contracts, one-way mode). No I/O: the engine reads the brackets; this is the arithmetic.

A position's bracket is the one its notional falls in: it sets the maximum leverage, the
maintenance margin rate (MMR) and the maintenance amount (Binance's ``cum``, Bybit's
``mmDeduction``) that keeps the maintenance margin continuous from one bracket to the next.
Where a venue publishes no brackets (Binance without API keys), `fallback_brackets` stands
in and everything computed from it is labelled an estimate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

#: How each venue computes a liquidation price (their published isolated formulas).
LiquidationRule = Literal["binance", "bybit", "okx"]


class Bracket(BaseModel):
    """One tier of a market's margin table: notional in ``[floor, cap)``."""

    model_config = ConfigDict(frozen=True)

    floor: float
    """Lowest notional (USD) of the bracket."""
    cap: float
    """Notional (USD) from which the next bracket applies (``inf`` for the last)."""
    max_leverage: float
    mmr: float
    """Maintenance margin rate (a fraction: 0.004 = 0.4 %)."""
    maint_amount: float = 0.0
    """Maintenance amount (Binance ``cum``, Bybit ``mmDeduction``), USD."""


def bracket_for(brackets: Sequence[Bracket], notional: float) -> Bracket | None:
    """The bracket ``|notional|`` falls in (the last one beyond every cap); ``None`` if none."""
    size = abs(notional)
    for bracket in brackets:
        if bracket.floor <= size < bracket.cap:
            return bracket
    return brackets[-1] if brackets and size >= brackets[-1].floor else None


def max_leverage_for(brackets: Sequence[Bracket], notional: float) -> float | None:
    """The highest leverage the venue allows a position of ``notional``."""
    bracket = bracket_for(brackets, notional)
    return bracket.max_leverage if bracket is not None else None


def fallback_brackets(max_leverage: float, mmr: float = 0.004) -> tuple[Bracket, ...]:
    """A documented stand-in where the venue gives no table: Binance's BTCUSDT-like steps
    scaled to the market's leverage cap — each bracket halves the leverage, doubles the MMR
    and multiplies the cap by 5 from $50,000; ``cum`` keeps maintenance margin continuous.
    Used only as an estimate, and said so."""
    out: list[Bracket] = []
    floor, cum, prev = 0.0, 0.0, mmr
    cap = 50_000.0
    for k in range(6):
        rate = min(mmr * 2**k, 0.5)
        cum += floor * (rate - prev)
        out.append(
            Bracket(
                floor=floor,
                cap=cap if k < 5 else math.inf,
                max_leverage=max(1.0, math.floor(max_leverage / 2**k)),
                mmr=rate,
                maint_amount=cum,
            )
        )
        floor, prev, cap = cap, rate, cap * 5
    return tuple(out)


def liquidation_price(
    rule: LiquidationRule,
    *,
    long: bool,
    quantity: float,
    entry: float,
    margin: float,
    bracket: Bracket,
) -> float | None:
    """The price at which the venue liquidates an isolated position.

    ``quantity`` in base units (> 0), ``margin`` the isolated margin (USD). ``None`` when the
    position cannot be liquidated by price (a short never at a finite price with MMR ≥ 1).

    - Binance: ``LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q)``, ``s`` = +1 long / −1 short.
    - Bybit: ``LP = EP ∓ (IM − MM) / Q`` with ``MM = Q·EP·MMR − mmDeduction``.
    - OKX: margin ratio reaches 100 %: long ``(Q·EP − margin) / (Q·(1 − MMR))``, short
      ``(Q·EP + margin) / (Q·(1 + MMR))`` (fees left out).
    """
    if quantity <= 0 or entry <= 0:
        return None
    q, mmr, cum = quantity, bracket.mmr, bracket.maint_amount
    s = 1.0 if long else -1.0
    if rule == "binance":
        denominator = q * mmr - s * q
        if denominator == 0:
            return None
        price = (margin + cum - s * q * entry) / denominator
    elif rule == "bybit":
        maintenance = q * entry * mmr - cum
        price = entry - s * (margin - maintenance) / q
    else:
        price = (
            (q * entry - margin) / (q * (1 - mmr))
            if long
            else (q * entry + margin) / (q * (1 + mmr))
        )
    return max(price, 0.0)


def liquidation_distance(liquidation: float | None, mark: float) -> float | None:
    """``|LP − mark| / mark``: how far the price may move before liquidation."""
    if liquidation is None or mark <= 0:
        return None
    return abs(liquidation - mark) / mark
