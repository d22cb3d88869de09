"""ccxt.pro mark price streams against the simulator, and every injected fault seen by ccxt."""

from __future__ import annotations

import asyncio
from typing import Any

import ccxt
import pytest
from simkit import FakeWall

from tui.engine.venues import create_exchange
from tui.sim.faults import FaultInjector
from tui.sim.scenario import Faults
from tui.sim.server import SimServer

START_MS = 1_767_571_200_000
HOUR_MS = 3_600_000


async def test_watch_mark_price_carries_funding(pro_exchange: Any) -> None:
    ticker = await pro_exchange.watch_mark_price("BTC/USDT:USDT")
    assert ticker["markPrice"] == 50000.0 and ticker["indexPrice"] == 50000.0
    info = ticker["info"]
    assert info["e"] == "markPriceUpdate" and info["s"] == "BTCUSDT"
    assert float(info["r"]) == 0.0001 and info["T"] == START_MS + 8 * HOUR_MS


async def test_watch_mark_prices_all_and_some(pro_exchange: Any) -> None:
    every = await pro_exchange.watch_mark_prices()
    assert set(every) == {"BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "DOGE/USDT:USDT"}
    assert every["SOL/USDT:USDT"]["info"]["T"] == START_MS + 4 * HOUR_MS
    seen: set[str] = set()
    for _ in range(6):
        some = await pro_exchange.watch_mark_prices(["ETH/USDT:USDT", "DOGE/USDT:USDT"])
        seen |= set(some)
    assert seen == {"ETH/USDT:USDT", "DOGE/USDT:USDT"}


async def test_watch_ticker_streams_24h_tickers(pro_exchange: Any) -> None:
    ticker = await pro_exchange.watch_ticker("ETH/USDT:USDT", {"name": "ticker"})
    assert ticker["symbol"] == "ETH/USDT:USDT" and ticker["last"] == 2500.0
    assert ticker["open"] == 2500.0 and ticker["timestamp"] == START_MS
    assert ticker["info"]["e"] == "24hrTicker" and ticker["info"]["s"] == "ETHUSDT"
    # USDⓈ-M tickers carry no best bid/ask, as on Binance (bookTicker has them).
    assert ticker["bid"] is None and ticker["ask"] is None
    # ccxt's default is the mini ticker stream.
    mini = await pro_exchange.watch_ticker("BTC/USDT:USDT")
    assert mini["info"]["e"] == "24hrMiniTicker" and mini["last"] == 50000.0


async def test_a_stream_the_simulator_does_not_serve_is_refused(pro_exchange: Any) -> None:
    # Depth updates are not streamed: the subscription is refused, not left silent.
    with pytest.raises(ccxt.ExchangeError, match="does not serve"):
        await asyncio.wait_for(pro_exchange.watch_trades("BTC/USDT:USDT"), 5)
    # The connection stays usable for what is served.
    ticker = await pro_exchange.watch_mark_price("BTC/USDT:USDT")
    assert ticker["markPrice"] == 50000.0


async def test_stream_keeps_pushing_at_the_sim_time(pro_exchange: Any, wall: FakeWall) -> None:
    first = await pro_exchange.watch_mark_price("ETH/USDT:USDT")
    wall.advance(5.0)
    # A later push (the fixture streams every 0.2 s) carries the sim time it was made at.
    second = await pro_exchange.watch_mark_price("ETH/USDT:USDT")
    assert second["timestamp"] == first["timestamp"] + 5000


async def test_ws_drop_rejects_the_watch_and_the_next_one_reconnects(
    pro_exchange: Any, sim: SimServer
) -> None:
    await pro_exchange.watch_mark_price("BTC/USDT:USDT")
    sim.set_faults(ws_drop_every_s=0.1)
    with pytest.raises(ccxt.NetworkError):
        for _ in range(20):
            await pro_exchange.watch_mark_price("BTC/USDT:USDT")
    sim.set_faults()
    ticker = await pro_exchange.watch_mark_price("BTC/USDT:USDT")
    assert ticker["markPrice"] == 50000.0
    assert sim.streams.connections == 1


async def test_429_is_ddos_protection_and_recovers(exchange: Any, sim: SimServer) -> None:
    sim.set_faults(Faults(rate_limit_every=1))
    with pytest.raises(ccxt.DDoSProtection, match="429"):
        await exchange.fetch_time()
    sim.set_faults(Faults(rate_limit_every=2))
    outcomes = []
    for _ in range(4):
        try:
            await exchange.fetch_time()
            outcomes.append("ok")
        except ccxt.DDoSProtection:
            outcomes.append("429")
    assert outcomes == ["ok", "429", "ok", "429"]
    sim.set_faults()
    assert await exchange.fetch_time() == START_MS


async def test_server_error_is_a_ccxt_error(exchange: Any, sim: SimServer) -> None:
    sim.set_faults(error_rate=1.0)
    with pytest.raises(ccxt.BaseError, match="-1001"):
        await exchange.fetch_time()
    sim.set_faults()
    assert await exchange.fetch_time() == START_MS


async def test_malformed_body(exchange: Any, sim: SimServer) -> None:
    """ccxt does not raise on a truncated 200 body: it hands back the raw text, so parsed
    calls would come back empty. The request gate of every client `create_exchange` makes
    (tui.engine.gate) refuses such a body instead: a garbled answer is a failed request."""
    await exchange.load_markets()
    sim.set_faults(malformed_rate=1.0)
    for call in (exchange.fetch_time, exchange.fetch_funding_rates, exchange.fetch_tickers):
        with pytest.raises(ccxt.BadResponse, match="garbled"):
            await call()
    sim.set_faults()
    assert (await exchange.fetch_funding_rates())["BTC/USDT:USDT"]["fundingRate"] == 0.0001


async def test_latency_delays_each_answer() -> None:
    # The delay asked for is checked, not a stopwatch: no test times itself.
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    injector = FaultInjector(Faults(latency_ms=150), seed=7, sleep=sleep)
    assert await injector.before() is None  # delayed, then answered normally
    assert await injector.before() is None
    assert delays == [0.15, 0.15]
    injector.set(Faults())
    assert await injector.before() is None
    assert delays == [0.15, 0.15]


async def test_latency_is_survived_by_ccxt(exchange: Any, sim: SimServer) -> None:
    sim.set_faults(latency_ms=150)
    assert await exchange.fetch_time() == START_MS
    sim.set_faults()
    assert await exchange.fetch_time() == START_MS


async def test_scenario_faults_apply_from_the_start(wall: FakeWall) -> None:
    from simkit import frozen_scenario

    scenario = frozen_scenario()
    scenario = scenario.model_copy(update={"faults": Faults(rate_limit_every=1)})
    async with SimServer(scenario, wall_clock=wall) as sim:
        ex = create_exchange("binanceusdm", sim_url=sim.url)
        try:
            with pytest.raises((ccxt.RateLimitExceeded, ccxt.DDoSProtection)):
                await ex.fetch_time()
        finally:
            await ex.close()


async def test_server_binds_loopback_only() -> None:
    from simkit import frozen_scenario

    with pytest.raises(ValueError, match="loopback"):
        SimServer(frozen_scenario(), host="0.0.0.0")
    async with SimServer(frozen_scenario()) as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        await asyncio.sleep(0)


async def test_routes_ignore_the_host_segment_and_unknown_paths_are_404(sim: SimServer) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sim.url}/any.host.example/fapi/v1/time") as resp:
            assert resp.status == 200 and (await resp.json())["serverTime"] == START_MS
        async with http.get(f"{sim.url}/fapi.binance.com/fapi/v1/nothing") as resp:
            assert resp.status == 404 and (await resp.json())["code"] == -1000
        async with http.post(f"{sim.url}/fapi.binance.com/fapi/v1/time") as resp:
            assert resp.status == 405


async def test_serve_forever_prints_its_url_and_stops_when_cancelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from simkit import frozen_scenario

    from tui.sim.server import serve_forever

    task = asyncio.create_task(serve_forever(frozen_scenario(speed=0), 0))
    for _ in range(100):
        await asyncio.sleep(0.01)
        out = capsys.readouterr().out
        if out:
            break
    assert out.count("\n") == 1 and "http://127.0.0.1:" in out
    url = out.split()[out.split().index("on") + 1]
    ex = create_exchange("binanceusdm", sim_url=url)
    try:
        assert await ex.fetch_time() == START_MS  # the scenario's clock, stopped
    finally:
        await ex.close()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
