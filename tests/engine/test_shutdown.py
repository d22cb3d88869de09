"""Quitting is fast: the simulator and the session close within a bound, whatever the peer does."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

import aiohttp

from tui.engine.session import MarketSession
from tui.sim.scenario import default_scenario_path, load_scenario
from tui.sim.server import SimServer
from tui.store.errors import StoreClosedError

FROZEN = default_scenario_path().with_name("frozen.toml")


async def test_the_sim_stops_at_once_with_a_client_that_never_answers() -> None:
    server = SimServer(load_scenario(FROZEN), stream_interval_s=0.05)
    await server.start()
    async with aiohttp.ClientSession() as http:
        # Subscribed, then silent: nobody reads, so the close handshake is never answered.
        ws = await http.ws_connect(f"{server.url}/fstream.binance.com/ws")
        await ws.send_json({"method": "SUBSCRIBE", "params": ["btcusdt@markPrice@1s"], "id": 1})
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await server.stop()
        assert time.monotonic() - started < 0.5
        await ws.close()


class ClosedStore:
    """A store the app has already flushed and closed (as it does first on quit)."""

    def append_many(self, table: str, rows: list[dict[str, Any]]) -> None:
        raise StoreClosedError("closed")

    def flush(self) -> None:
        raise StoreClosedError("closed")

    def maybe_flush(self) -> None:
        raise StoreClosedError("closed")


async def test_session_close_after_the_store_closed_still_closes_the_client() -> None:
    server = SimServer(load_scenario(FROZEN), stream_interval_s=0.05)
    await server.start()
    try:
        session = MarketSession("binanceusdm", sim_url=server.url, store=ClosedStore())
        await session._connect()
        assert session.exchange is not None
        started = time.monotonic()
        await session.close()
        assert session.exchange is None
        assert time.monotonic() - started < 0.5
    finally:
        await server.stop()


def test_an_event_loop_left_with_live_streams_ends_at_once() -> None:
    """The app's exit tears the loop down with the simulator's streams still open: nothing
    may wait there for a polite close (aiohttp would wait 10 s per socket)."""
    code = f"""
import asyncio
from tui.engine.venues import create_exchange
from tui.sim.scenario import load_scenario
from tui.sim.server import SimServer

async def main():
    server = SimServer(load_scenario({str(FROZEN)!r}), stream_interval_s=0.05)
    await server.start()
    exchange = create_exchange("binanceusdm", sim_url=server.url, pro=True)
    await exchange.load_markets()
    await exchange.watch_mark_price("BTC/USDT:USDT")
    # return with the stream open, the client and the server unclosed

asyncio.run(main())
"""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=30)
    # Python, ccxt and aiohttp start in ~1 s here; the teardown must add next to nothing.
    assert time.monotonic() - started < 4.0
