"""A plain `MarketSession` on Binance runs the all-market stream (``!markPrice@arr@1s``): the
listener hears every perpetual of the venue, the store records only the markets followed,
and the bench's `AllMarketSession` records them all."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tui.engine.events import MarketsLoaded, QuotesUpdated
from tui.engine.health import Pacing
from tui.engine.session import MarketSession
from tui.engine.stream_all import AllMarketSession
from tui.sim.scenario import load_scenario
from tui.sim.server import SimServer
from tui.sim.tape import scaled_scenario
from tui.store import Store

from .conftest import FROZEN, OUR_CLOCK, Recorder

PERPS = 80


async def _run(session: MarketSession, events: Recorder, perps: set[str]) -> None:
    task = asyncio.create_task(session.run(events))
    try:

        def heard() -> set[str]:
            return {s for e in events.of(QuotesUpdated) for s in e.quotes}

        await events.wait_for(lambda: perps <= heard(), timeout=30)
        await events.wait_for(lambda: session.health["stream"].state == "live", timeout=10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_session_hears_the_whole_venue_and_records_the_followed(tmp_path: Path) -> None:
    scenario = scaled_scenario(load_scenario(FROZEN), PERPS)
    perps = {f"{a.name}/USDT:USDT" for a in scenario.assets}
    async with SimServer(scenario, stream_interval_s=0.05, wall_clock=lambda: 0.0) as sim:
        for session_type, data in ((MarketSession, "one"), (AllMarketSession, "all")):
            with Store.open(tmp_path / data) as store:
                kwargs = {"follow_all": True} if session_type is AllMarketSession else {}
                session = session_type(
                    "binanceusdm",
                    sim_url=sim.url,
                    assets=["ETH"],
                    store=store,
                    poll_seconds=0.2,
                    pacing=Pacing(stale_floor_s=1.0),
                    wall_clock=lambda: OUR_CLOCK,
                    **kwargs,
                )
                events = Recorder()
                await _run(session, events, perps)
                listed = events.of(MarketsLoaded)[-1].listed
                assert set(listed) == perps  # every perp of the venue, for the feeds view
                assert perps <= set(session.quotes)
                recorded = set(store.read("quotes")["symbol"])
                funding = set(store.read("funding")["symbol"])
            if session_type is MarketSession:
                # The stream's other perps are shown, not kept: ETH's markets only.
                assert "ETH/USDT:USDT" in recorded
                assert {s.split("/")[0] for s in recorded} == {"ETH"}
                assert funding == {"ETH/USDT:USDT"}
            else:
                assert perps <= recorded and funding == perps
