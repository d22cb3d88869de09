"""Number and time formatting shared by the panes (one convention everywhere).

Money is USD; rates are shown as percentages; a missing value is an en dash, never zero.
"""

from __future__ import annotations

from datetime import datetime, timedelta

DASH = "–"


def usd(value: float | None, *, signed: bool = False, decimals: int = 0) -> str:
    """``$12,345`` (``+$12,345`` when ``signed``); ``–`` for ``None``."""
    if value is None:
        return DASH
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}${abs(value):,.{decimals}f}"


def usd_auto(value: float | None, *, signed: bool = False) -> str:
    """USD with cents below $100 (fees, small carry), whole dollars above."""
    if value is None:
        return DASH
    return usd(value, signed=signed, decimals=2 if abs(value) < 100 else 0)


def pct(value: float | None, *, decimals: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.0123`` → ``1.2%``."""
    if value is None:
        return DASH
    return f"{value * 100:{'+' if signed else ''}.{decimals}f}%"


def rate(value: float | None) -> str:
    """A per-settlement funding rate with basis-point precision: ``0.0100%``."""
    if value is None:
        return DASH
    return f"{value * 100:+.4f}%"


def price(value: float | None) -> str:
    """A price with precision that suits its size."""
    if value is None:
        return DASH
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.1f}"
    if magnitude >= 1:
        return f"{value:,.3f}"
    return f"{value:.6f}"


def qty(value: float | None) -> str:
    """A quantity of an asset or contracts, without trailing zeros."""
    if value is None:
        return DASH
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text or "0"


def countdown(delta: timedelta | None) -> str:
    """``3h 05m`` / ``12m 30s`` / ``2d 4h``; ``due`` when not positive."""
    if delta is None:
        return DASH
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "due"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def hours(value: float | None) -> str:
    """A funding interval: ``8h``."""
    if value is None:
        return DASH
    return f"{value:g}h"


def short_date(moment: datetime | None) -> str:
    """``27 Mar`` for roll and expiry dates."""
    if moment is None:
        return DASH
    return moment.strftime("%d %b")
