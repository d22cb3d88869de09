"""Scenario files: the market the simulated exchange plays, read from TOML and validated.

A scenario names a seed, a clock (start and speed), the assets (price, volatility, funding,
lot sizes), dated futures (expiry and annualized basis), the pairwise correlation of the
price walks, the faults to inject, and what the demo account holds. `load_scenario` refuses a bad file with a one-line
`ScenarioError` naming the file and the dotted location of what is wrong.

Future expiries may be a date (``2026-03-27``) or relative to the clock start, so that a
scenario whose clock starts "now" always has live futures:

- ``"+90d"``: the date 90 days after the clock start;
- ``"current_quarter"``: the nearest Binance quarterly (last Friday of Mar/Jun/Sep/Dec,
  settling 08:00 UTC) still ahead of the clock start;
- ``"next_quarter"``: the quarterly after that one.
"""

from __future__ import annotations

import calendar
import math
import re
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tui.sim.linalg import cholesky

#: The scenario the simulator plays when none is given (prices ≈ today's, clock = now).
DEFAULT_SCENARIO = Path(__file__).with_name("scenarios") / "default.toml"
#: Frozen prices and a fixed clock start, for tests.
FROZEN_SCENARIO = Path(__file__).with_name("scenarios") / "frozen.toml"

#: Binance dated contracts settle at 08:00 UTC of their expiry date.
SETTLEMENT_TIME = time(8, 0, tzinfo=UTC)
#: Funding intervals a venue can use: they must divide a day so settlements align to UTC.
FUNDING_INTERVALS = (1, 2, 3, 4, 6, 8, 12, 24)
_RELATIVE_EXPIRY = re.compile(r"^\+(\d{1,4})d$")
_QUARTER_WORDS = ("current_quarter", "next_quarter")

Finite = Annotated[float, Field(allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

# Sane bounds (issue 10): far past any real market, well inside what floats, `decimal` and
# `datetime` handle. Past them a value is a typo, refused with the field's name.
#: Prices from 1e-8 (below any listed coin, PEPE ≈ 1e-5) to 1e9 USD (BTC ≈ 1e5).
Price = Annotated[float, Field(ge=1e-8, le=1e9, allow_inf_nan=False)]
#: Lot and tick steps: 1e-12 (below Binance's 1e-8) to 1e6 units; smaller is subnormal noise.
Step = Annotated[float, Field(ge=1e-12, le=1e6, allow_inf_nan=False)]
#: Quantities and USD amounts of a minimum or a balance: up to 1e12.
Amount = Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False)]
#: Clock speed: 100,000 is a simulated day in under a second; faster, a month's run would
#: pass the year 9999 that `datetime` ends at.
Speed = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]
#: Strict: no coercion of strings or booleans to numbers (``seed = "7"`` is a mistake).
STRICT = ConfigDict(extra="forbid", strict=True)


class ScenarioError(Exception):
    """A scenario file that cannot be used; ``str()`` is one line naming the file and the fault."""


def default_scenario_path() -> Path:
    """The path of the shipped default scenario."""
    return DEFAULT_SCENARIO


def settlement_datetime(expiry: date) -> datetime:
    """When a dated contract expiring on ``expiry`` settles: 08:00 UTC that day."""
    return datetime.combine(expiry, SETTLEMENT_TIME)


def quarterly_expiries(after: datetime, count: int = 2) -> list[date]:
    """The next ``count`` Binance quarterly expiries settling strictly after ``after``.

    A quarterly expires on the last Friday of March, June, September and December.
    """
    found: list[date] = []
    year, month = after.year, after.month
    while len(found) < count:
        if month % 3 == 0:
            last_day = calendar.monthrange(year, month)[1]
            day = date(year, month, last_day)
            day -= timedelta(days=(day.weekday() - calendar.FRIDAY) % 7)
            if settlement_datetime(day) > after:
                found.append(day)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return found


