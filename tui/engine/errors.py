"""The ccxt error families the engine catches, and how it names them to a user.

ccxt is imported lazily by `tui.engine.venues`; this module is only imported by engine code
that is about to talk to a venue, so importing ccxt's error classes here costs nothing extra.
"""

from __future__ import annotations

from ccxt.base.errors import BadResponse, BaseError, ExchangeError, NetworkError

__all__ = ["CCXT_ERRORS", "BadResponse", "NetworkError", "describe"]

#: ``NetworkError`` is *not* an ``ExchangeError``: catch both (and ccxt's base for the rest).
CCXT_ERRORS: tuple[type[BaseException], ...] = (NetworkError, ExchangeError, BaseError)


def describe(err: BaseException) -> str:
    """One line for a venue error: its ccxt class and the first line of its message."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if len(text) > 160:
        text = text[:157] + "…"
    name = type(err).__name__
    if text.startswith(f"{name}:"):
        return text  # already described once (a cause carried inside a later error)
    return f"{name}: {text}" if text else name
