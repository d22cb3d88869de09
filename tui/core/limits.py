"""Sane bounds on every number a trader types or a file gives, and on asset names.

Each bound is far beyond what a trader would use and well inside what the arithmetic
(floats, `decimal`, `datetime`) handles exactly; past it the input is refused as a mistake,
with the bound and why, instead of overflowing somewhere deep in the planner.
"""

from __future__ import annotations

import math
import re

#: Capital base, collateral, portfolio value (USD): a trillion dollars is above any book, and
#: cents stay exact in a float far past it (2**53 cents ≈ 9e13 USD).
MAX_USD = 1e12
#: A tactical window is days or weeks; ten years is past any dated future, and far inside
#: `datetime`'s year 9999.
MAX_WINDOW_DAYS = 3650.0
#: A target of ±1,000 % of the base is ten portfolios in one asset: beyond any tilt.
MAX_TARGET_PCT = 1000.0
#: Spot quantity of one asset: above the whole supply of any listed coin (PEPE ≈ 4.2e14).
MAX_QUANTITY = 1e15
#: Binance caps at 125×; the boldest venues advertise 500× or 1,000×. Above that a leverage
#: is a typo (a venue whose brackets allow less refuses it later, with the market's cap).
MAX_LEVERAGE = 1000.0
#: Asset codes as venues list them: letters and digits (``1000PEPE``), at most 20.
ASSET_NAME = re.compile(r"[A-Z0-9]{1,20}")


def check_asset_name(name: str, where: str = "asset") -> str:
    """The asset code ``name`` stripped and upper-cased, or `ValueError` with one line."""
    if not isinstance(name, str):
        raise ValueError(f"{where}: {name!r} is not an asset name")
    code = name.strip().upper()
    if not ASSET_NAME.fullmatch(code):
        shown = name if len(name) <= 24 else name[:20] + "…"
        raise ValueError(f"{where}: {shown!r} is not an asset name (1–20 letters or digits)")
    return code


def check_bounded(value: float, what: str, *, low: float, high: float, why: str = "") -> float:
    """``value`` if finite and in ``[low, high]``, else `ValueError` naming ``what``."""
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value}")
    if not low <= value <= high:
        reason = f" ({why})" if why else ""
        raise ValueError(f"{what} must be from {low:g} to {high:g}, got {value:g}{reason}")
    return value
