"""What travels on the wire: Binance-style errors and numbers written as Binance writes them."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any


class ApiError(Exception):
    """An error answered as ``{"code": code, "msg": msg}`` with HTTP ``status``."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        """Remember the HTTP status, Binance code and message."""
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg

    def body(self) -> dict[str, Any]:
        """The JSON body Binance sends for this error."""
        return {"code": self.code, "msg": self.msg}


def bad_symbol() -> ApiError:
    """Binance's answer to an unknown or delisted symbol."""
    return ApiError(400, -1121, "Invalid symbol.")


def bad_param(name: str) -> ApiError:
    """Binance's answer to a parameter that cannot be read."""
    return ApiError(400, -1100, f"Illegal characters found in parameter '{name}'.")


def missing_param(name: str) -> ApiError:
    """Binance's answer to a mandatory parameter left out."""
    return ApiError(
        400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def decimals_of(step: float) -> int:
    """Digits after the point of a step such as 0.001 (3) or 1e-05 (5)."""
    exponent = Decimal(repr(step)).normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def fmt(value: float, decimals: int = 8) -> str:
    """A number as Binance writes it: a string with fixed decimals (never exponent form)."""
    if not math.isfinite(value):
        raise ValueError(f"cannot send {value}")
    text = f"{value:.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def fmt_step(value: float, step: float) -> str:
    """``value`` on the grid of ``step`` (a price tick or quantity step), as a string."""
    return fmt(round(value / step) * step, decimals_of(step))


def int_param(query: dict[str, str], name: str, default: int | None = None) -> int | None:
    """An integer query parameter (``default`` when absent); `ApiError` -1100 when unreadable."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_param(name) from None
