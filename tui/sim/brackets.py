"""The simulator's margin brackets (Binance's notional and leverage brackets) per asset.

Each asset's table is `tui.core.margin.fallback_brackets` of its scenario ``max_leverage``
and ``maint_margin_rate`` cut to five brackets, the last with a finite cap as Binance gives:
$0–50k at the asset's maximum leverage and MMR, then each bracket caps ×5, halves the leverage
and doubles the MMR; ``cum`` keeps the maintenance margin continuous. The simulator serves
it at ``fapi/v1/leverageBracket``, checks orders and leverage against it (-2027) and computes
liquidation prices and maintenance margins from it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tui.core.margin import Bracket, bracket_for, fallback_brackets
from tui.sim.scenario import Asset

#: How many brackets each asset has.
BRACKETS = 5


@lru_cache(maxsize=64)
def _table(max_leverage: int, mmr: float) -> tuple[Bracket, ...]:
    table = fallback_brackets(float(max_leverage), mmr)[:BRACKETS]
    last = table[-1]
    # Binance's last bracket has a cap too: the floor × 5, as between the others.
    return (*table[:-1], last.model_copy(update={"cap": last.floor * 5}))


def asset_brackets(asset: Asset) -> tuple[Bracket, ...]:
    """The asset's brackets, lowest notional first."""
    return _table(asset.max_leverage, asset.maint_margin_rate)


def bracket_of(asset: Asset, notional: float) -> Bracket:
    """The bracket a position of ``notional`` (USD, sign ignored) falls in."""
    found = bracket_for(asset_brackets(asset), notional)
    assert found is not None  # every asset has brackets
    return found


def max_notional(asset: Asset, leverage: int) -> float:
    """The largest position allowed at ``leverage``: the cap of the last bracket that allows it.

    Binance answers it as ``maxNotionalValue`` and rejects a larger position (-2027).
    """
    allowed = [b.cap for b in asset_brackets(asset) if b.max_leverage >= leverage]
    return max(allowed) if allowed else 0.0


def maint_margin(asset: Asset, notional: float) -> float:
    """Binance's maintenance margin of a position: ``|notional| × MMR − cum`` of its bracket."""
    bracket = bracket_of(asset, notional)
    return max(0.0, abs(notional) * bracket.mmr - bracket.maint_amount)


def bracket_rows(asset: Asset) -> list[dict[str, Any]]:
    """The brackets as ``fapi/v1/leverageBracket`` writes them (numbers, not strings)."""
    return [
        {
            "bracket": k + 1,
            "initialLeverage": int(b.max_leverage),
            "notionalCap": int(b.cap),
            "notionalFloor": int(b.floor),
            "maintMarginRatio": round(b.mmr, 6),
            "cum": round(b.maint_amount, 4),
        }
        for k, b in enumerate(asset_brackets(asset))
    ]
