"""Helpers of the simulator tests (a module name no other test directory uses)."""

from __future__ import annotations

from tui.sim.scenario import FROZEN_SCENARIO, Clock, Scenario, load_scenario

CREDENTIALS = {"apiKey": "demo-key", "secret": "demo-secret"}


class FakeWall:
    """A wall clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def frozen_scenario(speed: float = 1.0) -> Scenario:
    """The frozen test scenario with the given clock speed."""
    scenario = load_scenario(FROZEN_SCENARIO)
    return scenario.model_copy(update={"clock": Clock(start=scenario.start, speed=speed)})
