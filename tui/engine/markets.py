"""Loading a venue's futures markets into `MarketSpec`s, with funding intervals and brackets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from tui.core.models import MarketSpec
from tui.engine.brackets import load_brackets, with_brackets
from tui.engine.errors import BadResponse

#: Settle currencies the planner values at 1.0 USD.
SETTLE_CURRENCIES = ("USDT",)

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hm]?)\s*$")


def parse_interval_hours(value: Any) -> float | None:
    """ccxt's funding ``interval`` (``"8h"``, ``"4h"``, ``"60m"``, or hours as a number) in hours."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    match = _INTERVAL.match(str(value))
    if not match:
        return None
    number = float(match.group(1))
    hours = number / 60.0 if match.group(2) == "m" else number
    return hours if hours > 0 else None


def funding_interval_hours(entry: Mapping[str, Any]) -> float | None:
    """The settlement interval of a ccxt funding-rate structure, in hours.

    Where both settlement times are given (OKX) their gap *is* the interval, and it is read
    first: ccxt maps only the usual gaps to ``"8h"``-style labels and passes any other gap
    through as a bare millisecond string, which would read as hours. Otherwise ccxt's
    ``interval`` (``"8h"``; Bybit's from the market's minutes; ``None`` on Binance).
    """
    upcoming = _int(entry.get("fundingTimestamp"))
    after = _int(entry.get("nextFundingTimestamp"))
    if upcoming is not None and after is not None and after > upcoming:
        return (after - upcoming) / 3_600_000.0
    return parse_interval_hours(entry.get("interval"))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def is_tradable_future(market: dict[str, Any]) -> bool:
    """A linear, active, USD-settled perpetual or dated future."""
    return (
        market.get("type") in ("swap", "future")
        and bool(market.get("linear"))
        and market.get("active") is not False
        and market.get("settle") in SETTLE_CURRENCIES
    )


async def load_market_specs(
    exchange: Any,
    assets: Iterable[str] | None = None,
    *,
    store: Any = None,
    bracket_assets: Iterable[str] | None = None,
    fetched_at: datetime | None = None,
    reload: bool = False,
) -> dict[str, MarketSpec]:
    """Load markets (perps and dated futures of ``assets``, or all) as specs by symbol.

    Funding intervals come from ``fetch_funding_intervals`` where the venue has it (Binance
    lists only the symbols that are not 8 h), else from the market itself (Bybit's
    ``info.fundingInterval``, minutes), else from one ``fetch_funding_rates`` call (OKX: the gap
    between its two settlement times). Contract size, precision, limits and the leverage cap
    come from the ccxt market (OKX amounts are contracts of ``contractSize`` base units).

    Margin brackets (`tui.engine.brackets`) are read for the markets of ``bracket_assets``
    (default: every market loaded), from the venue — Binance only with API keys — else from
    the ``store``'s cache of an earlier answer; each spec carries its venue's liquidation rule.
    A market with neither keeps no brackets (the planner's fallback, an estimate). No tiers
    call can fail the load.

    A load that finds no tradable futures market at all raises ``BadResponse``: no futures
    venue lists none, so the answer was empty or garbled. ccxt keeps what it loaded, empty or
    not, and hands it back on the next call: ``reload`` asks the venue again (for a retry).
    A failed funding-interval list fails the load too (an interval it does not know would
    otherwise be taken for the venue's standard 8 h).
    """
    wanted = {a.upper() for a in assets} if assets is not None else None
    markets = await exchange.load_markets(reload)
    if not any(is_tradable_future(m) for m in markets.values()):
        raise BadResponse(
            f"{exchange.id}: the markets answer listed no futures market (empty or garbled)"
        )
    chosen = [
        m
        for m in markets.values()
        if is_tradable_future(m) and (wanted is None or m["base"] in wanted)
    ]
    intervals = await _funding_intervals(exchange, [m["symbol"] for m in chosen if m["swap"]])
    specs: dict[str, MarketSpec] = {}
    for market in chosen:
        spec = MarketSpec.from_ccxt(
            market,
            exchange_id=exchange.id,
            precision_mode=int(exchange.precisionMode),
            funding_interval_hours=intervals.get(market["symbol"]),
        )
        specs[spec.symbol] = spec
    unknown = [
        s
        for s, spec in specs.items()
        if spec.instrument == "perp" and spec.funding_interval_hours is None
    ]
    for symbol, hours in (await _intervals_from_funding(exchange, unknown)).items():
        specs[symbol] = specs[symbol].model_copy(update={"funding_interval_hours": hours})
    tiered = {a.upper() for a in bracket_assets} if bracket_assets is not None else None
    asked = {s: m for s, m in specs.items() if tiered is None or m.base in tiered}
    tables = await load_brackets(exchange, asked, store=store, fetched_at=fetched_at)
    return {s: with_brackets(m, tables.get(s)) for s, m in specs.items()}


async def _funding_intervals(exchange: Any, perp_symbols: list[str]) -> dict[str, float]:
    if not perp_symbols or not exchange.has.get("fetchFundingIntervals"):
        return {}
    listed = await exchange.fetch_funding_intervals()
    out: dict[str, float] = {}
    for symbol, entry in listed.items():
        hours = parse_interval_hours(entry.get("interval"))
        if hours is not None:
            out[symbol] = hours
    if exchange.id == "binanceusdm":
        # fundingInfo lists only adjusted symbols; Binance's standard interval is 8 h.
        for symbol in perp_symbols:
            out.setdefault(symbol, 8.0)
    return out


async def _intervals_from_funding(exchange: Any, perp_symbols: list[str]) -> dict[str, float]:
    """Intervals of perps neither the venue's interval list nor the market states (OKX).

    OKX publishes the interval only as the gap between the upcoming and the following
    settlement in its funding-rate answer; one call covers every perp. A failure leaves the
    intervals unknown (the quotes carry them too).
    """
    if not perp_symbols or not exchange.has.get("fetchFundingRates"):
        return {}
    try:
        rates = await exchange.fetch_funding_rates(perp_symbols)
    except Exception:  # ccxt's errors and parse failures: the interval stays unknown
        return {}
    out: dict[str, float] = {}
    for symbol, entry in rates.items():
        hours = funding_interval_hours(entry) if isinstance(entry, dict) else None
        if symbol in perp_symbols and hours is not None:
            out[symbol] = hours
    return out
