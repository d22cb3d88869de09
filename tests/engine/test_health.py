"""Feed health states and retry delays (pure logic, a fake clock)."""

from __future__ import annotations

import pytest

from tui.engine.gate import parse_retry_after
from tui.engine.health import (
    MAX_BACKOFF_S,
    FeedHealth,
    backoff_delay,
    feed_detail,
    venue_state,
)


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


def test_retry_after_header_is_read_case_insensitively():
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({"Retry-After": "nan"}) is None
    assert parse_retry_after({}) is None and parse_retry_after(None) is None


def test_backoff_cap_is_the_callers():
    assert max(backoff_delay(20, 0.2, cap=1.0) for _ in range(200)) <= 1.0


def test_a_slow_answer_is_degraded_and_late_not_stale():
    feed, clock = health(period=2.0)
    feed.ok(duration=3.2)  # a venue taking 3 s an answer
    assert feed.evaluate() == "degraded"
    assert feed_detail(feed) == "slow venue: answers take up to 4 s"
    clock.now += 6.0 + 3.0  # past 3 periods, not past 3 periods plus the answer's time
    assert feed.evaluate() == "degraded"
    clock.now += 0.3
    assert feed.evaluate() == "stale"
    feed.ok(duration=0.1)
    assert feed.evaluate() == "live" and feed_detail(feed) == ""


def test_detail_names_the_reason():
    feed, clock = health()
    assert feed_detail(feed, idle=True) == "no market followed"
    feed.ok()
    feed.error("ExchangeNotAvailable: 503")
    feed.evaluate()
    assert feed_detail(feed) == "ExchangeNotAvailable: 503"
    clock.now += 7.0
    feed.evaluate()
    assert feed_detail(feed) == "no fresh data (ExchangeNotAvailable: 503)"


def test_venue_state_from_its_feeds():
    marks, clock = health()
    book = FeedHealth("book", 2.0, _clock=clock)
    feeds = {"marks": marks, "book": book}
    assert venue_state(feeds) is None  # nothing answered or failed yet
    marks.ok()
    book.ok()
    for feed in feeds.values():
        feed.evaluate()
    assert venue_state(feeds) == "live"
    book.error("ExchangeNotAvailable: 503")
    book.evaluate()
    assert venue_state(feeds) == "degraded"
    clock.now += 7.0
    for feed in feeds.values():
        feed.evaluate()
    assert venue_state(feeds) == "stale"


def test_a_cause_carried_inside_a_later_error_is_named_once() -> None:
    from tui.engine.errors import BadResponse, describe

    inner = describe(BadResponse("GET /premiumIndex: garbled answer (invalid JSON)"))
    outer = BadResponse(f"{inner} (no fresh mark for BTC/USDT:USDT)")
    assert describe(outer) == (
        "BadResponse: GET /premiumIndex: garbled answer (invalid JSON) (no fresh mark for"
        " BTC/USDT:USDT)"
    )
