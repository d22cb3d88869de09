"""Run by ``test_kill.py``: confirm the worked example on paper, slowly, until SIGKILLed.

Usage: ``python kill_worker.py DATA_DIR SEED``. Prints ``ready`` once the proposal is made
(the parent then kills it after a random delay), ``done`` once every fill is booked.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

from tests.core.test_planner import FIFTY_FIFTY
from tests.desk.conftest import MARKETS, T0, HandClock, book
from tests.desk.test_life import SPEC
from tui.core.planner import plan_tilt
from tui.desk import Desk
from tui.engine.paper import PaperExecutor
from tui.store import Store


class SlowPaper(PaperExecutor):
    """Paper that takes a few random milliseconds before and after each fill."""

    def __init__(self, *args: object, rng: random.Random, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.rng = rng

    async def submit(self, intent, quote):  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.rng.uniform(0.0, 0.012))
        execution = self.fill(intent, quote)
        await asyncio.sleep(self.rng.uniform(0.0, 0.012))
        return execution


async def main(data_dir: Path, seed: int) -> None:
    clock = HandClock(T0)
    store = Store.open(data_dir)
    paper = SlowPaper(store, "sim", MARKETS, clock=clock, rng=random.Random(seed))
    desk = Desk(
        store, paper, venue="sim", clock=clock, tilt_ids=lambda _now: f"T{seed}", received_now=clock
    )
    desk.set_markets(MARKETS)
    await desk.restore()
    desk.observe(
        book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0002, next_funding=T0 + timedelta(hours=8))
    )
    plan = plan_tilt(
        FIFTY_FIFTY, SPEC, MARKETS.values(), desk.quotes, venue="sim", now=T0, collateral_usd=1e5
    )
    proposal = desk.propose(plan, SPEC)
    print("ready", flush=True)
    await desk.confirm(proposal)
    print("done", flush=True)
    time.sleep(30)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
