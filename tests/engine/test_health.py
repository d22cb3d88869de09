"""Feed health states and retry delays (pure logic, a fake clock)."""

from __future__ import annotations

import pytest

from tui.engine.health import MAX_BACKOFF_S, FeedHealth, backoff_delay, retry_after_seconds


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def health(period: float = 2.0) -> tuple[FeedHealth, FakeClock]:
    clock = FakeClock()
    return FeedHealth("marks", period, _clock=clock), clock


def test_states_follow_successes_errors_and_time():
    feed, clock = health()
    assert feed.evaluate() == "offline"  # never answered
    feed.ok()
    assert feed.evaluate() == "live"
    feed.error("DDoSProtection: 429")
    assert feed.evaluate() == "degraded"  # fresh data, but errors
    clock.now += 5.9  # stale after max(3 × 2 s, 5 s) = 6 s
    assert feed.evaluate() == "degraded"
    clock.now += 0.2
    assert feed.evaluate() == "stale"
    feed.ok()
    assert feed.evaluate() == "live" and feed.last_error == ""


def test_fallback_is_degraded():
    feed, _ = health()
    feed.ok()
    feed.fallback = True
    assert feed.evaluate() == "degraded"


def test_stale_floor():
    feed, clock = health(period=0.1)
    feed.ok()
    clock.now += 4.9
    assert feed.evaluate() == "live"  # the floor (5 s) beats 3 × 0.1 s
    clock.now += 0.2
    assert feed.evaluate() == "stale"


@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 10, 50])
def test_backoff_grows_with_jitter_and_is_capped(attempt):
    delays = [backoff_delay(attempt, 1.0) for _ in range(200)]
    assert min(delays) >= 0.5
    assert max(delays) <= min(2 ** (attempt - 1), MAX_BACKOFF_S)


def test_retry_after_is_honoured():
    assert all(backoff_delay(1, 1.0, retry_after=7.0) >= 7.0 for _ in range(50))


class _Exchange:
    def __init__(self, headers: dict[str, str]) -> None:
        self.last_response_headers = headers


def test_retry_after_header_is_read_case_insensitively():
    assert retry_after_seconds(_Exchange({"Retry-After": "3"})) == 3.0
    assert retry_after_seconds(_Exchange({"retry-after": "1.5"})) == 1.5
    assert retry_after_seconds(_Exchange({"retry-after": "soon"})) is None
    assert retry_after_seconds(_Exchange({})) is None
