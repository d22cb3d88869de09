"""The simulator's 418 ban fault and its log of REST requests (what arrived, when, answered how)."""

from __future__ import annotations

import aiohttp
import pytest
from pydantic import ValidationError

from tui.sim.scenario import Faults
from tui.sim.server import SimServer


async def test_ban_answers_418_with_retry_after_until_lifted(sim: SimServer) -> None:
    async with aiohttp.ClientSession() as http:
        sim.set_faults(ban_s=2.5)
        async with http.get(f"{sim.url}/fapi.binance.com/fapi/v1/time") as resp:
            assert resp.status == 418
            assert resp.headers["Retry-After"] == "3"  # whole seconds, rounded up
            assert (await resp.json())["code"] == -1003
        sim.set_faults()
        async with http.get(f"{sim.url}/fapi.binance.com/fapi/v1/time") as resp:
            assert resp.status == 200


async def test_requests_are_logged_in_arrival_order_with_their_status(sim: SimServer) -> None:
    async with aiohttp.ClientSession() as http:
        sim.set_faults(rate_limit_every=2)
        for path in ("fapi/v1/time", "fapi/v1/time", "fapi/v1/nothing"):
            async with http.get(f"{sim.url}/fapi.binance.com/{path}") as resp:
                await resp.read()
    log = list(sim.requests)
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", "fapi/v1/time", 200),
        ("GET", "fapi/v1/time", 429),
        ("GET", "fapi/v1/nothing", 404),
    ]
    assert log[0].at <= log[1].at <= log[2].at


async def test_a_request_held_by_latency_is_logged_on_arrival(sim: SimServer) -> None:
    sim.set_faults(latency_ms=600_000)  # a venue that never answers
    async with aiohttp.ClientSession() as http:
        with pytest.raises(TimeoutError):
            async with http.get(
                f"{sim.url}/fapi.binance.com/fapi/v1/time", timeout=aiohttp.ClientTimeout(0.2)
            ) as resp:
                await resp.read()
    assert [(r.path, r.status) for r in sim.requests] == [("fapi/v1/time", 0)]


def test_ban_is_a_bounded_scenario_fault() -> None:
    assert Faults(ban_s=60).ban_s == 60 and Faults().ban_s == 0
    for wrong in (-1.0, 86_401.0, float("nan")):
        with pytest.raises(ValidationError, match="ban_s"):
            Faults.model_validate({"ban_s": wrong})