class Clock(BaseModel):
    """The simulated clock: ``sim time = start + wall seconds elapsed × speed``."""

    model_config = STRICT

    start: datetime | None = None
    """ISO UTC start of the simulated clock; ``None`` = the moment the scenario is loaded."""
    speed: Speed = 1.0
    """Simulated seconds per wall second; 0 freezes the clock (fixed funding times)."""

    @field_validator("start", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        """A TOML date-time or an ISO text; a number (``start = 12``) is no moment."""
        if value is None or isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{value!r} is not an ISO date-time") from None
        if isinstance(value, date):
            return datetime.combine(value, time(0, 0), tzinfo=UTC)
        raise ValueError(f'{value!r} is not a date-time; write e.g. "2026-01-05T00:00:00Z"')

    @field_validator("start")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A bare timestamp in a scenario means UTC, as every exchange time does.
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Asset(BaseModel):
    """One asset: its perpetual ``<NAME>USDT`` and the path its index price follows."""

    model_config = STRICT

    name: str
    """Base asset code, e.g. ``BTC`` (upper-cased)."""
    price: Price
    """Index price at the clock start, USD."""
    vol: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)]
    """Annualized volatility of the log price; 0 = frozen price (at most 1,000 %)."""
    funding_rate: Annotated[float, Field(ge=-0.1, le=0.1, allow_inf_nan=False)] = 0.0001
    """Funding rate per settlement (not annualized; venues cap it far below ±10 %)."""
    funding_interval_hours: int = 8
    """Hours between settlements; divides 24."""
    amount_step: Step
    """Order quantity step (ccxt ``precision.amount``)."""
    min_amount: Amount | None = None
    """Minimum order quantity; defaults to ``amount_step``."""
    min_notional: Amount = 5.0
    """Minimum order notional, USD (ccxt ``limits.cost.min``)."""
    price_step: Step | None = None
    """Price tick; defaults to about 1e-5 of the price, a power of ten."""
    premium: Annotated[float, Field(gt=-0.5, lt=0.5, allow_inf_nan=False)] = 0.0
    """Perpetual mark premium over the index: ``mark = index × (1 + premium)``."""
    max_leverage: Annotated[int, Field(ge=1, le=125)] = 50
    """Highest initial leverage of the first bracket."""
    maint_margin_rate: Annotated[float, Field(gt=0, lt=0.5, allow_inf_nan=False)] = 0.004
    """Maintenance margin rate of the first bracket."""
    taker_fee: Annotated[float, Field(ge=0, lt=0.01, allow_inf_nan=False)] = 0.0005
    """Taker fee charged on fills."""
    maker_fee: Annotated[float, Field(ge=-0.001, lt=0.01, allow_inf_nan=False)] = 0.0002
    """Maker fee (resting orders; the simulator only fills market orders)."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        name = value.strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{1,15}", name):
            raise ValueError(f"asset name {value!r} must be 1-15 letters or digits")
        return name

    @field_validator("funding_interval_hours")
    @classmethod
    def _interval(cls, value: int) -> int:
        if value not in FUNDING_INTERVALS:
            raise ValueError(f"funding interval {value} h must be one of {FUNDING_INTERVALS}")
        return value

    @model_validator(mode="after")
    def _defaults(self) -> Asset:
        if self.min_amount is None:
            self.min_amount = self.amount_step
        if self.price_step is None:
            self.price_step = max(1e-12, 10.0 ** (math.floor(math.log10(self.price)) - 5))
        if self.price_step >= self.price:
            raise ValueError(f"price_step {self.price_step} must be below the price {self.price}")
        return self

    @property
    def symbol(self) -> str:
        """The Binance id of the perpetual, e.g. ``BTCUSDT``."""
        return f"{self.name}USDT"

    @property
    def tick(self) -> float:
        """The price tick (``price_step`` after defaults)."""
        assert self.price_step is not None
        return self.price_step

    @property
    def min_qty(self) -> float:
        """The minimum quantity (``min_amount`` after defaults)."""
        assert self.min_amount is not None
        return self.min_amount


class Future(BaseModel):
    """A dated (delivery) future on an asset: ``F = S × (1 + basis × days_to_expiry / 365)``."""

    model_config = STRICT

    asset: str
    """Name of a scenario asset."""
    expiry: date | str
    """A date, ``"+Nd"``, ``"current_quarter"`` or ``"next_quarter"``; a date after loading."""
    basis_annualized: Annotated[float, Field(gt=-1, lt=5, allow_inf_nan=False)]
    """Annualized basis of the future over the index."""

    @field_validator("asset")
    @classmethod
    def _asset(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator("expiry", mode="before")
    @classmethod
    def _expiry(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str):
            text = value.strip()
            if _RELATIVE_EXPIRY.match(text) or text in _QUARTER_WORDS:
                return text
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    f"expiry {value!r} is not a date, '+Nd', 'current_quarter' or 'next_quarter'"
                ) from None
        return value

    @property
    def expiry_date(self) -> date:
        """The expiry date (resolved by `Scenario` against its clock start)."""
        if not isinstance(self.expiry, date):
            raise ValueError(f"expiry {self.expiry!r} was not resolved")
        return self.expiry

    @property
    def symbol(self) -> str:
        """The Binance id, e.g. ``BTCUSDT_260327``."""
        return f"{self.asset}USDT_{self.expiry_date:%y%m%d}"

    @property
    def settles_at(self) -> datetime:
        """Settlement time: 08:00 UTC of the expiry date."""
        return settlement_datetime(self.expiry_date)


class Correlation(BaseModel):
    """Pairwise correlation of the assets' log returns."""

    model_config = STRICT

    default: Annotated[float, Field(gt=-1, lt=1, allow_inf_nan=False)] = 0.0
    """Correlation of every pair not listed in ``pairs``."""
    pairs: dict[str, Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)]] = {}
    """Explicit pairs keyed ``"BTC-ETH"``."""

    def between(self, a: str, b: str) -> float:
        """The correlation of assets ``a`` and ``b`` (1 for an asset with itself)."""
        if a == b:
            return 1.0
        for key in (f"{a}-{b}", f"{b}-{a}"):
            if key in self.pairs:
                return self.pairs[key]
        return self.default


