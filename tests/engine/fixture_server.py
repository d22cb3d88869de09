"""A loopback server that answers the REST paths ccxt's ``bybit`` and ``okx`` call, from files.

The bodies are recorded or real-shaped exchange responses under ``tests/fixtures/venues/``;
each file names where its shape comes from in a ``_source`` key, which is stripped before the
body is served. The real ccxt client talks to this server through
``create_exchange(venue, sim_url=server.url)``, which keeps the original host as the first
path segment (``/api.bybit.com/v5/...``, ``/www.okx.com/api/v5/...``).

Every request is logged in ``requests``; a path with no route answers 404 and is also logged
in ``unknown``, so a test can assert that ccxt asked for nothing this server does not know.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "venues"

#: A route: the request's query → the JSON body to answer with.
Handler = Callable[[Mapping[str, str]], dict[str, Any]]


def load_fixture(name: str) -> dict[str, Any]:
    """The served body of fixture ``name`` (its ``_source`` key removed)."""
    body = json.loads((FIXTURES / name).read_text())
    body.pop("_source", None)
    return dict(body)


def fixture_source(name: str) -> str:
    """The ``_source`` note of fixture ``name``."""
    return str(json.loads((FIXTURES / name).read_text())["_source"])


# -- Bybit v5: {"retCode", "result": {"category", "list": [...]}, "time"} ---------------------


def _bybit_merged(names: list[str]) -> dict[str, Any]:
    """The first file's envelope with the ``result.list`` of every file concatenated.

    The copied real responses hold one symbol each; the built ones add the others.
    """
    bodies = [load_fixture(n) for n in names]
    merged = bodies[0]
    merged["result"] = {
        **merged["result"],
        "list": [row for body in bodies for row in body["result"]["list"]],
    }
    return merged


def _bybit_filtered(body: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    rows = body["result"]["list"]
    if "symbol" in query:
        rows = [r for r in rows if r["symbol"] == query["symbol"]]
    return {**body, "result": {**body["result"], "list": rows}}


def _bybit_instruments(query: Mapping[str, str]) -> dict[str, Any]:
    body = _bybit_merged(
        [
            "bybit_v5_market_instruments_linear_BTCUSDT.json",
            "bybit_v5_market_instruments_linear_more.json",
        ]
    )
    if query.get("category") != "linear":
        return _bybit_error(f"this fixture server holds only category=linear, not {query}")
    if query.get("status") == "PreLaunch" or "cursor" in query:
        # ccxt also asks for pre-launch listings, and follows any page cursor: none here.
        return {**body, "result": {**body["result"], "list": [], "nextPageCursor": ""}}
    return _bybit_filtered(body, query)


def _bybit_tickers(query: Mapping[str, str]) -> dict[str, Any]:
    if query.get("category") != "linear":
        return _bybit_error(f"this fixture server holds only category=linear, not {query}")
    body = _bybit_merged(
        [
            "bybit_v5_market_tickers_linear_BTCUSDT.json",
            "bybit_v5_market_tickers_linear_more.json",
        ]
    )
    return _bybit_filtered(body, query)


def _bybit_risk_limit(query: Mapping[str, str]) -> dict[str, Any]:
    """``v5/market/risk-limit``: BTCUSDT's captured tiers; any other symbol an empty list
    (the fixture holds no more — the engine must then keep that market on the fallback)."""
    if query.get("category") != "linear":
        return _bybit_error(f"this fixture server holds only category=linear, not {query}")
    return _bybit_filtered(load_fixture("margin_bybit_v5_market_risk_limit_BTCUSDT.json"), query)


def _bybit_error(message: str) -> dict[str, Any]:
    return {"retCode": 10001, "retMsg": message, "result": {}, "retExtInfo": {}, "time": 0}


# -- OKX v5: {"code": "0", "msg": "", "data": [...]} ------------------------------------------


def _okx_by_inst_type(prefix: str) -> Handler:
    """Answer from ``<prefix>_<instType>.json`` (SWAP or FUTURES), filtered by ``instId``."""

    def handler(query: Mapping[str, str]) -> dict[str, Any]:
        inst_type = query.get("instType", "")
        if not (FIXTURES / f"{prefix}_{inst_type}.json").exists():
            return _okx_error(f"no fixture for instType={inst_type!r}")
        body = load_fixture(f"{prefix}_{inst_type}.json")
        return _okx_filtered(body, query)

    return handler


def _okx_filtered(body: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    inst_id = query.get("instId")
    if inst_id is None or inst_id == "ANY":
        return body
    return {**body, "data": [row for row in body["data"] if row["instId"] == inst_id]}


def _okx_funding_rate(query: Mapping[str, str]) -> dict[str, Any]:
    return _okx_filtered(load_fixture("okx_api_v5_public_funding_rate_ANY.json"), query)


def _okx_index_tickers(query: Mapping[str, str]) -> dict[str, Any]:
    body = load_fixture("okx_api_v5_market_index_tickers_USDT.json")
    quote = query.get("quoteCcy")
    if quote is not None:
        body["data"] = [row for row in body["data"] if row["instId"].endswith(f"-{quote}")]
    return _okx_filtered(body, query)


def _okx_position_tiers(query: Mapping[str, str]) -> dict[str, Any]:
    """``public/position-tiers`` of one family (``instType``, ``instFamily``); a family
    without a fixture is answered with an error, as a failed call."""
    name = f"okx_api_v5_public_position_tiers_{query.get('instType')}_{query.get('instFamily')}"
    if not (FIXTURES / f"{name}.json").exists():
        return _okx_error(f"no fixture {name}.json")
    return load_fixture(f"{name}.json")


def _okx_error(message: str) -> dict[str, Any]:
    return {"code": "51000", "msg": message, "data": []}


def _fixed(name: str) -> Handler:
    return lambda _query: load_fixture(name)


#: Path (host first, as ``rewrite_url`` makes it) → handler.
ROUTES: dict[str, Handler] = {
    "/api.bybit.com/v5/market/instruments-info": _bybit_instruments,
    "/api.bybit.com/v5/market/tickers": _bybit_tickers,
    "/api.bybit.com/v5/market/time": _fixed("bybit_v5_market_time.json"),
    "/api.bybit.com/v5/market/risk-limit": _bybit_risk_limit,
    "/www.okx.com/api/v5/public/instruments": _okx_by_inst_type("okx_api_v5_public_instruments"),
    "/www.okx.com/api/v5/public/funding-rate": _okx_funding_rate,
    "/www.okx.com/api/v5/public/mark-price": _okx_by_inst_type("okx_api_v5_public_mark_price"),
    "/www.okx.com/api/v5/market/index-tickers": _okx_index_tickers,
    "/www.okx.com/api/v5/market/tickers": _okx_by_inst_type("okx_api_v5_market_tickers"),
    "/www.okx.com/api/v5/public/time": _fixed("okx_api_v5_public_time.json"),
    "/www.okx.com/api/v5/public/position-tiers": _okx_position_tiers,
}


class FixtureServer:
    """Serve `ROUTES` on ``127.0.0.1`` (a free port); log every request."""

    def __init__(self, routes: Mapping[str, Handler] | None = None) -> None:
        """Build (not start) the server; ``routes`` defaults to `ROUTES`."""
        self.routes = dict(ROUTES if routes is None else routes)
        self.requests: list[str] = []
        """``METHOD /path?query`` of every request, in arrival order."""
        self.unknown: list[str] = []
        """The requests that matched no route (answered 404)."""
        self.url = ""
        """``http://127.0.0.1:PORT`` once started."""
        self._runner: web.AppRunner | None = None

    def paths(self) -> list[str]:
        """The path (no query) of every request, in arrival order."""
        return [r.split(" ", 1)[1].split("?", 1)[0] for r in self.requests]

    async def start(self) -> str:
        """Bind and serve; returns the base URL."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # A short shutdown grace: the runner's default waits on idle keep-alive connections.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.05
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = int(self._runner.addresses[0][1])
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FixtureServer:
        """Start on entry."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop on exit."""
        await self.stop()

    async def _dispatch(self, request: web.Request) -> web.Response:
        line = f"{request.method} {request.path_qs}"
        self.requests.append(line)
        handler = self.routes.get(request.path)
        if handler is None or request.method != "GET":
            self.unknown.append(line)
            return web.json_response({"error": f"no fixture for {line}"}, status=404)
        return web.json_response(handler(request.query))
