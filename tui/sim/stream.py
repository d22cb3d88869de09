"""The websocket side: Binance's mark price and ticker streams, as ccxt.pro subscribes to them.

ccxt.pro connects to ``.../market/ws/<n>`` and sends ``{"method": "SUBSCRIBE", "params":
["btcusdt@markPrice@1s"], "id": 1}``; the answer is ``{"result": null, "id": 1}``, then
``markPriceUpdate`` events (a list of them for ``!markPrice@arr@1s``) at the stream cadence.
``<symbol>@ticker`` streams ``24hrTicker`` events and ``<symbol>@miniTicker``
``24hrMiniTicker`` ones (what ccxt's ``watch_ticker`` subscribes to by default). A subscription to any other stream is
refused with ``{"error": {"code": 2, "msg": ...}, "id": 1}`` and nothing of it is kept: a
client waiting on a stream the simulator does not serve is told so instead of hearing nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSMsgType, web

from tui.sim.market import Contract, SimMarket
from tui.sim.public import ticker_24h_entry


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


def ticker_event(market: SimMarket, contract: Contract) -> dict[str, Any]:
    """One ``24hrTicker`` event of USDⓈ-M futures (no best bid/ask, as on Binance)."""
    row = ticker_24h_entry(market, contract)
    return {
        "e": "24hrTicker",
        "E": row["closeTime"],
        "s": contract.symbol,
        "p": row["priceChange"],
        "P": row["priceChangePercent"],
        "w": row["weightedAvgPrice"],
        "c": row["lastPrice"],
        "Q": row["lastQty"],
        "o": row["openPrice"],
        "h": row["highPrice"],
        "l": row["lowPrice"],
        "v": row["volume"],
        "q": row["quoteVolume"],
        "O": row["openTime"],
        "C": row["closeTime"],
        "F": row["firstId"],
        "L": row["lastId"],
        "n": row["count"],
    }


def mini_ticker_event(market: SimMarket, contract: Contract) -> dict[str, Any]:
    """One ``24hrMiniTicker`` event: the ticker's close, open, high, low and volumes."""
    full = ticker_event(market, contract)
    return {key: full[key] for key in ("E", "s", "c", "o", "h", "l", "v", "q")} | {
        "e": "24hrMiniTicker"
    }


#: Per-symbol channels served, by their lower-cased name.
CHANNELS = ("markprice", "ticker", "miniticker")


def _channel(name: str) -> tuple[str, str]:
    """``btcusdt@markPrice@1s`` → (``btcusdt``, ``markprice``); ``!markPrice@arr`` → (``!``,
    ``markprice@arr``)."""
    key = name.lower()
    if key.startswith("!markprice@arr"):
        return "!", "markprice@arr"
    sym, _, channel = key.partition("@")
    if channel in ("markprice", "markprice@1s"):
        return sym, "markprice"
    return sym, channel


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

    def served(self, name: str) -> bool:
        """Whether the simulator streams ``name``: ``!markPrice@arr[@1s]``, or
        ``<symbol>@markPrice[@1s]`` / ``@ticker`` / ``@miniTicker`` of a listed contract."""
        sym, channel = _channel(name)
        if sym == "!":
            return name.lower() in ("!markprice@arr", "!markprice@arr@1s")
        if channel not in CHANNELS:
            return False
        return any(c.symbol.lower() == sym for c in self.market.contracts())

    def _payloads(self, streams: set[str]) -> list[Any]:
        out: list[Any] = []
        contracts = self.market.contracts()
        for name in sorted(streams):
            sym, channel = _channel(name)
            if sym == "!":
                out.append([mark_event(self.market, c) for c in contracts if c.perpetual])
                continue
            for c in contracts:
                if c.symbol.lower() != sym:
                    continue
                if channel == "ticker":
                    out.append(ticker_event(self.market, c))
                elif channel == "miniticker":
                    out.append(mini_ticker_event(self.market, c))
                else:
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
            refused = [p for p in params if not self.served(p)]
            if refused:
                # Nothing of a refused request is kept, as Binance keeps nothing of it.
                msg = (
                    f"Invalid request: the simulator does not serve {', '.join(refused)} "
                    "(it streams <symbol>@markPrice, !markPrice@arr, <symbol>@ticker and "
                    "<symbol>@miniTicker)"
                )
                await ws.send_json({"error": {"code": 2, "msg": msg}, "id": req_id})
                return
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
