"""Run by ``test_live_kill.py``: confirm the worked example live against a simulator that the
parent process serves, until SIGKILLed. Usage: ``python live_kill_worker.py DATA_DIR SIM_URL``.
Prints ``ready`` once the proposal is made and ``done`` once every fill is booked."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from tests.core.test_planner import FIFTY_FIFTY
from tests.desk.conftest import T0, HandClock
from tests.desk.test_life import SPEC
from tests.sim.simkit import CREDENTIALS
from tui.core.planner import plan_tilt
from tui.desk import Desk
from tui.engine.live import LiveExecutor
from tui.engine.markets import load_market_specs
from tui.engine.quotes import fetch_quotes
from tui.engine.venues import create_exchange
from tui.store import Store


async def main(data_dir: Path, url: str) -> None:
    exchange = create_exchange("binanceusdm", sim_url=url, credentials=CREDENTIALS)
    exchange.enableRateLimit = False
    clock = HandClock(T0)
    store = Store.open(data_dir)
    specs = await load_market_specs(exchange, ["BTC", "ETH"])
    desk = Desk(store, LiveExecutor(exchange, "binanceusdm", specs, leverage=5), venue="binanceusdm",
                clock=clock, settle_funding=False, received_now=clock, tilt_ids=lambda _n: "K1")  # fmt: skip
    desk.set_markets(specs)
    desk.observe(await fetch_quotes(exchange, specs, received_at=T0))
    plan = plan_tilt(FIFTY_FIFTY, SPEC, specs.values(), desk.quotes, venue="sim", now=T0,
                     collateral_usd=1e5)  # fmt: skip
    proposal = desk.propose(plan, SPEC)
    print("ready", flush=True)
    await desk.confirm(proposal)
    print("done", flush=True)
    time.sleep(30)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
