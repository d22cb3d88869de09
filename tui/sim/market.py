"""The simulated market: a clock, correlated price walks, funding and dated-future prices.

Prices follow correlated geometric random walks (pure Python: `random.Random` and a hand-made
Cholesky factor), advanced lazily in fixed sim-time steps up to the moment asked about, so the
path depends only on the seed and the scenario, never on when or how often it is read. A
history of 1-minute closes is generated backwards from the start price on first use, so the
past ends exactly where the live walk begins.
"""

from __future__ import annotations

import math
import random
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from tui.sim.linalg import cholesky
from tui.sim.scenario import Asset, Future, Scenario

MS_PER_MINUTE = 60_000
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000
#: Seconds in the year that annualized volatility refers to.
YEAR_S = 365.0 * 86_400.0
#: How far back the generated history reaches before the clock start.
HISTORY_DAYS = 35
#: Binance's relative funding wander when prices move (fraction of the base rate, 1 σ).
FUNDING_WANDER = 0.3


@dataclass(frozen=True)
class Contract:
    """One listed contract: a perpetual (``future is None``) or a dated future."""

    symbol: str
    asset: Asset
    future: Future | None = None
    contract_type: str = "PERPETUAL"

    @property
    def perpetual(self) -> bool:
        """True for the perpetual swap."""
        return self.future is None


@dataclass(frozen=True)
class Snapshot:
    """Prices and funding of one contract at one sim time (ms)."""

    symbol: str
    time_ms: int
    index: float
    mark: float
    bid: float
    ask: float
    funding_rate: float | None
    """Rate of the upcoming settlement; None for dated futures."""
    next_funding_ms: int | None


