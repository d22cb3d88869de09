"""The domain's nouns: markets, quotes, portfolios, tilts, legs and plans.

Every money amount is USD (the settle currency of linear contracts, stablecoins at 1.0);
every signed notional follows docs/design.md §2: positive = long.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tui.core.limits import (
    MAX_LEVERAGE,
    MAX_QUANTITY,
    MAX_TARGET_PCT,
    MAX_USD,
    MAX_WINDOW_DAYS,
    check_asset_name,
)
from tui.core.margin import Bracket, LiquidationRule

#: Assets valued at 1.0 USD and treated as cash, never hedged with futures.
STABLECOINS = frozenset({"USDT", "USDC", "USD", "BUSD", "FDUSD", "DAI", "TUSD", "USDE"})

Instrument = Literal["perp", "future"]
InstrumentChoice = Literal["auto", "perp", "future"]
Side = Literal["buy", "sell"]
LegStatus = Literal["ok", "below_minimum", "blocked"]

MS_PER_HOUR = 3_600_000


def utc_from_ms(ms: float | int | None) -> datetime | None:
    """A UTC datetime from epoch milliseconds (``None`` stays ``None``)."""
    if ms is None:
        return None
    return datetime.fromtimestamp(float(ms) / 1000.0, tz=UTC)


def _finite(value: float, name: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


class MarketSpec(BaseModel):
    """What the planner needs of one linear futures market, built from a ccxt market dict."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    """ccxt unified symbol, e.g. ``BTC/USDT:USDT`` or ``BTC/USDT:USDT-260327``."""
    exchange_id: str = ""
    """Exchange id (``binanceusdm``) the market belongs to."""
    base: str
    quote: str
    settle: str
    instrument: Instrument
    contract_size: float = 1.0
    """Base units per contract (OKX: 0.01 BTC; Binance/Bybit linear: 1)."""
    expiry: datetime | None = None
    amount_precision: float | None = None
    """ccxt ``precision.amount`` (a tick size under TICK_SIZE mode)."""
    price_precision: float | None = None
    precision_mode: int = 4
    """ccxt precision mode; 4 = TICK_SIZE, 2 = DECIMAL_PLACES, 3 = SIGNIFICANT_DIGITS."""
    min_amount: float | None = None
    min_cost: float | None = None
    max_leverage: float | None = None
    taker: float = 0.0005
    maker: float = 0.0002
    maintenance_margin_rate: float = 0.004
    """The first bracket's MMR when no brackets are known (an estimate, Binance BTCUSDT's)."""
    brackets: tuple[Bracket, ...] = ()
    """The venue's margin brackets, lowest notional first (empty: not known yet)."""
    brackets_source: Literal["venue", "fallback"] = "fallback"
    """Where ``brackets`` came from: the venue, or `tui.core.margin.fallback_brackets`."""
    liquidation_rule: LiquidationRule = "binance"
    """Whose isolated liquidation formula applies (by venue)."""
    funding_interval_hours: float | None = None
    """The market's own settlement interval; ``None`` when the venue does not say (then 8 h)."""
    contract_type: str | None = None
    """Venue label such as Binance's ``CURRENT_QUARTER`` (weekly vs quarterly is not unified)."""

    @classmethod
    def from_ccxt(
        cls,
        market: dict[str, Any],
        *,
        exchange_id: str = "",
        precision_mode: int = 4,
        funding_interval_hours: float | None = None,
    ) -> MarketSpec:
        """Build from a ccxt unified market (``exchange.markets[symbol]``)."""
        limits = market.get("limits") or {}
        precision = market.get("precision") or {}
        info = market.get("info") or {}
        # Never ``info.maintMarginPercent``: Binance documents it as "ignore" (it is "2.5000"
        # on every live symbol). The rate comes from the venue's brackets, else the fallback.
        mmr = market.get("maintenanceMarginRate")
        interval = funding_interval_hours
        if interval is None and isinstance(info, dict) and info.get("fundingInterval"):
            # Bybit reports minutes.
            interval = float(info["fundingInterval"]) / 60.0
        return cls(
            symbol=market["symbol"],
            exchange_id=exchange_id,
            base=market["base"],
            quote=market["quote"],
            settle=market.get("settle") or market["quote"],
            instrument="future" if market.get("type") == "future" else "perp",
            contract_size=float(market.get("contractSize") or 1.0),
            expiry=utc_from_ms(market.get("expiry")),
            amount_precision=_opt_float(precision.get("amount")),
            price_precision=_opt_float(precision.get("price")),
            precision_mode=precision_mode,
            min_amount=_opt_float((limits.get("amount") or {}).get("min")),
            min_cost=_opt_float((limits.get("cost") or {}).get("min")),
            max_leverage=_opt_float((limits.get("leverage") or {}).get("max")),
            taker=_float_or(market.get("taker"), 0.0005),
            maker=_float_or(market.get("maker"), 0.0002),
            maintenance_margin_rate=float(mmr) if mmr is not None else 0.004,
            funding_interval_hours=interval,
            contract_type=(info.get("contractType") or info.get("alias") or None)
            if isinstance(info, dict)
            else None,
        )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _float_or(value: Any, default: float) -> float:
    """``value`` as a float, or ``default`` when absent (a 0 fee stays 0)."""
    return default if value is None else float(value)


