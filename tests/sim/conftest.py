"""Shared fixtures of the simulator tests: a frozen scenario, a running server, ccxt clients."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

# The helpers live beside this file under a name no other test directory uses.
sys.path.insert(0, str(Path(__file__).parent))

from simkit import CREDENTIALS, FakeWall, frozen_scenario

from tui.engine.venues import create_exchange
from tui.sim.server import SimServer


@pytest.fixture
def wall() -> FakeWall:
    return FakeWall()


@pytest.fixture
async def sim(wall: FakeWall) -> AsyncIterator[SimServer]:
    """The frozen scenario served on loopback; its clock moves only with ``wall``."""
    async with SimServer(frozen_scenario(), stream_interval_s=0.2, wall_clock=wall) as server:
        yield server


@pytest.fixture
async def exchange(sim: SimServer) -> AsyncIterator[Any]:
    """The real ccxt binanceusdm client pointed at the simulator, with the demo keys."""
    ex = create_exchange("binanceusdm", sim_url=sim.url, credentials=CREDENTIALS)
    # ccxt's own throttle (weight 10 = 0.5 s for premiumIndex) only slows a loopback test.
    ex.enableRateLimit = False
    try:
        yield ex
    finally:
        await ex.close()


@pytest.fixture
async def pro_exchange(sim: SimServer) -> AsyncIterator[Any]:
    """The real ccxt.pro binanceusdm client pointed at the simulator."""
    ex = create_exchange("binanceusdm", sim_url=sim.url, pro=True)
    ex.enableRateLimit = False
    try:
        yield ex
    finally:
        await ex.close()
