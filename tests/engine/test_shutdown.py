"""Quitting never waits on a peer: the simulator and the session close whatever the peer does.

These are hang guards, not budgets: the defects they keep out waited ten seconds per socket
(aiohttp's polite close), so each bound is half that. How fast quitting is, is measured by
``porting-alpha bench`` (``quit_s``), not here."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import aiohttp

from tui.engine.session import MarketSession
from tui.sim.scenario import default_scenario_path, load_scenario
from tui.sim.server import SimServer
from tui.store.errors import StoreClosedError

FROZEN = default_scenario_path().with_name("frozen.toml")
#: Half of the ten seconds the defects waited: a hang guard, not a budget.
HANG_S = 5.0


async def test_the_sim_stops_at_once_with_a_client_that_never_answers() -> None:
    server = SimServer(load_scenario(FROZEN), stream_interval_s=0.05)
    await server.start()
    async with aiohttp.ClientSession() as http:
        # Subscribed, then silent: nobody reads, so the close handshake is never answered.
        ws = await http.ws_connect(f"{server.url}/fstream.binance.com/ws")
        await ws.send_json({"method": "SUBSCRIBE", "params": ["btcusdt@markPrice@1s"], "id": 1})
        await asyncio.sleep(0.2)
        await asyncio.wait_for(server.stop(), HANG_S)  # not aiohttp's 10 s wait for the peer
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
        await asyncio.wait_for(session.close(), HANG_S)
        assert session.exchange is None
    finally:
        await server.stop()


def test_an_event_loop_left_with_live_streams_ends_at_once() -> None:
    """The app's exit tears the loop down with the simulator's streams still open: nothing
    may wait there for a polite close (aiohttp would wait 10 s per socket)."""
    code = f"""
import asyncio
import atexit
import time
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
    global returned
    returned = time.monotonic()

returned = None
atexit.register(lambda: print(time.monotonic() - returned))
asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60
    )
    # The teardown alone (after main returned, to the interpreter's exit): not a wait of
    # aiohttp's 10 s per socket.
    assert float(done.stdout.split()[-1]) < HANG_S
