"""Margin brackets from captured venue rows (``tests/fixtures/venues/margin_*.json``).

The raw rows go through ccxt's own ``parse_market_leverage_tiers`` (no network), then become
`Bracket` the way a venue defines its maintenance amount: Binance's ``cum``, Bybit's
``mmDeduction`` ("" on the lowest tier = 0), none on OKX, whose tiers count contracts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ccxt

from tui.core.margin import Bracket

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "venues"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _bracket(tier: dict[str, Any], *, amount: float, unit: str = "usd") -> Bracket:
    return Bracket(
        floor=float(tier["minNotional"]),
        cap=float(tier["maxNotional"]),
        max_leverage=float(tier["maxLeverage"]),
        mmr=float(tier["maintenanceMarginRate"]),
        maint_amount=amount,
        unit=unit,  # type: ignore[arg-type]
    )


def binance(symbol: str) -> tuple[Bracket, ...]:
    """Binance ``fapi/v1/leverageBracket`` rows of ``symbol`` (BTCUSDT, BTCUSDT_240927)."""
    body = _load("margin_binance_fapi_v1_leverageBracket_BTCUSDT.json")["body"]
    row = next(r for r in body if r["symbol"] == symbol)
    tiers = ccxt.binanceusdm().parse_market_leverage_tiers(row, None)
    return tuple(_bracket(t, amount=float(t["info"]["cum"])) for t in tiers)


def bybit() -> tuple[Bracket, ...]:
    """Bybit ``/v5/market/risk-limit`` rows of BTCUSDT (three tiers)."""
    rows = _load("margin_bybit_v5_market_risk_limit_BTCUSDT.json")["result"]["list"]
    tiers = ccxt.bybit().parse_market_leverage_tiers(rows, None)
    return tuple(_bracket(t, amount=float(t["info"]["mmDeduction"] or 0)) for t in tiers)


def okx() -> tuple[Bracket, ...]:
    """OKX ``/api/v5/public/position-tiers`` rows of TIA-USDT (sizes in contracts)."""
    rows = _load("margin_okx_api_v5_public_position_tiers_TIA-USDT.json")["data"]
    tiers = ccxt.okx().parse_market_leverage_tiers(rows, None)
    return tuple(_bracket(t, amount=0.0, unit="contracts") for t in tiers)
