"""Margin brackets (leverage tiers) from the venue through ccxt, cached in the store.

Each venue publishes its table its own way; all become `tui.core.margin.Bracket`:

- Binance USDⓈ-M: ``fetch_leverage_tiers`` → ``fapi/v1/leverageBracket``, signed (only with
  API keys; one call covers every symbol). Maintenance amount: the raw row's ``cum``.
- Bybit: ``fetch_market_leverage_tiers`` → ``v5/market/risk-limit``, public, one call per
  symbol. Maintenance amount: ``mmDeduction`` (``""`` on the lowest tier: 0).
- OKX: ``fetch_market_leverage_tiers`` → ``api/v5/public/position-tiers``, public, isolated
  mode, one call per instrument family and type; tiers count contracts and carry no
  maintenance amount.

``maintMarginPercent`` of Binance's ``exchangeInfo`` is never read: Binance documents it as
"ignore" (it is "2.5000" on every symbol). What the venue answered is written to the store's
``brackets`` table; a market the venue cannot be asked about this time (no keys, a failed
call, offline) takes the table last written there. Without either, the market keeps no
brackets and the planner uses its documented fallback, labelled an estimate. Nothing here
raises: one failing call leaves only its markets without a venue table.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tui.core.margin import Bracket, BracketUnit, LiquidationRule
from tui.core.models import MarketSpec

#: Whose isolated liquidation formula each venue (ccxt id) uses.
LIQUIDATION_RULES: dict[str, LiquidationRule] = {
    "binanceusdm": "binance",
    "bybit": "bybit",
    "okx": "okx",
}

#: Per-market tier calls (Bybit, OKX) in flight at once; ccxt paces them by its rate limits.
CONCURRENT_CALLS = 4

Tables = dict[str, tuple[Bracket, ...]]


async def fetch_brackets(exchange: Any, specs: Mapping[str, MarketSpec]) -> Tables:
    """The venue's brackets of ``specs`` by symbol (only those it answered for)."""
    if not specs:
        return {}
    venue = exchange.id
    if venue == "binanceusdm":
        return await _binance(exchange, list(specs))
    if venue == "bybit":
        return await _per_market(exchange, list(specs), _bybit_tables)
    if venue == "okx":
        return await _okx(exchange, specs)
    return {}


async def _binance(exchange: Any, symbols: list[str]) -> Tables:
    # Signed: without keys Binance would answer -2014/-2015, so do not ask.
    if not exchange.apiKey or not exchange.has.get("fetchLeverageTiers"):
        return {}
    try:
        tiers = await exchange.fetch_leverage_tiers(symbols)
    except Exception:  # ccxt's errors, and its parse failures on a garbled body
        return {}
    out: Tables = {}
    for symbol in symbols:
        table = _table(tiers.get(symbol) if isinstance(tiers, dict) else None, "cum", "usd")
        if table:
            out[symbol] = table
    return out


async def _bybit_tables(exchange: Any, symbol: str) -> tuple[Bracket, ...]:
    tiers = await exchange.fetch_market_leverage_tiers(symbol)
    return _table(tiers, "mmDeduction", "usd")


async def _per_market(exchange: Any, symbols: list[str], fetch: Any) -> Tables:
    gate = asyncio.Semaphore(CONCURRENT_CALLS)

    async def one(symbol: str) -> tuple[str, tuple[Bracket, ...]]:
        async with gate:
            try:
                return symbol, await fetch(exchange, symbol)
            except Exception:  # ccxt's errors, parse failures: this market has no table
                return symbol, ()

    answers = await asyncio.gather(*(one(s) for s in symbols))
    return {symbol: table for symbol, table in answers if table}


async def _okx(exchange: Any, specs: Mapping[str, MarketSpec]) -> Tables:
    """One call per (instrument type, family): every expiry of a family shares its tiers."""
    markets = getattr(exchange, "markets", None) or {}
    groups: dict[tuple[str, str], list[str]] = {}
    for symbol, spec in specs.items():
        info = (markets.get(symbol) or {}).get("info") or {}
        family = info.get("instFamily") or info.get("uly") or symbol
        groups.setdefault((spec.instrument, str(family)), []).append(symbol)

    async def fetch(exchange: Any, symbol: str) -> tuple[Bracket, ...]:
        tiers = await exchange.fetch_market_leverage_tiers(symbol, {"marginMode": "isolated"})
        return _table(tiers, None, "contracts")

    answered = await _per_market(exchange, [members[0] for members in groups.values()], fetch)
    out: Tables = {}
    for members in groups.values():
        table = answered.get(members[0])
        if table:
            out.update(dict.fromkeys(members, table))
    return out


