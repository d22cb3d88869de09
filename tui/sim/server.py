"""The loopback server ccxt's ``binanceusdm`` talks to as if it were Binance USDⓈ-M.

ccxt's URLs are rewritten to ``http://127.0.0.1:PORT/<original host>/<original path>``
(see `tui.engine.venues.rewrite_url`), so the first path segment is the original host: the
server ignores it and routes on the rest (``fapi/v1/exchangeInfo``). Websocket upgrades on
any path go to the mark price streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from tui.sim.account import Account
from tui.sim.faults import FaultInjector
from tui.sim.market import SimMarket
from tui.sim.private import PRIVATE_ROUTES, Signer
from tui.sim.public import PUBLIC_ROUTES
from tui.sim.scenario import Faults, Scenario
from tui.sim.stream import StreamHub
from tui.sim.wire import ApiError

#: The only hosts the simulator may bind: it must never be reachable from another machine.
LOOPBACK = ("127.0.0.1", "localhost", "::1")

#: Stopping is bounded: websockets get this long to answer the close handshake, and requests
#: still in flight this long to finish before their connections are cut (aiohttp's default
#: waits 60 s). The simulator holds no state worth waiting for.
STOP_TIMEOUT_S = 0.1
#: REST requests remembered in `SimServer.requests` (the oldest are forgotten first).
REQUEST_LOG_SIZE = 100_000


@dataclass
class RequestRecord:
    """One REST request as the simulator saw it: when it arrived, what, and the answer's status.

    ``at`` is ``time.monotonic()`` on arrival, before any injected latency: the moment a
    client's request reached the venue, which is what a venue's rate limits count. A request
    is logged as it arrives, with ``status`` 0 until it is answered (one held by the latency
    fault may never be).
    """

    at: float
    method: str
    path: str
    status: int = 0


class SimServer:
    """The simulated exchange: market, account, REST routes, streams and faults.

    Use as ``async with SimServer(scenario) as sim: ... sim.url``, or call `start`/`stop`.
    """

    def __init__(
        self,
        scenario: Scenario,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = "demo-key",
        secret: str = "demo-secret",
        *,
        stream_interval_s: float = 1.0,
        wall_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Build (not start) the server; ``port=0`` picks a free port."""
        if host not in LOOPBACK:
            raise ValueError(f"the simulator binds loopback only, not {host!r}")
        self.scenario = scenario
        self.host = host
        self.port = port
        self.market = SimMarket(scenario, wall_clock)
        """The simulated market (clock, prices, funding)."""
        balances = scenario.account.balances
        self.account = Account(
            self.market,
            wallet=balances.get("USDT", 0.0),
            held={name: amount for name, amount in balances.items() if name != "USDT"},
        )
        """The one trading account: balances, leverage, positions, orders."""
        self.signer = Signer(api_key, secret)
        self.streams = StreamHub(self.market, stream_interval_s)
        self._faults = FaultInjector(scenario.faults, scenario.seed)
        self.requests: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_SIZE)
        """Every REST request (websocket upgrades aside) in order of arrival."""
        self._runner: web.AppRunner | None = None
        self._dropper: asyncio.Task[None] | None = None
        self.url = ""
        """``http://127.0.0.1:PORT`` once started."""

    @property
    def faults(self) -> Faults:
        """The faults in force."""
        return self._faults.faults

    def set_faults(self, faults: Faults | None = None, **changes: Any) -> Faults:
        """Replace the faults (``Faults(...)``) or change some (``latency_ms=200``); returns them.

        ``set_faults()`` with no argument turns every fault off.
        """
        base = faults if faults is not None else (self.faults if changes else Faults())
        new = Faults.model_validate({**base.model_dump(), **changes}) if changes else base
        self._faults.set(new)
        return new

    async def start(self) -> str:
        """Bind and serve; returns the base URL ``http://127.0.0.1:PORT``."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=STOP_TIMEOUT_S
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{self.port}"
        self._dropper = asyncio.create_task(self._drop_loop())
        return self.url

    async def stop(self) -> None:
        """Close every connection and stop serving, in well under a second: websockets are
        closed without waiting on clients that do not answer, then what is left is cut."""
        if self._dropper is not None:
            self._dropper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dropper
            self._dropper = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.streams.drop_all(), STOP_TIMEOUT_S)
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> SimServer:
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

    async def _drop_loop(self) -> None:
        """Drop every websocket each ``ws_drop_every_s`` while that fault is on."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.05)
            every = self.faults.ws_drop_every_s
            if every <= 0:
                last = time.monotonic()
                continue
            if time.monotonic() - last >= every:
                last = time.monotonic()
                await self.streams.drop_all()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.streams.handle(request)
        # Drop the original-host segment: /fapi.binance.com/fapi/v1/time -> fapi/v1/time.
        _, _, path = request.path.lstrip("/").partition("/")
        record = RequestRecord(time.monotonic(), request.method, path)
        self.requests.append(record)
        early = await self._faults.before()
        if early is not None:
            record.status = early.status
            return early
        try:
            payload = await self._answer(request, path)
            status = 200
        except ApiError as err:
            payload, status = err.body(), err.status
        record.status = status
        return web.Response(
            body=self._faults.body(payload), status=status, content_type="application/json"
        )

    async def _answer(self, request: web.Request, path: str) -> Any:
        public = PUBLIC_ROUTES.get(path)
        if public is not None and request.method == "GET":
            return public(self.market, dict(request.query))
        private = PRIVATE_ROUTES.get((request.method, path))
        if private is not None:
            body = (await request.text()) if request.method in ("POST", "PUT") else ""
            params = self.signer.verify(request.headers, request.query_string, body)
            return private(self.account, params)
        if public is not None or any(p == path for _, p in PRIVATE_ROUTES):
            raise ApiError(405, -1000, f"Method {request.method} not allowed on /{path}.")
        raise ApiError(404, -1000, f"Unknown endpoint /{path}.")


async def serve_forever(scenario: Scenario, port: int = 0, host: str = "127.0.0.1") -> None:
    """Run the simulator until cancelled (the ``porting-alpha sim`` command); prints its URL."""
    async with SimServer(scenario, host=host, port=port) as sim:
        print(
            f"simulated Binance USDⓈ-M listening on {sim.url}  (api key demo-key / demo-secret)",
            flush=True,
        )
        await asyncio.Event().wait()