class AccountSpec(BaseModel):
    """The demo account's futures wallet: what it holds at the start, by asset."""

    model_config = STRICT

    balances: dict[str, Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]] = Field(
        default_factory=lambda: {"USDT": 100_000.0}
    )
    """Asset → amount. USDT is the margin (single-asset mode); the others are held and listed
    in the balance, never used as margin."""

    @field_validator("balances")
    @classmethod
    def _names(cls, value: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, amount in value.items():
            code = name.strip().upper()
            if not re.fullmatch(r"[A-Z0-9]{1,15}", code):
                raise ValueError(f"asset name {name!r} must be 1-15 letters or digits")
            if code in out:
                raise ValueError(f"{code} is listed twice")
            out[code] = amount
        return out


class Faults(BaseModel):
    """Faults the server injects; all off by default. Settable at runtime on the server."""

    model_config = STRICT

    latency_ms: Annotated[float, Field(ge=0, le=600_000, allow_inf_nan=False)] = 0.0
    """Delay added before every REST answer (at most ten minutes)."""
    error_rate: Fraction = 0.0
    """Fraction of REST requests answered 503 with ``{"code": -1001, ...}``."""
    rate_limit_every: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    """Every Nth REST request gets HTTP 429 with ``Retry-After``; 0 = never."""
    malformed_rate: Fraction = 0.0
    """Fraction of REST bodies cut short (truncated JSON)."""
    ws_drop_every_s: Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)] = 0.0
    """Close every websocket connection this often (wall seconds); 0 = never."""
    ban_s: Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)] = 0.0
    """While > 0, every REST request gets HTTP 418 (Binance's IP ban) with ``Retry-After``
    of this many seconds (rounded up); 0 = no ban."""


