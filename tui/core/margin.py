"""Margin brackets and liquidation as the venues compute them (isolated margin, linear
contracts, one-way mode). No I/O: the engine reads the brackets; this is the arithmetic.

A position's bracket is the one its size falls in: it sets the maximum leverage, the
maintenance margin rate (MMR) and the maintenance amount (Binance's ``cum``, Bybit's
``mmDeduction``) that keeps the maintenance margin continuous from one bracket to the next.
Binance and Bybit size brackets by notional (USD); OKX's position tiers count contracts.
Where a venue publishes no brackets (Binance without API keys), `fallback_brackets` stands
in and everything computed from it is labelled an estimate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

#: How each venue computes a liquidation price (their published isolated formulas).
LiquidationRule = Literal["binance", "bybit", "okx"]

#: What a bracket's ``floor`` and ``cap`` count: notional in USD (Binance ``notionalFloor``
#: / ``notionalCap``, Bybit ``riskLimitValue``) or contracts (OKX ``minSz`` / ``maxSz``).
BracketUnit = Literal["usd", "contracts"]


class Bracket(BaseModel):
    """One tier of a market's margin table: sizes from ``floor`` up to ``cap``."""

    model_config = ConfigDict(frozen=True)

    floor: float
    """Lowest size of the bracket (USD notional, or contracts when ``unit`` says so)."""
    cap: float
    """Size from which the next bracket applies (``inf`` for the last)."""
    max_leverage: float
    mmr: float
    """Maintenance margin rate (a fraction: 0.004 = 0.4 %)."""
    maint_amount: float = 0.0
    """Maintenance amount (Binance ``cum``, Bybit ``mmDeduction``), USD."""
    unit: BracketUnit = "usd"
    """What ``floor`` and ``cap`` count. OKX's caps are inclusive (tier 1 ends *at* maxSz)."""


def bracket_for(
    brackets: Sequence[Bracket], notional: float, contracts: float | None = None
) -> Bracket | None:
    """The bracket a position falls in; ``None`` when there are no brackets.

    ``notional`` is the position's USD notional (its sign is ignored); ``contracts`` its size
    in contracts, used by brackets that count contracts (OKX) — without it, those fall back
    to the notional. A size in a gap between two tiers (OKX: tier 1 to 500, tier 2 from 501)
    belongs to the higher one; beyond the last cap, the last bracket.
    """
    if not brackets:
        return None
    for bracket in brackets:
        if bracket.unit == "contracts" and contracts is not None:
            if abs(contracts) <= bracket.cap:
                return bracket
        elif abs(notional) < bracket.cap:
            return bracket
    return brackets[-1]


def max_leverage_for(
    brackets: Sequence[Bracket], notional: float, contracts: float | None = None
) -> float | None:
    """The highest leverage the venue allows a position of that size."""
    bracket = bracket_for(brackets, notional, contracts)
    return bracket.max_leverage if bracket is not None else None


#: The first bracket's cap of `fallback_brackets`, USD (Binance BTCUSDT's first bracket).
FALLBACK_FIRST_CAP = 50_000.0


@lru_cache(maxsize=256)
def fallback_brackets(max_leverage: float, mmr: float = 0.004) -> tuple[Bracket, ...]:
    """A documented stand-in where the venue gives no table: Binance's BTCUSDT-like steps
    scaled to the market's leverage cap — each bracket halves the leverage (whole numbers,
    at least 1×), doubles the MMR (at most 50 %) and multiplies the cap by 5 from $50,000;
    ``cum`` keeps maintenance margin continuous. Used only as an estimate, and said so.

    With 50× and 0.4 %: $0–50k 50× 0.4 %, $50k–250k 25× 0.8 % (cum 200), $250k–1.25M 12×
    1.6 % (cum 2,200), … (the simulator serves the same table as its ``leverageBracket``).
    """
    out: list[Bracket] = []
    floor, cum, prev = 0.0, 0.0, mmr
    cap = FALLBACK_FIRST_CAP
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
    fee_rate: float = 0.0,
) -> float | None:
    """The price at which the venue liquidates an isolated position (one-way mode).

    ``quantity`` in base units (> 0), ``entry`` the entry price, ``margin`` the isolated
    margin (USD), ``bracket`` the position's bracket. ``None`` when the position cannot be
    liquidated by price; a long whose margin covers the whole notional gives 0.

    - Binance (its published formula, isolated: ``TMM = UPNL = 0``, ``WB`` = the isolated
      margin): ``LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q)``, ``s`` = +1 long / −1 short.
      Long 0.3 BTC at 50,000 with 3,000 margin, MMR 0.4 %, cum 0 → 40,160.64.
    - Bybit (USDT contracts, isolated): ``LP = EP ∓ (IM − MM) / Q`` with ``IM`` the margin and
      ``MM = Q·EP·MMR − mmDeduction`` (on the entry price). Long 1 BTC at 20,000, 50×, MMR
      0.5 % → 19,700.
    - OKX (USDT-margined, isolated): liquidated when ``(margin + upl) / (Q·P·(MMR + fee))``
      falls to 100 %, ``fee_rate`` the taker fee: long ``(Q·EP − M) / (Q·(1 − MMR − fee))``,
      short ``(Q·EP + M) / (Q·(1 + MMR + fee))``.
    """
    if quantity <= 0 or entry <= 0 or not math.isfinite(quantity * entry):
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
        denominator = q * (1.0 - s * (mmr + fee_rate))
        if denominator <= 0:
            return None
        price = (q * entry - s * margin) / denominator
    if not math.isfinite(price):
        return None
    return max(price, 0.0)


def liquidation_distance(liquidation: float | None, mark: float) -> float | None:
    """``|LP − mark| / mark``: how far the price may move before liquidation (0.2 = 20 %)."""
    if liquidation is None or mark <= 0:
        return None
    return abs(liquidation - mark) / mark
