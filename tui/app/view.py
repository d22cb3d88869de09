"""What the screen shows right now: portfolio, markets, quotes, feed health, the tilt being
built, its plan, chart histories — and which panes need a redraw.

Plain Python (no widgets), so staleness and the chart series are testable without a
terminal. Trading state (open tilts, positions, funding paid) is not here: the desk owns it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tui.core.models import STABLECOINS, MarketSpec, Plan, Portfolio, Quote, TiltSpec
from tui.core.risk import pair_of_plan

#: A quote older than this (seconds since this process received it) is shown stale.
STALE_AFTER_S = 15.0

#: The session's "retrying in N s" (said once, when it goes offline): counted down live.
RETRY = re.compile(r"retrying in (\d+) s")


def received_now() -> datetime:
    """When this process receives something: staleness is an age, so only differences of
    this clock matter, never the time of day."""
    return datetime.now(UTC)


@dataclass
class ViewState:
    """The main screen's model; panes are re-rendered from it when flagged dirty."""

    venue: str
    demo: bool = False
    live: bool = False
    received_clock: Callable[[], datetime] = received_now
    """The clock quotes are stamped on when they arrive (the session's); ages only."""
    portfolio: Portfolio = field(default_factory=lambda: Portfolio(holdings={}))
    markets: dict[str, MarketSpec] = field(default_factory=dict)
    """The markets of the assets followed (what is planned, traded and recorded)."""
    listed: dict[str, MarketSpec] = field(default_factory=dict)
    """Every perpetual of the venue (the feeds pane lists those with a quote)."""
    quotes: dict[str, Quote] = field(default_factory=dict)
    feed_state: str = "connecting"
    feed_note: str = ""
    """The venue's last word on its health, as the session said it."""
    retry_at: datetime | None = None
    """When the session retries the venue (offline), on the received clock."""
    feeds: dict[str, str] = field(default_factory=dict)
    """State of each named feed (marks, book, stream…), for the header's detail."""
    last_quote_at: datetime | None = None
    last_fresh_at: datetime | None = None
    """When the last quote arrived while the venue was not stale: how old the data is once
    it turns stale (quotes from a lagging feed keep arriving then)."""
    rebalance_tolerance_usd: float = 0.0
    """No leg smaller than this (USD) is proposed (the ``rebalance_tolerance_usd`` setting)."""
    plan_prices: dict[str, float] | None = None
    """The asset prices of the last re-plan (``None`` before one): the holdings, the
    builder's base and the legs are drawn from these, so one frame never shows two
    portfolio values (the re-plan is throttled; the holdings redraw on every tick)."""
    tilt: TiltSpec | None = None
    tilt_problems: list[str] = field(default_factory=list)
    plan: Plan | None = None
    plan_problem: str = ""
    discarded: bool = False
    funding_history: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)
    price_history: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)
    spread_samples: deque[tuple[datetime, float]] = field(
        default_factory=lambda: deque(maxlen=4000)
    )
    alerted: set[str] = field(default_factory=set)
    dirty_quotes: bool = False
    dirty_holdings: bool = False
    dirty_feeds: bool = False
    dirty_charts: bool = False
    dirty_active: bool = False

    @property
    def mode(self) -> str:
        """LIVE (also on the simulator with --demo --live) / DEMO / PAPER."""
        return "LIVE" if self.live else ("DEMO" if self.demo else "PAPER")

    @property
    def venue_label(self) -> str:
        """The venue as the header shows it."""
        return f"{self.venue} (simulated)" if self.demo else self.venue

    def ingest_quotes(self, quotes: Mapping[str, Quote]) -> None:
        """Fold fresh quotes in (cheap: the refresh timer does the rendering); a perpetual
        whose next funding time moved on has settled: its rate extends the funding history."""
        for symbol, quote in quotes.items():
            self._note_settlement(self.quotes.get(symbol), quote)
        self.quotes.update(quotes)
        self.last_quote_at = self.received_clock()
        if self.feed_state not in ("stale", "offline"):
            self.last_fresh_at = self.last_quote_at
        self.dirty_quotes = True

    def _note_settlement(self, before: Quote | None, after: Quote) -> None:
        """Append the settlement ``before`` announced once ``after`` shows the next one (the
        history was fetched once, at start; without this its right end drifts into the past)."""
        if before is None or before.funding_rate is None or before.next_funding_time is None:
            return
        if after.next_funding_time is None or after.next_funding_time <= before.next_funding_time:
            return
        history = self.funding_history.get(after.symbol)
        if history is None:
            return  # the backfill has not arrived; it will include this settlement
        settled = before.next_funding_time
        if not history or history[-1][0] < settled:
            history.append((settled, before.funding_rate))
            self.dirty_charts = True

    def set_feed(self, state: str, detail: str) -> None:
        """Record the venue's health (and, offline, when the session retries)."""
        self.feed_state = state
        self.feed_note = detail
        retry = RETRY.search(detail)
        self.retry_at = (
            self.received_clock() + timedelta(seconds=int(retry.group(1))) if retry else None
        )

    @property
    def feed_detail(self) -> str:
        """The venue's last word on its health, its retry counted down to now."""
        if self.retry_at is None:
            return self.feed_note
        left = (self.retry_at - self.received_clock()).total_seconds()
        when = f"retrying in {left:.0f} s" if left >= 1 else "retrying now"
        return RETRY.sub(when, self.feed_note)

    def risk_assets(self) -> list[str]:
        """Portfolio assets that futures can tilt."""
        return self.portfolio.risk_assets()

    def untiltable(self) -> dict[str, str]:
        """Risk assets no futures market of the venue can tilt, each with the line that says
        why (empty until the markets are known: then every asset gets its field)."""
        if not self.markets:
            return {}
        from tui.core.portfolio import untiltable_notes

        return untiltable_notes(self.portfolio, self.markets.values(), self.prices(), self.venue)

    def prices(self) -> dict[str, float]:
        """A spot price per asset (perp index, else mark) as of the last re-plan (the same
        prices everywhere in a frame); the latest quotes' before the first."""
        if self.plan_prices is not None:
            return self.plan_prices
        return self.live_prices()

    def live_prices(self) -> dict[str, float]:
        """A spot price per asset from the latest quotes."""
        from tui.core.portfolio import asset_prices

        return asset_prices(self.markets.values(), self.quotes)

    def quote_age(self) -> float | None:
        """Seconds since the last quote arrived (``None`` before the first); while the venue
        is stale, since the last fresh one (what "no fresh data for" means)."""
        moment = self.last_fresh_at if self.feed_state == "stale" else self.last_quote_at
        if moment is None:
            return None
        return (self.received_clock() - moment).total_seconds()

    def stale_symbols(self) -> set[str]:
        """Symbols whose quote is old, or all of them when the venue is stale or offline."""
        if self.feed_state in ("stale", "offline"):
            return set(self.markets) | set(self.quotes)
        now = self.received_clock()
        return {
            s
            for s, q in self.quotes.items()
            if (now - q.received_at).total_seconds() > STALE_AFTER_S
        }

    def stale_assets(self) -> set[str]:
        """Assets whose price comes from a stale quote."""
        stale = self.stale_symbols()
        return {m.base for s, m in self.markets.items() if s in stale and m.instrument == "perp"}

    def confirm_blockers(self, plan: Plan) -> str:
        """Why confirming ``plan`` is refused right now (stale data, live mode), or ``""``."""
        if self.feed_state in ("offline", "stale"):
            return f"the venue is {self.feed_state}; prices are not live"
        stale = self.stale_symbols() & {leg.symbol for leg in plan.sendable()}
        if stale:
            return "stale prices for " + ", ".join(sorted(stale))
        return ""

    # -- planning -------------------------------------------------------------------------

    def replan(
        self,
        now: datetime,
        overlay: Mapping[str, float],
        max_leverage_fallback: float,
        *,
        holding: bool = False,
        collateral: tuple[float | None, str] = (None, ""),
    ) -> str:
        """Re-plan the tilt on top of ``overlay`` (what open tilts hold); returns a note for
        the legs pane when there is no plan. ``holding``: a tilt is open."""
        from tui.core.errors import InputError
        from tui.core.planner import plan_tilt

        self.plan, self.plan_problem = None, ""
        # Every pane is drawn on the prices of this re-plan, whether or not it plans.
        self.plan_prices = self.live_prices()
        self.dirty_holdings = True
        if self.discarded:
            return "Proposal discarded. Change an input to propose again."
        if self.tilt is None:
            return "Fix the tilt builder: " + "; ".join(self.tilt_problems)
        if not self.markets:
            return f"Waiting for markets from {self.venue}…"
        try:
            plan = plan_tilt(
                self.portfolio,
                self.tilt,
                self.markets.values(),
                self.quotes,
                venue=self.venue,
                now=now,
                overlay=dict(overlay),
                max_leverage_fallback=max_leverage_fallback,
                collateral_usd=collateral[0],
                collateral_source=collateral[1],
                tolerance_usd=self.rebalance_tolerance_usd,
            )
        except InputError as exc:
            self.plan_problem = str(exc)
            return f"Cannot plan: {exc}"
        if not plan.legs:
            if self.rebalance_tolerance_usd > 0:
                note = (
                    f"Every asset is within ${self.rebalance_tolerance_usd:,.0f} of its target "
                    "(the rebalance tolerance): no legs."
                )
                if holding:
                    note += " Change a target to adjust the open tilt, or press u to unwind."
                return note
            return "Every asset already sits at its target: no legs."
        if holding and not plan.sendable():
            # What is left is under a lot step or a minimum: nothing a trader would send.
            return (
                "The open tilt already holds these targets (what is left is below the "
                "market's minimum). Change a target to adjust it, or press u to unwind."
            )
        self.plan = plan
        return ""

    def sum_line(self) -> str:
        """Sum of the tactical targets and the base, under the builder's targets."""
        from tui.app import format as fmt

        if self.tilt is None:
            return ""
        total = sum(self.tilt.targets.values())
        if self.tilt.base_usd is not None:
            base = f"{fmt.usd(self.tilt.base_usd)} base"
        else:
            prices = self.prices()
            unpriced = [
                a
                for a in self.portfolio.risk_assets()
                if self.portfolio.holdings.get(a) and a not in prices
            ]
            if unpriced:
                # Counting them as $0 would plan on a fraction of the portfolio.
                waiting = ", ".join(unpriced)
                return f"Σ targets {total:.0%} · base unknown: no price for {waiting} yet"
            base = f"{fmt.usd(self.portfolio.value(prices))} base (portfolio value)"
        return f"Σ targets {total:.0%} of {base}"

    # -- charts ---------------------------------------------------------------------------

    def pair(self, held: tuple[str, str] | None = None) -> tuple[str, str] | None:
        """(long, short) asset of the chart: the open tilt's, else the plan's biggest legs,
        else the first two risk assets."""
        if held is not None:
            return held
        if self.plan is not None:
            pair = pair_of_plan(self.plan)
            if pair is not None:
                return pair
        risk = [a for a in self.risk_assets() if a not in STABLECOINS]
        return (risk[1], risk[0]) if len(risk) >= 2 else None

    def history_complete(self) -> bool:
        """Whether every followed perpetual has its price and funding history."""
        perps = [s for s, m in self.markets.items() if m.instrument == "perp"]
        return bool(perps) and all(
            s in self.price_history and s in self.funding_history for s in perps
        )

    def perp_of(self, asset: str) -> str | None:
        """The perpetual of ``asset`` on this venue, if any."""
        for symbol, market in self.markets.items():
            if market.base == asset and market.instrument == "perp":
                return symbol
        return None

    def spread_points(
        self, pair: tuple[str, str], now: datetime
    ) -> tuple[list[tuple[datetime, float]], bool]:
        """The price ratio long/short: history, then live samples; and whether it is stale."""
        prices = self.prices()
        long, short = pair
        if prices.get(long) and prices.get(short):
            ratio = prices[long] / prices[short]
            last = self.spread_samples[-1] if self.spread_samples else None
            if last is None or last[1] != ratio or (now - last[0]).total_seconds() > 60:
                self.spread_samples.append((now, ratio))
        points: list[tuple[datetime, float]] = []
        long_sym, short_sym = self.perp_of(long), self.perp_of(short)
        if long_sym and short_sym:
            shorts = dict(self.price_history.get(short_sym, []))
            points = [
                (t, p / shorts[t]) for t, p in self.price_history.get(long_sym, []) if shorts.get(t)
            ]
        points += [pt for pt in self.spread_samples if not points or pt[0] > points[-1][0]]
        stale = bool({long_sym, short_sym} & self.stale_symbols())
        return points, stale

    def funding_series(self, symbol: str | None) -> tuple[str, list[tuple[datetime, float]]]:
        """Annualized funding history of ``symbol`` (or the first perpetual)."""
        market = self.markets.get(symbol or "")
        if market is None or market.instrument != "perp":
            risk = self.risk_assets()
            symbol = self.perp_of(risk[0]) if risk else None
            market = self.markets.get(symbol or "")
        if market is None or symbol is None:
            return "", []
        quote = self.quotes.get(symbol)
        interval = (
            (quote.funding_interval_hours if quote else None)
            or market.funding_interval_hours
            or 8.0
        )
        factor = 365.0 * 24.0 / interval
        return symbol, [(t, r * factor) for t, r in self.funding_history.get(symbol, [])]
