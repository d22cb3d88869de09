"""The websocket side: Binance's mark price streams, as ccxt.pro subscribes to them.

ccxt.pro connects to ``.../market/ws/<n>`` and sends ``{"method": "SUBSCRIBE", "params":
["btcusdt@markPrice@1s"], "id": 1}``; the answer is ``{"result": null, "id": 1}``, then
``markPriceUpdate`` events (a list of them for ``!markPrice@arr@1s``) at the stream cadence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSMsgType, web

from tui.sim.market import Contract, SimMarket


def mark_event(market: SimMarket, contract: Contract) -> dict[str, Any]:
    """One ``markPriceUpdate`` event (dated contracts carry empty funding, as on Binance)."""
    snap = market.snapshot(contract)
    perp = contract.perpetual
    return {
        "e": "markPriceUpdate",
        "E": snap.time_ms,
        "s": contract.symbol,
        "p": f"{snap.mark:.8f}",
        "ap": f"{snap.mark:.8f}",
        "P": f"{snap.index:.8f}",
        "i": f"{snap.index:.8f}",
        "r": f"{snap.funding_rate or 0.0:.8f}" if perp else "",
        "T": snap.next_funding_ms if perp else 0,
    }


class StreamHub:
    """Every open websocket connection, their subscriptions and the push loop of each."""

    def __init__(self, market: SimMarket, interval_s: float = 1.0) -> None:
        """Push subscribed streams every ``interval_s`` wall seconds (Binance's ``@1s``)."""
        self.market = market
        self.interval_s = interval_s
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def connections(self) -> int:
        """How many websocket clients are connected."""
        return len(self._sockets)

    def _payloads(self, streams: set[str]) -> list[Any]:
        out: list[Any] = []
        contracts = self.market.contracts()
        for name in sorted(streams):
            key = name.lower()
            if key.startswith("!markprice@arr"):
                out.append([mark_event(self.market, c) for c in contracts if c.perpetual])
                continue
            sym, _, channel = key.partition("@")
            if not channel.startswith("markprice"):
                continue  # streams the simulator does not serve stay silent
            for c in contracts:
                if c.symbol.lower() == sym:
                    out.append(mark_event(self.market, c))
        return out

    async def _send(self, ws: web.WebSocketResponse, streams: set[str]) -> None:
        for payload in self._payloads(streams):
            await ws.send_str(json.dumps(payload, separators=(",", ":")))

    async def _pusher(self, ws: web.WebSocketResponse, streams: set[str]) -> None:
        loop = asyncio.get_running_loop()
        while not ws.closed:
            # Sleep to the next tick of the cadence so pushes do not drift.
            delay = self.interval_s - (loop.time() % self.interval_s)
            await asyncio.sleep(delay)
            if streams and not ws.closed:
                await self._send(ws, streams)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one websocket connection until the client leaves or the server drops it."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        streams: set[str] = set()
        pusher = asyncio.create_task(self._pusher(ws, streams))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._command(ws, streams, msg.data)
        except ConnectionResetError:
            pass
        # Cancellation (the server stopping) is not swallowed: a handler that returned here
        # would have aiohttp close the socket politely, waiting up to 10 s for the client.
        finally:
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
                await pusher
            self._sockets.discard(ws)
        return ws

    async def _command(self, ws: web.WebSocketResponse, streams: set[str], text: str) -> None:
        try:
            request = json.loads(text)
            method = request.get("method")
            params = [str(p) for p in request.get("params") or []]
            req_id = request.get("id")
        except (ValueError, AttributeError):
            await ws.send_json({"error": {"code": 3, "msg": "Invalid JSON"}})
            return
        if method == "SUBSCRIBE":
            streams.update(params)
            await ws.send_json({"result": None, "id": req_id})
            # The first update follows the answer at once, as Binance's first frame does.
            await self._send(ws, set(params))
        elif method == "UNSUBSCRIBE":
            streams.difference_update(params)
            await ws.send_json({"result": None, "id": req_id})
        elif method == "LIST_SUBSCRIPTIONS":
            await ws.send_json({"result": sorted(streams), "id": req_id})
        else:
            await ws.send_json(
                {"error": {"code": 2, "msg": f"Invalid request: {method}"}, "id": req_id}
            )

    async def drop_all(self) -> int:
        """Close every connection (the ``ws_drop_every_s`` fault); returns how many."""
        sockets = list(self._sockets)
        for ws in sockets:
            with contextlib.suppress(Exception):
                await ws.close(code=1006, message=b"simulated drop")
        return len(sockets)
