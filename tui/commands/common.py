"""What the headless commands share: opening a venue (live or the in-process simulator)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.engine.venues import SIM_CREDENTIALS, SIM_VENUE, create_exchange

#: Exit code for bad input (a file, a flag, a value).
EXIT_INPUT = 2
#: Exit code when the venue could not be reached or answered with an error.
EXIT_VENUE = 1


def fail(message: str, code: int = EXIT_INPUT) -> int:
    """Print one line to stderr and return the exit code."""
    print(f"porting-alpha: {message}", file=sys.stderr)
    return code


@dataclass
class VenueHandle:
    """An open ccxt client and where it points."""

    venue: str
    exchange: Any
    sim_url: str | None = None


@asynccontextmanager
async def open_venue(
    *, demo: bool, venue: str, scenario: Path | None = None, pro: bool = False
) -> AsyncIterator[VenueHandle]:
    """Open a client on ``venue`` or, with ``demo``, on a simulator started in-process.

    The simulator is stopped and the client closed on exit, whatever happened.
    """
    if not demo:
        exchange = create_exchange(venue, pro=pro)
        try:
            yield VenueHandle(venue, exchange)
        finally:
            await exchange.close()
        return
    from tui.core.errors import InputError
    from tui.sim.scenario import ScenarioError, default_scenario_path, load_scenario
    from tui.sim.server import SimServer

    try:
        loaded = load_scenario(scenario or default_scenario_path())
    except ScenarioError as err:
        raise InputError(str(err)) from None
    server = SimServer(loaded)
    url = await server.start()
    exchange = create_exchange(SIM_VENUE, sim_url=url, pro=pro, credentials=SIM_CREDENTIALS)
    try:
        yield VenueHandle(SIM_VENUE, exchange, url)
    finally:
        await exchange.close()
        await server.stop()
