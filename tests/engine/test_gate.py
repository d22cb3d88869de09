"""The request gate's pauses (pure logic on a fake clock), and the gate on a real ccxt client.

The timing of requests as the venue sees them, across a session's feeds, is measured at the
simulator in tests/reliability/test_exchange_faults.py.
"""

from __future__ import annotations

import ccxt
import pytest

from tui.engine.gate import BAN_FLOOR_S, RequestGate, gate_of
from tui.engine.venues import create_exchange
from tui.sim.server import SimServer


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def gate(**kwargs: float) -> tuple[RequestGate, FakeTime]:
    clock = FakeTime()
    return RequestGate(clock=clock, sleep=clock.sleep, **kwargs), clock


async def test_a_429_holds_every_request_for_its_retry_after():
    g, clock = gate()
    g.note(429, {"Retry-After": "1"}, sent_at=clock())
    assert g.remaining() == 1.0
    assert g.describe() == "all requests paused 1 s: rate limited (HTTP 429, 1 in a row)"
    await g.wait()
    assert clock.slept == [1.0] and g.remaining() == 0 and g.describe() == ""


async def test_429s_in_a_row_back_off_exponentially_and_a_later_success_ends_the_streak():
    g, clock = gate()
    pauses = []
    for _ in range(4):
        await g.wait()
        sent = clock()
        g.note(429, {"Retry-After": "1"}, sent_at=sent)
        pauses.append(g.remaining())
    assert pauses == [1.0, 2.0, 4.0, 8.0]
    await g.wait()
    g.note(200, {}, sent_at=clock())
    g.note(429, {"Retry-After": "1"}, sent_at=clock())
    assert g.remaining() == 1.0  # the streak ended with the success


def test_a_429_of_a_request_sent_before_the_pause_is_no_new_strike():
    g, clock = gate()
    before = clock()
    clock.now += 0.01
    g.note(429, {"Retry-After": "1"}, sent_at=clock())
    # Another request, already in flight when the first 429 came, gets one too: old news.
    g.note(429, {"Retry-After": "1"}, sent_at=before)
    assert g.strikes == 1
    # Nor does its success end the streak.
    g.note(200, {}, sent_at=before)
    assert g.strikes == 1


def test_the_venues_retry_after_beats_the_gates_own_pause():
    g, clock = gate()
    g.note(429, {"retry-after": "30"}, sent_at=clock())
    assert g.remaining() == 30.0
    g2, clock2 = gate()
    g2.note(429, {}, sent_at=clock2())  # none said: a second
    assert g2.remaining() == 1.0


def test_a_418_ban_pauses_at_least_the_floor_and_doubles():
    g, clock = gate()
    g.note(418, {"Retry-After": "5"}, sent_at=clock())
    assert g.remaining() == BAN_FLOOR_S
    assert "IP banned by the venue (HTTP 418)" in g.describe()
    clock.now += BAN_FLOOR_S
    g.note(418, {"Retry-After": "5"}, sent_at=clock())
    assert g.remaining() == 2 * BAN_FLOOR_S
    g3, clock3 = gate()
    g3.note(418, {"Retry-After": "7200"}, sent_at=clock3())
    assert g3.remaining() == 7200.0  # the venue's word when it is longer


def test_other_answers_leave_the_gate_open():
    g, clock = gate()
    for status in (200, 400, 404, 503):
        g.note(status, {"Retry-After": "9"}, sent_at=clock())
    assert g.remaining() == 0


async def test_create_exchange_installs_one_gate_that_a_429_closes(sim: SimServer):
    exchange = create_exchange("binanceusdm", sim_url=sim.url)
    try:
        own = gate_of(exchange)
        assert own is not None
        sim.set_faults(rate_limit_every=1)
        with pytest.raises(ccxt.DDoSProtection):
            await exchange.fetch_time()
        assert 0 < own.remaining() <= 1.0
        sim.set_faults()
        await exchange.fetch_time()  # waits the pause out, then goes
        times = [r.at for r in sim.requests]
        assert len(times) == 2 and times[1] - times[0] >= 1.0
    finally:
        await exchange.close()
    # A gate given is the one installed.
    mine = RequestGate(ban_floor_s=5.0)
    other = create_exchange("binanceusdm", sim_url=sim.url, gate=mine)
    try:
        assert gate_of(other) is mine and gate_of(exchange) is not mine
    finally:
        await other.close()
