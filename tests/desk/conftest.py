"""Fixtures for the desk's tests: a real store in a temp directory, the paper executor, a
clock the test moves by hand, and the worked example's markets and quotes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui.core.models import MarketSpec, Quote
from tui.desk import Desk
from tui.desk.checks import Limits
from tui.engine.paper import PaperExecutor
from tui.store import Store

from ..core.test_planner import BTC, ETH

T0 = datetime(2026, 1, 5, tzinfo=UTC)
MARKETS: dict[str, MarketSpec] = {"BTC/USDT:USDT": BTC, "ETH/USDT:USDT": ETH}


class HandClock:
    """A clock that moves only when the test says so."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, **delta: float) -> datetime:
        """Set the clock to ``T0 + delta`` and return it."""
        self.now = T0 + timedelta(**delta)
        return self.now


def quote(
    symbol: str,
    mark: float,
    *,
    spread: float,
    rate: float,
    next_funding: datetime,
    index: float | None = None,
) -> Quote:
    """A quote with bid/ask ``mark ∓ spread`` and the funding rate of ``next_funding``."""
    return Quote(
        symbol=symbol,
        mark=mark,
        index=mark if index is None else index,
        bid=mark - spread,
        ask=mark + spread,
        funding_rate=rate,
        next_funding_time=next_funding,
        funding_interval_hours=8.0,
        received_at=T0,
    )


def book(
    btc: float, eth: float, *, btc_rate: float, eth_rate: float, next_funding: datetime
) -> dict[str, Quote]:
    """BTC and ETH quotes: spreads of 10 and 1, index = mark."""
    return {
        "BTC/USDT:USDT": quote(
            "BTC/USDT:USDT", btc, spread=10, rate=btc_rate, next_funding=next_funding
        ),
        "ETH/USDT:USDT": quote(
            "ETH/USDT:USDT", eth, spread=1, rate=eth_rate, next_funding=next_funding
        ),
    }


@pytest.fixture
def clock() -> HandClock:
    """The desk's clock, at 2026-01-05 00:00 UTC until moved."""
    return HandClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Where the store lives (reopened by restart tests)."""
    return tmp_path / "data"


@pytest.fixture
def make_desk(data_dir: Path, clock: HandClock) -> Iterator[Callable[[], Desk]]:
    """Open a store and a paper desk on it; every store opened is closed at the end."""
    opened: list[Store] = []

    def build() -> Desk:
        store = Store.open(data_dir)
        opened.append(store)
        paper = PaperExecutor(store, "sim", MARKETS, clock=clock)
        # Prices never age here (these tests move the clock by days); staleness has its own.
        desk = Desk(
            store, paper, venue="sim", clock=clock, tilt_ids=lambda _now: "T1",
            received_now=clock, limits=Limits(max_quote_age_s=math.inf),
        )  # fmt: skip
        desk.set_markets(MARKETS)
        return desk

    yield build
    for store in opened:
        store.close()