def _table(tiers: Any, amount_key: str | None, unit: BracketUnit) -> tuple[Bracket, ...]:
    """ccxt's leverage tiers as brackets, lowest first; empty when any tier is unreadable
    (half a table would put a leg in the wrong bracket)."""
    if not isinstance(tiers, list) or not tiers:
        return ()
    out: list[Bracket] = []
    for tier in tiers:
        if not isinstance(tier, dict):
            return ()
        raw = tier.get("info")
        info: dict[str, Any] = raw if isinstance(raw, dict) else {}
        floor = _number(tier.get("minNotional"))
        cap = _number(tier.get("maxNotional"))
        leverage = _number(tier.get("maxLeverage"))
        mmr = _number(tier.get("maintenanceMarginRate"))
        amount = _number(info.get(amount_key)) if amount_key else 0.0
        if amount is None and amount_key is not None and info.get(amount_key) in ("", None):
            amount = 0.0  # Bybit leaves the lowest tier's deduction empty
        if floor is None or leverage is None or mmr is None or amount is None:
            return ()
        if leverage < 1 or not 0 <= mmr < 1:
            return ()
        out.append(
            Bracket(
                floor=floor,
                cap=cap if cap is not None and cap > floor else math.inf,
                max_leverage=leverage,
                mmr=mmr,
                maint_amount=amount,
                unit=unit,
            )
        )
    return tuple(sorted(out, key=lambda b: b.floor))


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# -- the store's cache ----------------------------------------------------------------------


def save_brackets(
    store: Any, venue: str, tables: Tables, fetched_at: datetime | None = None
) -> None:
    """Replace the cached tables of these markets with what the venue just answered, stamped
    ``fetched_at`` (default now).

    A store that cannot take them (closed, broken) is not the venue's fault: nothing raises.
    """
    if store is None or not tables:
        return
    stamp = fetched_at if fetched_at is not None else datetime.now(UTC)
    import polars as pl

    from tui.store import TABLES
    from tui.store.errors import StoreError

    rows = [
        {
            "venue": venue,
            "symbol": symbol,
            "tier": float(k + 1),
            "floor": b.floor,
            "cap": b.cap,
            "max_leverage": b.max_leverage,
            "mmr": b.mmr,
            "maint_amount": b.maint_amount,
            "unit": b.unit,
            "fetched_at": stamp,
        }
        for symbol, table in tables.items()
        for k, b in enumerate(table)
    ]
    try:
        current = store.read("brackets")
        kept = current.filter(~((pl.col("venue") == venue) & pl.col("symbol").is_in(list(tables))))
        fresh = pl.DataFrame(rows, schema=TABLES["brackets"])
        store.replace("brackets", pl.concat([kept, fresh]))
    except (StoreError, OSError):
        return


def cached_brackets(store: Any, venue: str, symbols: Iterable[str]) -> Tables:
    """The tables the store holds for these markets of ``venue`` (those it has)."""
    wanted = set(symbols)
    if store is None or not wanted:
        return {}
    from tui.store.errors import StoreError

    try:
        frame = store.read("brackets")
    except (StoreError, OSError):
        return {}
    grouped: dict[str, list[tuple[float, Bracket]]] = {}
    for row in frame.iter_rows(named=True):
        if row["venue"] != venue or row["symbol"] not in wanted:
            continue
        bracket = Bracket(
            floor=row["floor"],
            cap=row["cap"],
            max_leverage=row["max_leverage"],
            mmr=row["mmr"],
            maint_amount=row["maint_amount"],
            unit=row["unit"],
        )
        grouped.setdefault(row["symbol"], []).append((row["tier"], bracket))
    return {s: tuple(b for _, b in sorted(rows)) for s, rows in grouped.items()}


async def load_brackets(
    exchange: Any,
    specs: Mapping[str, MarketSpec],
    *,
    store: Any = None,
    fetched_at: datetime | None = None,
) -> Tables:
    """The venue's tables of ``specs``; the store's cached ones for markets it did not answer.

    What the venue answered is written to the store (stamped ``fetched_at``, default now).
    """
    fresh = await fetch_brackets(exchange, specs)
    save_brackets(store, exchange.id, fresh, fetched_at)
    missing = [s for s in specs if s not in fresh]
    return {**cached_brackets(store, exchange.id, missing), **fresh}


def with_brackets(spec: MarketSpec, table: tuple[Bracket, ...] | None) -> MarketSpec:
    """``spec`` with its venue's liquidation rule and, when known, its venue brackets (which
    also set the leverage cap: the best bracket's)."""
    update: dict[str, Any] = {}
    rule = LIQUIDATION_RULES.get(spec.exchange_id)
    if rule is not None:
        update["liquidation_rule"] = rule
    if table:
        update["brackets"] = table
        update["brackets_source"] = "venue"
        update["max_leverage"] = max(b.max_leverage for b in table)
    return spec.model_copy(update=update) if update else spec
