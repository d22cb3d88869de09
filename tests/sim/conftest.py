"""Shared fixtures of the simulator tests: a frozen scenario, a running server, ccxt clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
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
    try:
        yield ex
    finally:
        await ex.close()


@pytest.fixture
async def pro_exchange(sim: SimServer) -> AsyncIterator[Any]:
    """The real ccxt.pro binanceusdm client pointed at the simulator."""
    ex = create_exchange("binanceusdm", sim_url=sim.url, pro=True)
    try:
        yield ex
    finally:
        await ex.close()
