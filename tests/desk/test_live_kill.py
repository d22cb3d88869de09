"""SIGKILL between sending a live order and booking its answer: after a restart the desk asks
the venue for each unfinished client id, books what it did, and its books equal the venue's
positions — no order sent twice."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from pathlib import Path

import pytest

from tui.desk import Desk
from tui.engine.live import LiveExecutor
from tui.engine.markets import load_market_specs
from tui.engine.venues import create_exchange
from tui.sim.server import SimServer
from tui.store import Store

from ..sim.simkit import CREDENTIALS, FakeWall, frozen_scenario
from .conftest import HandClock

WORKER = Path(__file__).with_name("live_kill_worker.py")
ROOT = Path(__file__).resolve().parents[2]
RUNS = 6


async def kill_mid_confirm(data_dir: Path, url: str, delay: float) -> bool:
    """Run the worker, kill it ``delay`` s after it is ready; whether it had finished."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), str(data_dir), url,
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.stdout is not None
    assert await asyncio.wait_for(proc.stdout.readline(), 60) == b"ready\n"
    await asyncio.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = await proc.communicate()
    return b"done" in out


@pytest.mark.long  # started first by the workers (tests/conftest.py)
async def test_sigkill_between_send_and_booking_is_reconciled_by_client_id(tmp_path):
    rng = random.Random(11)
    interrupted = 0
    for run in range(RUNS):
        # 15 ms on every answer: the confirm (margin mode, leverage, two orders) takes long
        # enough for a kill to land between a request and the booking of its answer.
        scenario = frozen_scenario(speed=0.0)
        scenario = scenario.model_copy(
            update={"faults": scenario.faults.model_copy(update={"latency_ms": 15.0})}
        )
        async with SimServer(scenario, wall_clock=FakeWall()) as sim:
            data_dir = tmp_path / f"d{run}"
            interrupted += not await kill_mid_confirm(data_dir, sim.url, rng.uniform(0.0, 0.12))
            exchange = create_exchange("binanceusdm", sim_url=sim.url, credentials=CREDENTIALS)
            exchange.enableRateLimit = False
            try:
                specs = await load_market_specs(exchange, ["BTC", "ETH"])
                clock = HandClock()
                with Store.open(data_dir) as store:
                    desk = Desk(store, LiveExecutor(exchange, "binanceusdm", specs),
                                venue="binanceusdm", clock=clock, settle_funding=False)  # fmt: skip
                    desk.set_markets(specs)
                    notes = await desk.restore()
                    venue = await desk.executor.positions()
                    assert desk.net_contracts() == venue, notes
                    assert not any(n.startswith("difference") for n in notes), notes
                    ids = [o.client_id for o in sim.account.orders.values()]
                    assert len(ids) == len(set(ids)), "an order was sent twice"
                    orders = store.read("orders").to_dicts()
                    assert {o["status"] for o in orders} <= {"filled", "failed"}
                    fills = store.read("fills").to_dicts()
                    assert len(fills) == len(ids)  # every order the venue filled is booked once
            finally:
                await exchange.close()
    print(f"{interrupted} of {RUNS} kills landed before the last fill was booked")
    assert interrupted >= 2
