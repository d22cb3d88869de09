"""What the app knows right now: portfolio, markets, quotes, feed health, tilt, plan, active tilt.

Plain Python (no widgets), so the rules — staleness, overlay, the pair spread, re-planning —
are testable without a terminal. The app folds messages into it and renders from it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.app import format as fmt
from tui.app.modals.holding_form import HoldingEdit
from tui.core.models import STABLECOINS, MarketSpec, Plan, Portfolio, Quote, TiltSpec

#: A quote older than this (wall-clock seconds since it was received) is shown stale.
STALE_AFTER_S = 15.0
#: Below this age the header just says live.
FRESH_S = 5.0


def wall_now() -> datetime:
    """Wall-clock time: staleness is measured against when this process received data."""
    return datetime.now(UTC)


@dataclass
class ActiveTilt:
    """A confirmed tilt and what it holds."""

    tilt_id: str
    spec: TiltSpec
    plan: Plan
    entered_at: datetime
    fills: list[Any]
    positions: dict[str, tuple[str, float, float]]
    """asset → (symbol, signed base quantity, average entry price)."""
    entry_spread: float | None = None
    pair: tuple[str, str] | None = None


@dataclass
class AppState:
    """The app's model; panes are re-rendered from it when flagged dirty."""

    venue: str
    demo: bool = False
    live: bool = False
    portfolio: Portfolio = field(default_factory=lambda: Portfolio(holdings={}))
    markets: dict[str, MarketSpec] = field(default_factory=dict)
    quotes: dict[str, Quote] = field(default_factory=dict)
    feed_state: str = "connecting"
    feed_detail: str = ""
    feeds: dict[str, str] = field(default_factory=dict)
    """State of each named feed (marks, book, stream…), for the header's detail."""
    feed_since: datetime = field(default_factory=wall_now)
    last_quote_at: datetime | None = None
    tilt: TiltSpec | None = None
    tilt_problems: list[str] = field(default_factory=list)
    plan: Plan | None = None
    plan_problem: str = ""
    discarded: bool = False
    active: ActiveTilt | None = None
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

    # -- labels ---------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """DEMO / PAPER / LIVE."""
        return "DEMO" if self.demo else ("LIVE" if self.live else "PAPER")

    @property
    def venue_label(self) -> str:
        """The venue as the header shows it."""
        return f"{self.venue} (simulated)" if self.demo else self.venue

    # -- ingest ---------------------------------------------------------------------------

    def ingest_quotes(self, quotes: Mapping[str, Quote], at: datetime) -> None:
        """Fold fresh quotes in (cheap: the refresh timer does the rendering)."""
        self.quotes.update(quotes)
        self.last_quote_at = wall_now()
        self.dirty_quotes = True

    def set_feed(self, state: str, detail: str) -> None:
        """Record the venue's health."""
        if state != self.feed_state:
            self.feed_since = wall_now()
        self.feed_state = state
        self.feed_detail = detail

    # -- derived --------------------------------------------------------------------------

    def risk_assets(self) -> list[str]:
        """Portfolio assets that futures can tilt."""
        return self.portfolio.risk_assets()

    def prices(self) -> dict[str, float]:
        """A spot price per asset (perp index, else mark)."""
        from tui.core.portfolio import asset_prices

        return asset_prices(self.markets.values(), self.quotes)

    def stale_symbols(self, now: datetime | None = None) -> set[str]:
        """Symbols whose quote is old, or all of them when the venue is stale or offline."""
        if self.feed_state in ("stale", "offline"):
            return set(self.markets) | set(self.quotes)
        wall = wall_now()
        return {
            s
            for s, q in self.quotes.items()
            if (wall - q.received_at).total_seconds() > STALE_AFTER_S
        }

    def stale_assets(self, now: datetime | None = None) -> set[str]:
        """Assets whose price comes from a stale quote."""
        stale = self.stale_symbols(now)
        return {m.base for s, m in self.markets.items() if s in stale and m.instrument == "perp"}

    def overlay(self) -> dict[str, float]:
        """Signed futures notional held per asset (the active tilt), at current prices."""
        if self.active is None:
            return {}
        out: dict[str, float] = {}
        for asset, (symbol, qty, entry) in self.active.positions.items():
            quote = self.quotes.get(symbol)
            price = (quote.price if quote else None) or entry
            out[asset] = out.get(asset, 0.0) + qty * price
        return out

    # -- planning -------------------------------------------------------------------------

    def replan(self, now: datetime, settings: Mapping[str, Any]) -> str:
        """Re-plan the tilt; returns a note for the legs pane when there is no plan."""
        from tui.core.errors import InputError
        from tui.core.planner import plan_tilt

        self.plan = None
        self.plan_problem = ""
        if self.discarded:
            return "Proposal discarded. Change an input to propose again."
        if self.tilt is None:
            return "Fix the tilt builder: " + "; ".join(self.tilt_problems)
        if not self.markets:
            return f"Waiting for markets from {self.venue}…"
        try:
            self.plan = plan_tilt(
                self.portfolio,
                self.tilt,
                self.markets.values(),
                self.quotes,
                venue=self.venue,
                now=now,
                overlay=self.overlay(),
                max_leverage_fallback=float(settings.get("max_leverage_fallback", 20.0)),
            )
        except InputError as exc:
            self.plan_problem = str(exc)
            return f"Cannot plan: {exc}"
        if not self.plan.legs:
            note = "Every asset already sits at its target: no legs."
            self.plan = None
            return note
        return ""

    def sum_line(self) -> str:
        """Sum of the tactical targets and the base, under the builder's targets."""
        if self.tilt is None:
            return ""
        total = sum(self.tilt.targets.values())
        if self.tilt.base_usd is not None:
            base = f"{fmt.usd(self.tilt.base_usd)} base"
        else:
            base = f"{fmt.usd(self.portfolio.value(self.prices()))} base (portfolio value)"
        return f"Σ targets {total:.0%} of {base}"

    # -- charts ---------------------------------------------------------------------------

    def pair(self) -> tuple[str, str] | None:
        """(long, short) asset of the tilt: active tilt, else the plan's biggest legs."""
        if self.active is not None and self.active.pair:
            return self.active.pair
        if self.plan is not None:
            buys = [leg for leg in self.plan.legs if leg.side == "buy"]
            sells = [leg for leg in self.plan.legs if leg.side == "sell"]
            if buys and sells:
                long = max(buys, key=lambda leg: abs(leg.target_notional_usd)).asset
                short = max(sells, key=lambda leg: abs(leg.target_notional_usd)).asset
                return long, short
        risk = [a for a in self.risk_assets() if a not in STABLECOINS]
        return (risk[1], risk[0]) if len(risk) >= 2 else None

    def history_complete(self) -> bool:
        """Whether every followed perpetual has its price and funding history."""
        perps = [s for s, m in self.markets.items() if m.instrument == "perp"]
        return bool(perps) and all(
            s in self.price_history and s in self.funding_history for s in perps
        )

    def _perp(self, asset: str) -> str | None:
        for symbol, market in self.markets.items():
            if market.base == asset and market.instrument == "perp":
                return symbol
        return None

    def sample_spread(self, now: datetime) -> None:
        """Append the current pair spread to the live series (called at refresh rate)."""
        pair = self.pair()
        if pair is None:
            return
        prices = self.prices()
        if pair[0] in prices and pair[1] in prices and prices[pair[1]]:
            ratio = prices[pair[0]] / prices[pair[1]]
            if (
                not self.spread_samples
                or self.spread_samples[-1][1] != ratio
                or ((now - self.spread_samples[-1][0]).total_seconds() > 60)
            ):
                self.spread_samples.append((now, ratio))

    def spread_series(self, now: datetime) -> tuple[str, list[tuple[datetime, float]], bool]:
        """Label, points and staleness of the pair spread (since entry when a tilt is active)."""
        pair = self.pair()
        if pair is None:
            return "needs two assets", [], False
        self.sample_spread(now)
        long, short = pair
        points: list[tuple[datetime, float]] = []
        long_sym, short_sym = self._perp(long), self._perp(short)
        if long_sym and short_sym:
            shorts = dict(self.price_history.get(short_sym, []))
            points = [
                (t, p / shorts[t]) for t, p in self.price_history.get(long_sym, []) if shorts.get(t)
            ]
        live = [pt for pt in self.spread_samples if not points or pt[0] > points[-1][0]]
        points += live
        stale = bool({long_sym, short_sym} & self.stale_symbols(now))
        label = f"{long}/{short}"
        if self.active is not None and self.active.entry_spread:
            since = [pt for pt in points if pt[0] >= self.active.entered_at]
            move = points[-1][1] / self.active.entry_spread - 1.0 if points else None
            if len(since) >= 2:
                points = since
                label += f" since entry {fmt.pct(move, decimals=2, signed=True)}"
            else:  # just entered: show the recent history until the tilt has its own
                label += f" (just entered, {fmt.pct(move, decimals=2, signed=True)})"
        return label, points, stale

    def funding_series(self, symbol: str | None) -> tuple[str, list[tuple[datetime, float]]]:
        """Annualized funding history of ``symbol`` (or the first perpetual)."""
        market = self.markets.get(symbol or "")
        if market is None or market.instrument != "perp":
            risk = self.risk_assets()
            symbol = self._perp(risk[0]) if risk else None
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


