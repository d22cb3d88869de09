"""A venue's worth of perpetuals: a scenario scaled to N symbols for the all-market stream.

Binance lists some 550 USDⓈ-M perpetuals and streams them all in one ``!markPrice@arr@1s``
frame a second. `scaled_scenario` keeps a scenario's assets (and their correlations) and adds
synthetic independent ones (``X0001``, ``X0002``…) up to N; `serve_tape` serves it with the
stream cadence of one's choosing. ``python -m tui.sim.tape --symbols 1000 --interval 0.1``
runs it standalone (it prints its URL), which is how ``porting-alpha bench`` uses it: the
venue in a process of its own, as a real venue is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
from typing import Any

from tui.sim.scenario import Scenario, default_scenario_path, load_scenario

#: Synthetic assets are named ``X0001``…: no listed coin is, so they never clash.
SYNTHETIC_PREFIX = "X"


def scaled_scenario(base: Scenario, symbols: int) -> Scenario:
    """``base`` with synthetic perpetuals added until it lists ``symbols`` of them.

    The base assets keep their pairwise correlations (written out as explicit pairs); the
    synthetic ones are independent of everything, so the walk stays O(N) per step. Prices
    spread log-uniformly from 0.001 to 10,000 USD, drawn from the scenario's seed.
    """
    data = base.model_dump(by_alias=True, exclude={"faults"})
    names = [a.name for a in base.assets]
    pairs = {
        f"{a}-{b}": base.correlation.between(a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if base.correlation.between(a, b) != 0.0
    }
    data["correlation"] = {"default": 0.0, "pairs": pairs}
    rng = random.Random(f"{base.seed}:tape")
    assets: list[dict[str, Any]] = list(data["asset"])
    for k in range(1, max(0, symbols - len(assets)) + 1):
        price = 10.0 ** rng.uniform(-3.0, 4.0)
        step = 10.0 ** math.floor(math.log10(10.0 / price))  # about 10 USD a lot step
        assets.append(
            {
                "name": f"{SYNTHETIC_PREFIX}{k:04d}",
                "price": round(price, 8),
                "vol": round(rng.uniform(0.4, 1.2), 3),
                "funding_rate": round(rng.uniform(-0.0002, 0.0004), 6),
                "funding_interval_hours": rng.choice((4, 8, 8, 8)),
                "amount_step": min(1e6, max(1e-12, step)),
                "min_notional": 5.0,
            }
        )
    data["asset"] = assets
    return Scenario.model_validate(data)


async def serve_tape(symbols: int, interval_s: float, port: int = 0) -> None:
    """Serve the default scenario scaled to ``symbols`` perpetuals, streaming every
    ``interval_s`` seconds, until cancelled; prints ``tape <url>`` once listening."""
    from tui.sim.server import SimServer

    scenario = scaled_scenario(load_scenario(default_scenario_path()), symbols)
    async with SimServer(scenario, port=port, stream_interval_s=interval_s) as sim:
        print(f"tape {sim.url}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    """``python -m tui.sim.tape [--symbols N] [--interval S] [--port P]``."""
    parser = argparse.ArgumentParser(prog="python -m tui.sim.tape", description=__doc__)
    parser.add_argument("--symbols", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    if not 1 <= args.symbols <= 10_000 or not 0.01 <= args.interval <= 60:
        parser.error("--symbols must be 1..10000 and --interval 0.01..60 s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_tape(args.symbols, args.interval, args.port))


if __name__ == "__main__":
    main()
