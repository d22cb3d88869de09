"""``porting-alpha sim``: the simulated exchange, standalone on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

from tui.commands.common import fail


def run(args: Any) -> int:
    """Load the scenario and serve until Ctrl-C."""
    from tui.sim.scenario import ScenarioError, default_scenario_path, load_scenario
    from tui.sim.server import serve_forever

    try:
        scenario = load_scenario(args.scenario or default_scenario_path())
    except ScenarioError as err:
        return fail(str(err))
    try:
        asyncio.run(serve_forever(scenario, args.port))
    except OSError as err:
        return fail(f"cannot listen on 127.0.0.1:{args.port} ({err.strerror or err})", 1)
    except KeyboardInterrupt:
        pass
    return 0
