"""The all-market tape: a scenario scaled to a venue's worth of perpetuals, its sparse
factor and per-group history, and its ``!markPrice@arr`` frames read by real ccxt.pro."""

from __future__ import annotations

import asyncio
import contextlib
import math
from datetime import UTC, datetime
from typing import Any

from simkit import FakeWall

from tui.engine.stream_all import AllMarketSession, watch_all_marks
from tui.engine.venues import create_exchange
from tui.sim.linalg import cholesky
from tui.sim.market import SimMarket, independent_blocks
from tui.sim.scenario import DEFAULT_SCENARIO, FROZEN_SCENARIO, load_scenario
from tui.sim.server import SimServer
from tui.sim.tape import SYNTHETIC_PREFIX, scaled_scenario

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def textbook_cholesky(matrix: list[list[float]]) -> list[list[float]]:
    """The dense O(n³) loop the simulator used before; the sparse one must equal it."""
    n = len(matrix)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            acc = sum(low[i][k] * low[j][k] for k in range(j))
            if i == j:
                low[i][j] = math.sqrt(matrix[i][i] - acc)
            else:
                low[i][j] = (matrix[i][j] - acc) / low[j][j]
    return low


def correlations(scenario: Any) -> list[list[float]]:
    names = [a.name for a in scenario.assets]
    return [[scenario.correlation.between(a, b) for b in names] for a in names]


def test_sparse_factor_equals_the_textbook_one_to_the_bit() -> None:
    for path in (DEFAULT_SCENARIO, FROZEN_SCENARIO):
        matrix = correlations(load_scenario(path, now=NOW))
        assert cholesky(matrix) == textbook_cholesky(matrix)
    # Two correlated groups and independent assets between them, fill-in included.
    matrix = [[1.0 if i == j else 0.0 for j in range(7)] for i in range(7)]
    for a, b, rho in ((0, 2, 0.6), (2, 5, 0.3), (0, 5, 0.2), (1, 6, -0.4)):
        matrix[a][b] = matrix[b][a] = rho
    assert cholesky(matrix) == textbook_cholesky(matrix)
    assert independent_blocks(
        [[(k, w) for k, w in enumerate(row[:i]) if w] for i, row in enumerate(cholesky(matrix))]
    ) == [[0, 2, 5], [1, 6], [3], [4]]


def test_scaled_scenario_keeps_the_base_and_adds_independent_perpetuals() -> None:
    base = load_scenario(DEFAULT_SCENARIO, now=NOW)
    scaled = scaled_scenario(base, 300)
    names = [a.name for a in scaled.assets]
    assert len(names) == len(set(names)) == 300
    assert names[: len(base.assets)] == [a.name for a in base.assets]
    assert all(n.startswith(SYNTHETIC_PREFIX) for n in names[len(base.assets) :])
    assert scaled.correlation.between("BTC", "ETH") == base.correlation.between("BTC", "ETH")
    assert scaled.correlation.between("ETH", "BNB") == base.correlation.default
    assert scaled.correlation.between("BTC", names[-1]) == 0.0
    assert [f.symbol for f in scaled.futures] == [f.symbol for f in base.futures]
    assert scaled_scenario(base, 300) == scaled  # drawn from the seed only


def test_one_assets_history_walks_only_its_group() -> None:
    """Asking BTC's past of a 300-symbol venue generates the history of BTC's correlated
    group, not of every listed coin (it used to walk all of them jointly: minutes of CPU
    at a venue's size); the base group's history is the one the base scenario has."""
    base = load_scenario(DEFAULT_SCENARIO, now=NOW)
    wall = FakeWall()
    scaled_market = SimMarket(scaled_scenario(base, 300), wall)
    base_market = SimMarket(base, wall)
    minute = scaled_market.start_ms - 3 * 86_400_000
    assert scaled_market.minute_close("BTC", minute) == base_market.minute_close("BTC", minute)
    assert scaled_market._blocks[0] == list(range(len(base.assets)))
    synthetic = scaled_market._index[f"{SYNTHETIC_PREFIX}0001"]
    assert len(scaled_market._back[synthetic]) == 0
    assert scaled_market.minute_close(f"{SYNTHETIC_PREFIX}0001", minute) is not None
    assert len(scaled_market._back[synthetic]) > 0


async def test_the_all_market_frame_carries_every_perpetual_through_ccxt() -> None:
    base = load_scenario(FROZEN_SCENARIO)
    scenario = scaled_scenario(base, 120)
    async with SimServer(scenario, stream_interval_s=0.05) as sim:
        exchange = create_exchange("binanceusdm", sim_url=sim.url, pro=True)
        try:
            await exchange.load_markets()
            got: list[dict[str, Any]] = []

            def on_quotes(quotes: dict[str, Any]) -> None:
                got.append(quotes)
                if len(got) == 2:
                    raise StopAsyncIteration

            with contextlib.suppress(StopAsyncIteration):
                await asyncio.wait_for(
                    watch_all_marks(exchange, on_quotes, received_now=lambda: NOW), 20
                )
        finally:
            await exchange.close()
    perps = {f"{a.name}/USDT:USDT" for a in scenario.assets}
    assert set(got[-1]) == perps
    btc = got[-1]["BTC/USDT:USDT"]
    assert btc.mark is not None and btc.index is not None and btc.funding_rate is not None
    assert btc.received_at == NOW


async def test_all_market_session_shows_every_perp_and_records_all_or_the_followed() -> None:
    scenario = scaled_scenario(load_scenario(FROZEN_SCENARIO), 60)
    async with SimServer(scenario, stream_interval_s=0.05) as sim:
        for follow_all, expected in ((True, 60), (False, 60)):
            session = AllMarketSession(
                "binanceusdm", sim_url=sim.url, assets=["ETH"], follow_all=follow_all
            )
            seen: set[str] = set()

            def listener(event: Any, seen: set[str] = seen) -> None:
                seen.update(getattr(event, "quotes", {}) or {})

            session._emit = listener
            await session._connect()
            stream = asyncio.create_task(session._stream_loop())

            async def three_frames(session: AllMarketSession = session, n: int = expected) -> None:
                while session.stream_ticks < 3 * n:
                    await asyncio.sleep(0.02)

            try:
                await asyncio.wait_for(three_frames(), 20)
            finally:
                stream.cancel()
                await asyncio.gather(stream, return_exceptions=True)
                await session.close()
            assert len(seen) == expected
            kept = {q.symbol for q in session._recorded(session.quotes)[0]}
            assert kept == (seen if follow_all else {"ETH/USDT:USDT"})


def test_a_streamed_quote_merges_over_the_polled_one_field_by_field() -> None:
    from tui.core.models import Quote
    from tui.engine.quotes import merge_quote

    polled = Quote(symbol="BTC/USDT:USDT", mark=1.0, index=1.0, bid=0.9, ask=1.1, received_at=NOW)
    later = NOW.replace(hour=1)
    streamed = Quote(symbol="other", mark=2.0, funding_rate=0.0001, received_at=later)
    merged = merge_quote(polled, streamed)
    assert merged.model_dump() == {
        **polled.model_dump(),
        "mark": 2.0,
        "funding_rate": 0.0001,
        "received_at": later,
    }
    assert merge_quote(None, streamed) is streamed