def connection_words(state: AppState, now: datetime, demo: bool) -> tuple[str, str]:
    """(css state, plain words) for the header's connection field."""
    venue = state.venue
    detail = f": {state.feed_detail}" if state.feed_detail else ""
    age = None
    if state.last_quote_at is not None:
        age = (wall_now() - state.last_quote_at).total_seconds()
    if state.feed_state == "offline":
        hint = "" if demo else " · no network? try --demo"
        return "offline", f"✕ cannot reach {venue}, retrying{detail}{hint}"
    if state.feed_state == "stale":
        return "stale", f"○ stale: no fresh data for {age or 0:.0f} s{detail}"
    if state.feed_state == "degraded":
        lagging = [f"{name} {st}" for name, st in sorted(state.feeds.items()) if st != "live"]
        why = detail or (": " + ", ".join(lagging) if lagging else "")
        return "degraded", f"◐ degraded{why}"
    if state.feed_state == "live":
        if age is not None and age > STALE_AFTER_S:
            return "stale", f"○ stale: last quote {age:.0f} s ago"
        # Fresh data needs no age; the age appears once it is worth a glance.
        if age is not None and age > FRESH_S:
            return "live", f"● live · last quote {age:.0f} s ago"
        return "live", f"● live · {venue}"
    return "connecting", f"connecting to {venue}…"


