"""What the panes say, checked without a terminal (issue 11: what a new user tripped over).

The charts' x axes in clock times, the offline and stale header said once and plainly, the
funding history growing with live settlements, unpriced holdings shown as unpriced, the
Annual column signed as the carry, the stop and window words, one source of prices per frame.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from tests.core.test_planner import BTC, ETH, FIFTY_FIFTY, NOW, QUOTES, future, q
from tui.app.view import ViewState
from tui.app.widgets.active_tilt import stop_words, time_words
from tui.app.widgets.header import connection_words
from tui.app.widgets.holdings import holdings_rows
from tui.app.widgets.legs import COLUMNS as LEG_COLUMNS
from tui.app.widgets.legs import leg_row
from tui.app.widgets.row_table import fitted_columns
from tui.app.widgets.spread_chart import time_ticks
from tui.core.models import Portfolio, TiltSpec
from tui.core.planner import plan_tilt
from tui.core.risk import StopStatus

T = datetime(2026, 11, 24, 14, 30, 33, tzinfo=UTC)

OFFLINE = (
    "cannot reach binanceusdm (ExchangeNotAvailable: binanceusdm GET https://fapi.binance.com/"
    "fapi/v1/exchangeInfo); retrying in 4 s — check the network, or start with --demo"
)


# -- charts ---------------------------------------------------------------------------------


def test_a_month_of_funding_is_labelled_with_dates_not_hours() -> None:
    # The funding history ran from −713.4 h to −1.8 h: weekly ticks, on dates.
    positions, labels, title = time_ticks(T - timedelta(hours=713.4), T, T, 5)
    assert labels == ["29 Oct", "05 Nov", "12 Nov", "19 Nov"]
    assert title == "UTC 25 Oct – 24 Nov"
    # Each tick sits where its moment is plotted (hours before now).
    assert positions[0] == (datetime(2026, 10, 29, tzinfo=UTC) - T).total_seconds() / 3600


def test_a_few_seconds_since_entry_are_labelled_with_clock_times() -> None:
    # Just entered: 22 seconds of ratio ("-0.0061 … 0.0000" hours before) → seconds on the clock.
    _, labels, title = time_ticks(T - timedelta(seconds=22), T, T, 5)
    assert labels == ["14:30:15", "14:30:20", "14:30:25", "14:30:30"]
    assert title == "UTC 24 Nov"
    _, labels, _ = time_ticks(T - timedelta(hours=5), T, T, 5)
    assert labels == ["10:00", "11:00", "12:00", "13:00", "14:00"]


def test_live_settlements_extend_the_funding_history() -> None:
    view = ViewState(venue="sim", received_clock=lambda: T)
    symbol = "BTC/USDT:USDT"
    first, second = T.replace(hour=16, minute=0, second=0), T.replace(hour=16) + timedelta(hours=8)
    view.funding_history[symbol] = [(T - timedelta(hours=6.5), 0.0001)]
    view.ingest_quotes({symbol: q(symbol, 95_000, 0.00012, next_time=first)})
    assert len(view.funding_history[symbol]) == 1  # nothing settled yet
    # The next funding time moves on: the 16:00 settlement at the rate announced for it.
    view.ingest_quotes({symbol: q(symbol, 95_000, 0.00009, next_time=second)})
    assert view.funding_history[symbol][-1] == (first, 0.00012)
    assert view.dirty_charts
    # The same quote again adds nothing.
    view.ingest_quotes({symbol: q(symbol, 95_000, 0.00009, next_time=second)})
    assert len(view.funding_history[symbol]) == 2


# -- the header -----------------------------------------------------------------------------


def test_offline_is_said_once_with_the_retry_and_the_demo_hint() -> None:
    state, text = connection_words("offline", OFFLINE, {}, None, "binanceusdm", False)
    assert state == "offline"
    assert text == "✕ offline, retry in 4 s · no network? try --demo · ExchangeNotAvailable"
    assert text.count("cannot reach") == 0 and "https" not in text
    # Within 80 columns (the header's room at 160 is ~100): the retry and the hint lead.
    assert len(text) < 80
    _, demo = connection_words("offline", OFFLINE, {}, None, "binanceusdm", True)
    assert "--demo" not in demo


def test_the_retry_is_counted_down() -> None:
    clock = [T]
    view = ViewState(venue="binanceusdm", received_clock=lambda: clock[0])
    view.set_feed("offline", OFFLINE)
    assert "retrying in 4 s" in view.feed_detail
    clock[0] = T + timedelta(seconds=3)
    assert "retrying in 1 s" in view.feed_detail
    clock[0] = T + timedelta(seconds=9)
    assert "retrying now" in view.feed_detail


def test_stale_never_says_0_s_and_gives_the_real_age() -> None:
    _, text = connection_words("stale", "", {}, 0.0, "sim", True)
    assert "0 s" not in text and text == "○ stale: no fresh data"
    _, text = connection_words("stale", "", {}, None, "sim", True)
    assert "0 s" not in text
    # The age is since the last quote that came while the venue was fresh, not the last
    # quote (a lagging feed keeps sending them).
    clock = [T]
    view = ViewState(venue="sim", received_clock=lambda: clock[0])
    view.set_feed("live", "")
    view.ingest_quotes({"BTC/USDT:USDT": q("BTC/USDT:USDT", 95_000)})
    view.set_feed("stale", "")
    clock[0] = T + timedelta(seconds=40)
    view.ingest_quotes({"BTC/USDT:USDT": q("BTC/USDT:USDT", 95_001)})
    clock[0] = T + timedelta(seconds=42)
    _, text = connection_words("stale", "", {}, view.quote_age(), "sim", True)
    assert text == "○ stale: no fresh data for 42 s"
    _, text = connection_words("stale", "", {}, 125.0, "sim", True)
    assert text == "○ stale: no fresh data for 2m 05s"


# -- holdings and the builder ---------------------------------------------------------------


def test_unpriced_holdings_are_unpriced_not_zero() -> None:
    portfolio = Portfolio(holdings={"BTC": 1, "ETH": 10, "USDT": 2_500})
    rows = {r.key: [c.text for c in r.cells] for r in holdings_rows(portfolio, {}, {}, set())}
    assert rows["BTC"][2:4] == ["no price", "unpriced"]
    assert rows["BTC"][8] == "unpriced"  # Effective: not $0
    assert rows["USDT"][3] == "$2,500" and rows["USDT"][4] == "–"  # no weight of an unknown
    assert rows["__total__"][1] == "2 unpriced" and rows["__total__"][3] == "–"
    assert "$0" not in " ".join(" ".join(cells) for cells in rows.values())


def test_the_base_is_not_said_while_holdings_are_unpriced() -> None:
    view = ViewState(venue="binanceusdm")
    view.portfolio = Portfolio(holdings={"BTC": 1, "ETH": 10, "USDT": 2_500})
    view.tilt = TiltSpec(targets={"BTC": 0.5, "ETH": 0.5})
    line = view.sum_line()
    assert "$2,500" not in line
    assert line == "Σ targets 100% · base unknown: no price for BTC, ETH yet"


def test_one_source_of_prices_per_frame() -> None:
    # The plan was made on BTC at 50,000; a tick to 50,100 arrives before the next re-plan:
    # the holdings (drawn from view.prices()) still show the plan's prices, so the holdings
    # total and the plan's base agree in the frame.
    view = ViewState(venue="test", received_clock=lambda: T)
    view.portfolio = FIFTY_FIFTY
    view.markets = {m.symbol: m for m in (BTC, ETH)}
    view.ingest_quotes(QUOTES)
    view.tilt = TiltSpec(targets={"BTC": 0.65, "ETH": 0.35}, leverage=5, window_days=45)
    assert view.replan(NOW, {}, 20.0) == ""
    assert view.plan is not None
    view.ingest_quotes({"BTC/USDT:USDT": q("BTC/USDT:USDT", 50_100, 0.0001)})
    assert view.portfolio.value(view.prices()) == view.plan.portfolio_value_usd == 100_000
    view.replan(NOW, {}, 20.0)
    assert view.portfolio.value(view.prices()) == view.plan.portfolio_value_usd == 100_100


def test_one_source_of_prices_when_nothing_is_proposed() -> None:
    # Right after a confirm every asset is inside the band: no plan, but the builder's base
    # and the holdings total still come from the same prices (they read $130,535 vs
    # $130,520 in one frame).
    view = ViewState(venue="test", received_clock=lambda: T, rebalance_tolerance_usd=50.0)
    view.portfolio = FIFTY_FIFTY
    view.markets = {m.symbol: m for m in (BTC, ETH)}
    view.ingest_quotes(QUOTES)
    view.tilt = TiltSpec(targets={"BTC": 0.65, "ETH": 0.35}, leverage=5, window_days=45)
    view.replan(NOW, {"BTC": 15_000.0, "ETH": -15_000.0}, 20.0)
    assert view.plan is None
    view.ingest_quotes({"BTC/USDT:USDT": q("BTC/USDT:USDT", 50_100, 0.0001)})
    total = holdings_rows(view.portfolio, view.prices(), {}, set())[-1].cells[3].text
    assert (
        total == "$100,000"
        and view.sum_line() == "Σ targets 100% of $100,000 base (portfolio value)"
    )


def test_the_app_plans_with_the_tolerance_band() -> None:
    # $40 off target with a $50 band: no legs, and the legs pane says why.
    view = ViewState(venue="test", received_clock=lambda: T, rebalance_tolerance_usd=50.0)
    view.portfolio = FIFTY_FIFTY
    view.markets = {m.symbol: m for m in (BTC, ETH)}
    view.ingest_quotes(QUOTES)
    view.tilt = TiltSpec(targets={"BTC": 0.65, "ETH": 0.35}, leverage=5, window_days=45)
    note = view.replan(NOW, {"BTC": 15_000.0, "ETH": -15_000.0 + 40.0}, 20.0)
    assert view.plan is None
    assert note == "Every asset is within $50 of its target (the rebalance tolerance): no legs."


# -- the legs -------------------------------------------------------------------------------


def _leg(targets: dict[str, float], instrument: str = "auto") -> Any:
    fut = future("ETH", NOW + timedelta(days=73), 0.01)
    quotes = {**QUOTES, fut.symbol: q(fut.symbol, 2_530, index=2_500)}
    spec = TiltSpec(targets=targets, leverage=5, window_days=45, instrument=instrument)
    return plan_tilt(FIFTY_FIFTY, spec, (BTC, ETH, fut), quotes, venue="t", now=NOW).legs


def test_annual_is_signed_as_the_carry_from_the_holders_view() -> None:
    # Buying the ETH future at a +6 % a year basis costs the holder: Carry −, Annual −.
    btc, eth = _leg({"BTC": 0.35, "ETH": 0.65}, instrument="future")
    assert eth.side == "buy" and eth.annualized_rate > 0 and eth.carry_usd < 0
    annual = leg_row(eth).cells[10]
    assert annual.text.startswith("-") and annual.tone == "loss"
    # Selling the BTC perpetual at positive funding earns it: Carry +, Annual +.
    btc, _ = _leg({"BTC": 0.35, "ETH": 0.65}, instrument="perp")
    assert btc.side == "sell" and btc.carry_usd > 0
    assert leg_row(btc).cells[10].text.startswith("+")


def test_narrow_widths_keep_the_columns_that_decide() -> None:
    def shown(width: int) -> list[str]:
        return [LEG_COLUMNS[i].label for i in fitted_columns(LEG_COLUMNS, width)]

    assert len(shown(158)) == len(LEG_COLUMNS)  # 160 columns: every one
    at_100 = shown(97)
    for label in ("Symbol", "Side", "Contracts", "Achieved", "Carry", "Annual", "Liq.", "Status"):
        assert label in at_100
    at_80 = shown(77)
    for label in ("Symbol", "Side", "Achieved", "Carry", "Liq.", "Status"):
        assert label in at_80


# -- the open tilt --------------------------------------------------------------------------


def _watch(stop: StopStatus, left: timedelta | None = timedelta(days=3)) -> Any:
    return SimpleNamespace(
        stop=stop, stop_loss_pct=2.0, stop_spread_pct=1.0, base_usd=100_000.0, time_left=left
    )


def test_a_spread_stop_past_is_said_hit_not_away() -> None:
    words, tone = stop_words(_watch(StopStatus(1_500.0, -0.0007, "")))
    assert "spread stop hit (0.07% past it)" in words and "away" not in words.split("·")[1]
    assert tone == "loss"
    words, _ = stop_words(_watch(StopStatus(-20.0, 0.004, "loss reached the stop")))
    assert words.startswith("loss stop hit ($20 past it)")
    words, tone = stop_words(_watch(StopStatus(1_500.0, 0.004, "")))
    assert words == "loss stop $1,500 away · spread stop 0.40% away" and tone == "foreground"


def test_the_window_end_never_reads_due_left() -> None:
    assert time_words(_watch(StopStatus(None, None), timedelta(milliseconds=400))) == "window ended"
    assert time_words(_watch(StopStatus(None, None), timedelta(minutes=5))) == "5m 00s left"