class SimMarket:
    """The simulated market of one scenario; every read advances it to the current sim time."""

    def __init__(self, scenario: Scenario, wall_clock: Callable[[], float] = time.monotonic):
        """``wall_clock`` (seconds) drives the sim clock; tests may pass a fake one."""
        self.scenario = scenario
        self._wall_clock = wall_clock
        self._wall0 = wall_clock()
        self.start_ms = int(scenario.start.timestamp() * 1000)
        self.speed = scenario.clock.speed
        # One step per wall second at most: cheap at any speed, fine-grained at speed 1.
        self.step_ms = max(1000, int(1000 * self.speed))
        self.assets = list(scenario.assets)
        self._index = {a.name: i for i, a in enumerate(self.assets)}
        names = [a.name for a in self.assets]
        corr = [[scenario.correlation.between(a, b) for b in names] for a in names]
        self._chol = cholesky(corr)
        # Each row of the factor without its zeros, in column order: a scenario of hundreds of
        # independent assets steps in O(n), not O(n²); skipping exact zeros changes no sum.
        self._terms = [
            [(k, w) for k, w in enumerate(row[: i + 1]) if w != 0.0]
            for i, row in enumerate(self._chol)
        ]
        dt = self.step_ms / 1000.0 / YEAR_S
        self._sig = [a.vol * math.sqrt(dt) for a in self.assets]
        self._drift = [-0.5 * a.vol * a.vol * dt for a in self.assets]
        self._rng = random.Random(scenario.seed)
        self._t_ms = self.start_ms
        self._log = [math.log(a.price) for a in self.assets]
        self._prices = [a.price for a in self.assets]
        # Live 1-minute closes: element k closes the minute [start + k min, start + (k+1) min).
        self._live: list[array[float]] = [array("d") for _ in self.assets]
        # History, newest first: _back[i][j] is the log close j + 1 minutes before the start.
        self._back: list[array[float]] = [array("d") for _ in self.assets]
        self._hist_logs = [math.log(a.price) for a in self.assets]
        # Assets correlated with one another (directly or through others) walk their history
        # jointly; independent groups each have their own generator, so asking one coin's
        # past does not generate a whole venue's. The group of the first asset keeps the
        # generator a single-group scenario always had: its history is unchanged.
        self._blocks = independent_blocks(self._terms)
        self._block_of = [0] * len(self.assets)
        for b, members in enumerate(self._blocks):
            for i in members:
                self._block_of[i] = b
        self._hist_rngs = [
            random.Random(
                f"{scenario.seed}:history"
                if b == 0
                else f"{scenario.seed}:history:{self.assets[members[0]].name}"
            )
            for b, members in enumerate(self._blocks)
        ]
        self.settled: dict[str, float] = {}
        """Settlement price of every dated future that has expired, by Binance id."""
        self._pending = sorted(scenario.futures, key=lambda f: f.settles_at)

    # -- clock -----------------------------------------------------------------------------

    def now_ms(self) -> int:
        """The current sim time in epoch milliseconds."""
        elapsed = self._wall_clock() - self._wall0
        return self.start_ms + int(elapsed * self.speed * 1000)

    @property
    def history_start_ms(self) -> int:
        """The first minute of the generated history."""
        return self.start_ms - HISTORY_DAYS * MS_PER_DAY

    # -- the walk ----------------------------------------------------------------------------

    def _advance(self, to_ms: int) -> None:
        """Step the walk to the last grid time ≤ ``to_ms``, recording closes and settlements."""
        if self._t_ms + self.step_ms > to_ms:
            # Already there (every read of a price comes here): settle and return at once.
            self._settle_until(to_ms)
            return
        n = len(self.assets)
        sig, drift, terms = self._sig, self._drift, self._terms
        if not any(sig):
            # Nothing moves: jump the grid without drawing (keeps long frozen runs instant).
            steps = max(0, (to_ms - self._t_ms) // self.step_ms)
            self._t_ms += steps * self.step_ms
            self._record_minutes()
        while self._t_ms + self.step_ms <= to_ms:
            self._settle_until(self._t_ms + self.step_ms - 1)
            eps = [self._rng.gauss(0.0, 1.0) for _ in range(n)]
            for i in range(n):
                if sig[i] == 0.0:
                    continue  # vol 0: the price stays exactly as written in the scenario
                z = sum(w * eps[k] for k, w in terms[i])
                self._log[i] += sig[i] * z + drift[i]
                self._prices[i] = math.exp(self._log[i])
            self._t_ms += self.step_ms
            self._record_minutes()
        self._settle_until(to_ms)

    def _record_minutes(self) -> None:
        done = (self._t_ms - self.start_ms) // MS_PER_MINUTE
        for i, closes in enumerate(self._live):
            while len(closes) < done:
                closes.append(self._prices[i])

    def _settle_until(self, t_ms: int) -> None:
        """Settle every future whose settlement time is ≤ ``t_ms`` at the current index."""
        while self._pending and self._pending[0].settles_at.timestamp() * 1000 <= t_ms:
            fut = self._pending.pop(0)
            self.settled[fut.symbol] = self._prices[self._index[fut.asset]]

    def index_price(self, asset: str, now_ms: int | None = None) -> float:
        """The index (spot) price of ``asset`` now."""
        self._advance(self.now_ms() if now_ms is None else now_ms)
        return self._prices[self._index[asset]]

    # -- contracts -------------------------------------------------------------------------

    def contracts(self, now_ms: int | None = None) -> list[Contract]:
        """Every listed contract now: each asset's perpetual, then its unexpired futures."""
        now = self.now_ms() if now_ms is None else now_ms
        self._advance(now)
        out: list[Contract] = []
        for asset in self.assets:
            out.append(Contract(asset.symbol, asset))
            live = [f for f in self.scenario.futures if f.asset == asset.name]
            live = sorted(
                (f for f in live if f.symbol not in self.settled), key=lambda f: f.expiry_date
            )
            for rank, fut in enumerate(live):
                kind = "CURRENT_QUARTER" if rank == 0 else "NEXT_QUARTER"
                out.append(Contract(fut.symbol, asset, fut, kind))
        return out

    def contract(self, symbol: str, now_ms: int | None = None) -> Contract | None:
        """The listed contract with Binance id ``symbol``, or None."""
        for item in self.contracts(now_ms):
            if item.symbol == symbol:
                return item
        return None

    def future_price(self, fut: Future, spot: float, now_ms: int) -> float:
        """``F = S × (1 + basis × days_to_expiry / 365)``; converges to S at settlement."""
        days = max(0.0, (fut.settles_at.timestamp() * 1000 - now_ms) / MS_PER_DAY)
        return spot * (1.0 + fut.basis_annualized * days / 365.0)

    def snapshot(self, contract: Contract, now_ms: int | None = None) -> Snapshot:
        """Index, mark, bid/ask and funding of ``contract`` at ``now_ms`` (default now)."""
        now = self.now_ms() if now_ms is None else now_ms
        asset = contract.asset
        index = self.index_price(asset.name, now)
        rate: float | None = None
        next_ms: int | None = None
        if contract.future is None:
            mark = index * (1.0 + asset.premium)
            next_ms = self.next_funding_ms(asset, now)
            rate = self.funding_rate_at(asset, next_ms)
        else:
            mark = self.future_price(contract.future, index, now)
        bid, ask = quote_around(mark, asset.tick)
        return Snapshot(contract.symbol, now, index, mark, bid, ask, rate, next_ms)

    # -- funding -----------------------------------------------------------------------------

    def next_funding_ms(self, asset: Asset, now_ms: int | None = None) -> int:
        """The next settlement strictly after now: the next UTC-aligned multiple of the interval."""
        now = self.now_ms() if now_ms is None else now_ms
        interval = asset.funding_interval_hours * MS_PER_HOUR
        return (now // interval + 1) * interval

    def funding_rate_at(self, asset: Asset, settle_ms: int) -> float:
        """The rate settled at ``settle_ms``: the scenario's rate, wandering a little if vol > 0.

        Drawn from a generator seeded by (seed, asset, time), so history, the current estimate
        and later reads all agree without storing anything.
        """
        if asset.vol == 0.0:
            return asset.funding_rate
        rng = random.Random(f"{self.scenario.seed}:{asset.name}:{settle_ms}")
        rate = asset.funding_rate + FUNDING_WANDER * abs(asset.funding_rate) * rng.gauss(0, 1)
        return round(rate, 8)

    def funding_times(self, asset: Asset, start_ms: int, end_ms: int) -> list[int]:
        """Settlement times in ``[start_ms, end_ms]`` within the history and up to now."""
        interval = asset.funding_interval_hours * MS_PER_HOUR
        lo = max(start_ms, self.history_start_ms)
        hi = min(end_ms, self.now_ms())
        first = -(-lo // interval) * interval
        return list(range(first, hi + 1, interval)) if first <= hi else []

    # -- minute closes (history + live) ----------------------------------------------------

    def _history_close(self, i: int, back: int) -> float:
        """Close of the minute ``back + 1`` minutes before the start (0 = the last one).

        The history is a joint walk of the asset's group (see ``_blocks``) run backwards from
        the start prices, extended on demand in chunks; each group's generator is consumed in
        the same order however deep the reads go.
        """
        block = self._block_of[i]
        first = self._blocks[block][0]
        while back >= len(self._back[first]):
            self._extend_history(block, len(self._back[first]) + 1440)
        return math.exp(self._back[i][back])

    def _extend_history(self, block: int, depth: int) -> None:
        members = self._blocks[block]
        local = {g: p for p, g in enumerate(members)}
        dt = 60.0 / YEAR_S
        rows = [
            (
                i,
                self.assets[i].vol * math.sqrt(dt),
                0.5 * self.assets[i].vol * self.assets[i].vol * dt,
                [(local[k], w) for k, w in self._terms[i]],
            )
            for i in members
            if self.assets[i].vol > 0.0
        ]
        gauss = self._hist_rngs[block].gauss
        logs = self._hist_logs
        back = self._back
        size = len(members)
        for _ in range(len(back[members[0]]), depth):
            for i in members:
                back[i].append(logs[i])
            if rows:
                eps = [gauss(0.0, 1.0) for _ in range(size)]
                for i, sig, half_var, row in rows:
                    z = 0.0
                    for k, weight in row:
                        z += weight * eps[k]
                    logs[i] -= sig * z - half_var

    def minute_close(self, asset: str, minute_ms: int) -> float | None:
        """The close of the minute opening at ``minute_ms`` (None outside history .. now)."""
        i = self._index[asset]
        now = self.now_ms()
        if minute_ms < self.history_start_ms or minute_ms > now:
            return None
        if minute_ms < self.start_ms:
            return self._history_close(i, (self.start_ms - minute_ms - 1) // MS_PER_MINUTE)
        self._advance(now)
        k = (minute_ms - self.start_ms) // MS_PER_MINUTE
        live = self._live[i]
        return live[k] if k < len(live) else self._prices[i]

    def price_at(self, asset: str, t_ms: int) -> float:
        """The index close of the minute containing ``t_ms`` (clamped to the known range)."""
        minute = (t_ms // MS_PER_MINUTE) * MS_PER_MINUTE
        minute = min(max(minute, self.history_start_ms), self.now_ms())
        value = self.minute_close(asset, minute)
        return self.index_price(asset) if value is None else value


def quote_around(mark: float, tick: float) -> tuple[float, float]:
    """Best bid and ask one tick either side of ``mark`` on the tick grid."""
    m = mark / tick
    bid_ticks = math.ceil(m - 1e-9) - 1
    ask_ticks = math.floor(m + 1e-9) + 1
    return bid_ticks * tick, ask_ticks * tick


def independent_blocks(terms: list[list[tuple[int, float]]]) -> list[list[int]]:
    """Groups of assets linked by a non-zero factor entry (``terms[i]``: the ``(k, weight)``
    of row ``i``), each sorted, ordered by their first asset."""
    parent = list(range(len(terms)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, row in enumerate(terms):
        for k, _ in row:
            a, b = root(i), root(k)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(terms)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda members: members[0])