def edited_portfolio(portfolio: Portfolio, edit: HoldingEdit) -> Portfolio:
    """The portfolio with one holding set; other SAA targets rescaled to keep 100 %."""
    holdings = dict(portfolio.holdings)
    strategic = dict(portfolio.strategic)
    if edit.previous_asset and edit.previous_asset != edit.asset:
        holdings.pop(edit.previous_asset, None)
        strategic.pop(edit.previous_asset, None)
    holdings[edit.asset] = edit.quantity
    if edit.strategic_pct is not None:
        strategic.pop(edit.asset, None)
        strategic = _rescale(strategic, 100.0 - edit.strategic_pct)
        strategic[edit.asset] = edit.strategic_pct
    elif strategic and edit.asset not in strategic:
        strategic = _rescale(strategic, 100.0)
    if strategic and abs(sum(strategic.values()) - 100.0) > 1e-6:
        raise ValueError(
            f"SAA targets sum to {sum(strategic.values()):g}%: give {edit.asset} 100% "
            "or add another asset's target first"
        )
    return Portfolio(holdings=holdings, strategic=strategic)


def without_asset(portfolio: Portfolio, asset: str) -> Portfolio:
    """The portfolio without ``asset``; remaining SAA targets rescaled to 100 %."""
    holdings = {a: q for a, q in portfolio.holdings.items() if a != asset}
    strategic = _rescale({a: w for a, w in portfolio.strategic.items() if a != asset}, 100.0)
    return Portfolio(holdings=holdings, strategic=strategic)


def _rescale(weights: dict[str, float], total: float) -> dict[str, float]:
    current = sum(weights.values())
    if current <= 0 or not weights:
        return weights
    out = {a: round(w * total / current, 6) for a, w in weights.items()}
    # Put the rounding remainder on the last asset so the sum is exactly ``total``.
    last = next(reversed(out))
    out[last] = total - sum(w for a, w in out.items() if a != last)
    return out