class Scenario(BaseModel):
    """A whole scenario: what `SimMarket` plays and `SimServer` serves."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    """Seed of every random draw (price walks, funding wander, faults)."""
    clock: Clock = Field(default_factory=Clock)
    """Start and speed of the simulated clock."""
    assets: list[Asset] = Field(alias="asset", min_length=1)
    """``[[asset]]`` tables."""
    futures: list[Future] = Field(default_factory=list, alias="future")
    """``[[future]]`` tables."""
    correlation: Correlation = Field(default_factory=Correlation)
    """``[correlation]`` table."""
    faults: Faults = Field(default_factory=Faults)
    """``[faults]`` table."""
    account: AccountSpec = Field(default_factory=AccountSpec)
    """``[account]`` table."""

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.clock.start is None:
            # Whole seconds: a start of "now" should print and compare cleanly.
            self.clock.start = datetime.now(UTC).replace(microsecond=0)
        start = self.clock.start
        names = [a.name for a in self.assets]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"asset[{i}].name: {name} is listed twice")
        for key in self.correlation.pairs:
            parts = key.split("-")
            if len(parts) != 2 or parts[0] == parts[1] or not set(parts) <= set(names):
                raise ValueError(
                    f"correlation.pairs.{key}: expected 'A-B' with two different known assets"
                )
        matrix = [[self.correlation.between(a, b) for b in names] for a in names]
        try:
            cholesky(matrix)
        except ValueError as exc:
            raise ValueError(f"correlation: {exc}") from None
        seen: set[str] = set()
        for i, fut in enumerate(self.futures):
            if fut.asset not in names:
                raise ValueError(f"future[{i}].asset: unknown asset {fut.asset}")
            fut.expiry = _resolve_expiry(fut.expiry, start)
            if fut.settles_at <= start:
                raise ValueError(
                    f"future[{i}].expiry: {fut.expiry} settles before the clock start {start:%F}"
                )
            if fut.symbol in seen:
                raise ValueError(f"future[{i}].expiry: {fut.symbol} is listed twice")
            seen.add(fut.symbol)
        return self

    @property
    def start(self) -> datetime:
        """The clock start (resolved to "now" at load time when the file leaves it out)."""
        assert self.clock.start is not None
        return self.clock.start

    def asset(self, name: str) -> Asset:
        """The asset named ``name`` (KeyError if unknown)."""
        for item in self.assets:
            if item.name == name:
                return item
        raise KeyError(name)


def _resolve_expiry(value: date | str, start: datetime) -> date:
    if isinstance(value, date):
        return value
    match = _RELATIVE_EXPIRY.match(value)
    if match:
        return start.date() + timedelta(days=int(match.group(1)))
    current, following = quarterly_expiries(start, 2)
    return current if value == "current_quarter" else following


def _location(loc: tuple[int | str, ...]) -> str:
    """Pydantic's location as the TOML reader sees it: ``asset[2].vol``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def parse_scenario(
    data: dict[str, Any], source: str = "<scenario>", *, now: datetime | None = None
) -> Scenario:
    """Validate an already-parsed TOML mapping; raise `ScenarioError` naming ``source``.

    ``now`` is the clock start when the mapping gives none (default: this moment), so a
    caller — a test — can pin what "now" means for a scenario that starts "now".
    """
    clock = data.get("clock", {})
    if now is not None and isinstance(clock, dict) and clock.get("start") is None:
        data = {**data, "clock": {**clock, "start": now}}
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _location(tuple(err["loc"]))
        msg = str(err["msg"]).removeprefix("Value error, ")
        detail = f"{where}: {msg}" if where else msg
        more = len(exc.errors()) - 1
        suffix = f" (and {more} more)" if more else ""
        raise ScenarioError(f"{source}: {detail}{suffix}".replace("\n", " ")) from None


def load_scenario(path: str | Path, *, now: datetime | None = None) -> Scenario:
    """Read and validate a scenario TOML file (``now``: see `parse_scenario`).

    Raises `ScenarioError` with one line: the file and what is wrong where (a missing file,
    a TOML syntax error with its line, or a bad field with its dotted location).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{file}: no such scenario file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{file}: cannot read ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{file}: invalid TOML: {exc}") from None
    return parse_scenario(data, str(file), now=now)
