"""Opening ccxt clients: one per venue, pointed at the real exchange or at the loopback simulator.

ccxt is imported here lazily (≈ 0.8 s), so nothing that starts the app waits for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from tui.engine.gate import RequestGate

#: Venues the engine knows how to read, with the ccxt options that keep ``load_markets`` small.
VENUE_OPTIONS: dict[str, dict[str, Any]] = {
    "binanceusdm": {"fetchMarkets": {"types": ["linear"]}, "fetchCurrencies": False},
    "bybit": {
        "fetchMarkets": {"types": ["linear"]},
        "defaultType": "swap",
        "fetchCurrencies": False,
    },
    "okx": {"fetchMarkets": {"types": ["swap", "future"]}, "fetchCurrencies": False},
}

#: The venue the simulator imitates.
SIM_VENUE = "binanceusdm"

#: The keys the simulator accepts (its defaults); they never leave this machine.
SIM_CREDENTIALS = {"apiKey": "demo-key", "secret": "demo-secret"}


class VenueError(Exception):
    """A venue that cannot be opened (unknown id, ccxt missing the exchange)."""


def rewrite_url(url: str, base: str) -> str:
    """Point one exchange URL at ``base``, keeping the original host as the first path segment.

    ``https://fapi.binance.com/fapi/v1`` → ``http://127.0.0.1:PORT/fapi.binance.com/fapi/v1``;
    ``wss://fstream.binance.com/ws`` → ``ws://127.0.0.1:PORT/fstream.binance.com/ws``. Keeping
    the host apart keeps bases that share a path (``api/v3`` on two hosts) apart.
    """
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return url
    target = urlsplit(base)
    scheme = "ws" if parts.scheme in ("ws", "wss") else "http"
    path = f"/{parts.hostname}{parts.path}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{target.netloc}{path}{query}"


def rewrite_urls(urls: Any, base: str) -> Any:
    """Rewrite every URL string in ccxt's nested ``urls['api']`` structure (see `rewrite_url`)."""
    if isinstance(urls, dict):
        return {key: rewrite_urls(value, base) for key, value in urls.items()}
    if isinstance(urls, list):
        return [rewrite_urls(value, base) for value in urls]
    if isinstance(urls, str):
        return rewrite_url(urls, base)
    return urls


def create_exchange(
    venue: str,
    *,
    sim_url: str | None = None,
    pro: bool = False,
    credentials: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
    gate: RequestGate | None = None,
    timeout_s: float = 10.0,
) -> Any:
    """Create a ccxt async (or ccxt.pro when ``pro``) client for ``venue``.

    With ``sim_url`` (``http://127.0.0.1:PORT``) every REST and websocket base is rewritten to
    the simulator. Every REST request passes one `RequestGate` of this client (``gate``, else
    a new one), which keeps the venue's ``Retry-After`` for all of them and refuses garbled
    bodies; ``timeout_s`` bounds each request. The caller owns the client and must
    ``await exchange.close()``.
    """
    module = importlib.import_module("ccxt.pro" if pro else "ccxt.async_support")
    klass = getattr(module, venue, None)
    if klass is None:
        raise VenueError(f"unknown venue {venue!r}; try binanceusdm, bybit or okx")
    config: dict[str, Any] = {
        "enableRateLimit": True,
        "timeout": round(timeout_s * 1000),
        "options": {**VENUE_OPTIONS.get(venue, {}), **(options or {})},
    }
    if credentials:
        config.update(credentials)
    exchange = klass(config)
    if sim_url is not None:
        exchange.urls["api"] = rewrite_urls(exchange.urls["api"], sim_url)
        # The simulator keeps its own clock; never skew signed requests toward it.
        exchange.options["adjustForTimeDifference"] = False
    from tui.engine.gate import RequestGate  # imports ccxt's errors: as lazily as ccxt

    (gate or RequestGate()).install(exchange)
    return exchange
