"""Amount rounding with ccxt's own precision rules (never a hand-made rounding).

ccxt's ``decimal_to_precision`` is what ``exchange.amount_to_precision`` calls; calling it
with the market's precision and the exchange's precision mode gives the same string without
an exchange instance, so the planner stays free of I/O. ccxt is imported on first use
(≈ 0.8 s) so that importing the core stays cheap.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tui.core.models import MarketSpec


@cache
def _ccxt_precision() -> Any:
    from ccxt.base import decimal_to_precision

    return decimal_to_precision


def amount_to_precision(market: MarketSpec, contracts: float) -> str:
    """``contracts`` truncated to the market's amount precision, as ccxt's string.

    Unlike ``exchange.amount_to_precision`` this returns ``"0"`` instead of raising when the
    amount truncates to nothing, so the planner can report the leg as below minimum.
    """
    dtp = _ccxt_precision()
    # A notional divided by a price carries float noise (0.3 may arrive as 0.29999999999999993);
    # truncating that would drop a whole lot. Twelve significant digits remove the noise
    # while staying far finer than any venue's lot step.
    clean = float(f"{contracts:.12g}")
    if market.amount_precision is None:
        return str(dtp.number_to_string(clean))
    result = dtp.decimal_to_precision(
        clean,
        rounding_mode=dtp.TRUNCATE,
        precision=market.amount_precision,
        counting_mode=market.precision_mode,
        padding_mode=dtp.NO_PADDING,
    )
    text = str(result)
    return "0" if float(text) == 0 else text


def price_to_precision(market: MarketSpec, price: float) -> str:
    """``price`` rounded to the market's tick, as ccxt's ``price_to_precision`` does."""
    dtp = _ccxt_precision()
    if market.price_precision is None:
        return str(dtp.number_to_string(price))
    return str(
        dtp.decimal_to_precision(
            price,
            rounding_mode=dtp.ROUND,
            precision=market.price_precision,
            counting_mode=market.precision_mode,
            padding_mode=dtp.NO_PADDING,
        )
    )