class Quote(BaseModel):
    """One market's prices and funding as last received."""

    symbol: str
    mark: float | None = None
    index: float | None = None
    bid: float | None = None
    ask: float | None = None
    last: float | None = None
    funding_rate: float | None = None
    """Rate for the upcoming settlement (per interval, not annualized)."""
    next_funding_time: datetime | None = None
    funding_interval_hours: float | None = None
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    """When this process received it: the basis of staleness."""

    @property
    def price(self) -> float | None:
        """The reference price: mark, else mid of bid/ask, else last."""
        if self.mark:
            return self.mark
        if self.bid and self.ask:
            return (self.bid + self.ask) / 2.0
        return self.last

    @property
    def premium(self) -> float | None:
        """Perp premium ``(mark − index) / index``."""
        if self.mark and self.index:
            return (self.mark - self.index) / self.index
        return None


def annualize_funding(rate: float, interval_hours: float) -> float:
    """Annualized funding: ``rate × 365 × 24 / interval_hours`` (8 h → ×1095, 1 h → ×8760)."""
    return rate * (365.0 * 24.0 / interval_hours)


class Portfolio(BaseModel):
    """Spot holdings (quantities) and the strategic (SAA) targets in percent."""

    holdings: dict[str, float]
    strategic: dict[str, float] = Field(default_factory=dict)

    @field_validator("holdings")
    @classmethod
    def _check_holdings(cls, value: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for asset, qty in value.items():
            name = _unique_name(asset, out, "holdings")
            _finite(qty, f"holdings.{name}")
            if qty < 0:
                raise ValueError(f"holdings.{name} is negative ({qty}); spot quantities are ≥ 0")
            if qty > MAX_QUANTITY:
                raise ValueError(
                    f"holdings.{name} is {qty:g}, above {MAX_QUANTITY:g} "
                    "(more than the supply of any listed coin)"
                )
            out[name] = float(qty)
        return out

    @field_validator("strategic")
    @classmethod
    def _check_strategic(cls, value: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for asset, pct in value.items():
            name = _unique_name(asset, out, "strategic")
            _finite(pct, f"strategic.{name}")
            if pct < 0:
                raise ValueError(f"strategic.{name} is negative ({pct}); SAA targets are ≥ 0")
            if pct > 100:
                raise ValueError(f"strategic.{name} is {pct:g}%, above 100%")
            out[name] = float(pct)
        if out:
            total = sum(out.values())
            if abs(total - 100.0) > 1e-6:
                raise ValueError(f"strategic targets sum to {total:g}%, not 100%")
        return out

    @property
    def assets(self) -> list[str]:
        """Every asset named in holdings or targets, holdings order first."""
        seen = list(self.holdings)
        seen += [a for a in self.strategic if a not in self.holdings]
        return seen

    def risk_assets(self) -> list[str]:
        """Assets that are not stablecoins (the ones futures can tilt)."""
        return [a for a in self.assets if a not in STABLECOINS]

    def value(self, prices: dict[str, float]) -> float:
        """Spot value in USD; stablecoins count 1.0, assets without a price count 0."""
        total = 0.0
        for asset, qty in self.holdings.items():
            price = 1.0 if asset in STABLECOINS else prices.get(asset)
            if price is not None:
                total += qty * price
        return total


def _unique_name(asset: str, seen: dict[str, float], section: str) -> str:
    """``asset`` as a code (`check_asset_name`), refused if ``seen`` has it in any case or
    spacing (``BTC`` and `` btc`` are one asset: silently keeping the last would lose one)."""
    name = check_asset_name(asset, f"{section} asset")
    if name in seen:
        raise ValueError(f"{section}.{name} is listed twice ({asset!r} is the same asset)")
    return name


def check_leverage(leverage: float) -> float:
    """``leverage`` if it is a whole number from 1, else `ValueError` with a one-line reason.

    Venues take whole-number leverage from 1 up to the bracket's maximum (Binance: 1..125).
    """
    if not math.isfinite(leverage):
        raise ValueError(f"leverage must be a finite number, got {leverage}")
    if leverage < 1:
        raise ValueError(f"leverage must be a whole number from 1, got {leverage:g}")
    if leverage > MAX_LEVERAGE:
        raise ValueError(
            f"leverage {leverage:g}× is above {MAX_LEVERAGE:g}×, more than any venue offers"
        )
    if leverage != math.floor(leverage):
        raise ValueError(
            f"leverage must be a whole number (venues take 1, 2, 3 …), got {leverage:g}"
        )
    return leverage


class TiltSpec(BaseModel):
    """A tactical target: per-asset exposure as a fraction of the capital base."""

    targets: dict[str, float]
    """Tactical weights as fractions of ``base_usd`` (0.65 = 65 %); negative = net short."""
    base_usd: float | None = None
    """Capital base; ``None`` = the portfolio's value."""
    window_days: float = 30.0
    leverage: float = 3.0
    instrument: InstrumentChoice = "auto"
    instruments: dict[str, InstrumentChoice] = Field(default_factory=dict)
    """Per-asset override of ``instrument``."""
    stop_loss_pct: float | None = None
    """Max loss as % of base before the stop proposes an unwind."""
    stop_spread_pct: float | None = None
    """Adverse move of the relative spread (%) before the stop proposes an unwind."""

    @field_validator("targets")
    @classmethod
    def _check_targets(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("the tilt names no asset")
        out: dict[str, float] = {}
        for asset, w in value.items():
            name = check_asset_name(asset, "target")
            if name in out:
                raise ValueError(f"target {name}: given twice ({asset!r} is the same asset)")
            _finite(w, f"target {name}")
            if abs(w) * 100 > MAX_TARGET_PCT:
                raise ValueError(
                    f"target {name} is {w * 100:g}% of the base, beyond ±{MAX_TARGET_PCT:g}% "
                    "(ten times the base in one asset)"
                )
            out[name] = float(w)
        return out

    @model_validator(mode="after")
    def _check_numbers(self) -> TiltSpec:
        _finite(self.window_days, "window days")
        _finite(self.leverage, "leverage")
        if self.window_days <= 0:
            raise ValueError(f"the window must be > 0 days, got {self.window_days:g}")
        if self.window_days > MAX_WINDOW_DAYS:
            raise ValueError(
                f"the window is {self.window_days:g} days, above {MAX_WINDOW_DAYS:g} "
                "(ten years: a tactical window is days or weeks)"
            )
        check_leverage(self.leverage)
        if self.base_usd is not None:
            _finite(self.base_usd, "base")
            if self.base_usd <= 0:
                raise ValueError(f"the capital base must be > 0 USD, got {self.base_usd:g}")
            if self.base_usd > MAX_USD:
                raise ValueError(
                    f"the capital base is {self.base_usd:g} USD, above {MAX_USD:g} "
                    "(a trillion dollars)"
                )
        for name in ("stop_loss_pct", "stop_spread_pct"):
            v = getattr(self, name)
            if v is not None and (not math.isfinite(v) or v <= 0):
                raise ValueError(f"{name.replace('_', ' ')} must be > 0, got {v}")
        return self

    def instrument_for(self, asset: str) -> InstrumentChoice:
        """The instrument choice for one asset (override, else the default)."""
        return self.instruments.get(asset, self.instrument)


class Candidate(BaseModel):
    """One market considered for a leg, costed at the leg's target notional (unrounded):
    what `auto` compared, and why a market was or was not allowed."""

    symbol: str
    instrument: Instrument
    expiry: datetime | None = None
    price: float = 0.0
    carry_usd: float = 0.0
    """Expected carry over the window: ``funding_usd + basis_usd`` (to the holder)."""
    funding_usd: float = 0.0
    basis_usd: float = 0.0
    fee_usd: float = 0.0
    roll_cost_usd: float = 0.0
    roll_by: datetime | None = None
    net_usd: float = 0.0
    """``carry − fee − roll cost``: what `auto` maximises."""
    annualized_rate: float | None = None
    margin_usd: float = 0.0
    max_leverage: float | None = None
    """The leverage cap of the bracket this notional falls in."""
    mmr: float | None = None
    liquidation_price: float | None = None
    liquidation_distance: float | None = None
    liquidation_estimate: bool = False
    """The bracket is `fallback_brackets`' estimate, not the venue's table."""
    allowed: bool = True
    reason: str = ""
    """Why not allowed ("" when allowed)."""
    chosen: bool = False


class Leg(BaseModel):
    """One futures order of a plan, sized and costed."""

    asset: str
    symbol: str
    instrument: Instrument
    side: Side
    contracts: float
    """Contracts after the market's amount precision (always ≥ 0; side gives the sign)."""
    amount: str = "0"
    """The same amount as ccxt's precision string, exactly what an order would carry."""
    target_notional_usd: float
    notional_usd: float
    """Achieved signed notional after rounding."""
    residual_usd: float
    """target − achieved."""
    price: float
    margin_usd: float
    fee_usd: float
    carry_usd: float
    """Expected cash flow to the holder over the window; negative = the leg pays."""
    funding_usd: float = 0.0
    basis_usd: float = 0.0
    roll_cost_usd: float = 0.0
    annualized_rate: float | None = None
    """Annualized funding (perp) or annualized basis (future)."""
    expiry: datetime | None = None
    roll_by: datetime | None = None
    liquidation_price: float | None = None
    """By the venue's isolated formula (`MarketSpec.liquidation_rule`), margin ``|N| / lev``."""
    liquidation_distance: float | None = None
    """``|liquidation − mark| / mark`` (0.2 = the price may move 20 % before liquidation)."""
    liquidation_estimate: bool = False
    """The bracket behind the liquidation and the cap is an estimate (fallback table)."""
    max_leverage: float | None = None
    """The leverage cap of the bracket this leg's notional falls in."""
    mmr: float | None = None
    """That bracket's maintenance margin rate."""
    maint_amount_usd: float = 0.0
    """That bracket's maintenance amount (Binance ``cum``, Bybit ``mmDeduction``)."""
    status: LegStatus = "ok"
    reason: str = ""
    choice: str = ""
    """Why this market, in words (which candidates were compared and on what)."""
    candidates: list[Candidate] = Field(default_factory=list)
    """Every market considered for this leg, the chosen one marked."""


class Totals(BaseModel):
    """Sums over the legs that would be sent (status ``ok``)."""

    net_notional_usd: float = 0.0
    gross_notional_usd: float = 0.0
    margin_usd: float = 0.0
    fees_usd: float = 0.0
    carry_usd: float = 0.0


class Plan(BaseModel):
    """The planner's answer: legs, totals and warnings for one tilt at one moment."""

    venue: str
    as_of: datetime
    base_usd: float
    window_days: float
    leverage: float
    legs: list[Leg]
    totals: Totals
    warnings: list[str] = Field(default_factory=list)
    portfolio_value_usd: float = 0.0
    """Spot value of the portfolio (whatever the base says)."""
    gross_exposure_usd: float = 0.0
    """``Σ |E_a|`` after the sendable legs, over every risk asset."""
    collateral_usd: float | None = None
    """What is available as margin collateral (``None``: unknown, not checked)."""
    collateral_source: str = ""
    """Where ``collateral_usd`` comes from (stablecoin holdings, the paper or venue balance)."""
    collateral_needed_usd: float = 0.0
    """Margin plus entry fees of the sendable legs."""
    collateral_short_usd: float = 0.0
    """How much collateral is missing (0 when enough)."""
    blockers: list[str] = Field(default_factory=list)
    """Why the plan must not be confirmed as it is (e.g. collateral short); empty: none."""

    def sendable(self) -> list[Leg]:
        """Legs with status ``ok``."""
        return [leg for leg in self.legs if leg.status == "ok"]
