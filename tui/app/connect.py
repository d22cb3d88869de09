"""Opening the market session for the app: the in-process simulator (``--demo``) and the feed.

Imported only from the feeds worker, after the first frame: the simulator pulls in aiohttp
and the session pulls in ccxt (≈ 0.8 s), neither of which the first frame should wait for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tui.core.models import utc_from_ms
from tui.settings import LaunchOptions


@dataclass
class RunningSim:
    """The started simulator, its URL and its clock (sim time, not wall time)."""

    server: Any
    url: str
    clock: Callable[[], datetime] | None

    async def stop(self) -> None:
        """Stop serving."""
        await self.server.stop()


async def start_sim(options: LaunchOptions) -> RunningSim:
    """Start the simulated exchange on loopback from ``--scenario`` (or the bundled one)."""
    from tui.sim.scenario import default_scenario_path, load_scenario
    from tui.sim.server import SimServer

    scenario = load_scenario(options.scenario or default_scenario_path())
    server = SimServer(scenario)
    url = await server.start()
    market = server.market

    def sim_clock() -> datetime:
        moment = utc_from_ms(market.now_ms())
        assert moment is not None
        return moment

    return RunningSim(server, url, sim_clock)


async def open_session(
    options: LaunchOptions,
    factory: Callable[..., Any] | None,
    assets: Iterable[str],
    store: Any,
    *,
    wall_clock: Callable[[], float] | None = None,
) -> tuple[Any, RunningSim | None]:
    """(session, simulator or ``None``): the session is ready to ``run``."""
    sim = await start_sim(options) if options.demo else None
    if factory is None:
        from tui.engine.session import MarketSession

        factory = MarketSession
    venue = "binanceusdm" if options.demo else options.venue
    from tui.engine.venues import SIM_CREDENTIALS

    # Binance publishes its margin brackets only to API keys: the simulator's demo keys in
    # the demo, the trader's under --live (read from the environment or keyring, never kept
    # anywhere else). Paper on the live venue reads no keys and plans on the fallback table.
    credentials = SIM_CREDENTIALS if options.demo else None
    if options.live and not options.demo:
        from tui.engine.keys import venue_keys

        credentials = venue_keys(venue)
    poll = options.settings.poll_seconds
    extra: dict[str, Any] = {} if wall_clock is None else {"wall_clock": wall_clock}
    session = factory(
        venue,
        sim_url=sim.url if sim else None,
        assets=list(assets),
        store=store,
        credentials=credentials,
        poll_seconds=poll,
        **extra,
    )
    return session, sim
