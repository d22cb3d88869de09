"""Reading and writing the portfolio TOML file, and parsing tactical targets from text.

These are pure functions over text; the one that reads a path only reads it, and every
problem becomes an `InputError` naming the file and the field.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tui.core.errors import InputError, describe_validation_error
from tui.core.limits import ASSET_NAME, MAX_TARGET_PCT, check_asset_name
from tui.core.models import STABLECOINS, MarketSpec, Portfolio, Quote


def sample_portfolio_path() -> Path:
    """The sample portfolio shipped with the package (the demo default)."""
    return Path(str(resources.files("tui.core") / "data" / "sample_portfolio.toml"))


def parse_portfolio(text: str, source: str = "portfolio") -> Portfolio:
    """Parse portfolio TOML text (``[holdings]`` quantities, ``[strategic]`` percentages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{source}: not valid TOML ({err})") from None
    unknown = set(data) - {"holdings", "strategic"}
    if unknown:
        raise InputError(
            f"{source}: unknown section {sorted(unknown)[0]!r} (expected [holdings], [strategic])"
        )
    if "holdings" not in data:
        raise InputError(f"{source}: missing [holdings] section")
    for section in ("holdings", "strategic"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise InputError(f"{source}: {section} must be a table of ASSET = number")
        for asset, value in table.items():
            # TOML booleans are ints to pydantic; a quantity of `true` is a mistake, say so.
            if isinstance(value, bool) or not isinstance(value, int | float):
                # The name is not checked yet: never echo a newline or a page of text.
                code = asset.strip().upper()
                label = code if ASSET_NAME.fullmatch(code) else repr(asset[:24])
                shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
                raise InputError(f"{source}: {section}.{label}: {shown} is not a number")
    try:
        return Portfolio(holdings=data["holdings"], strategic=data.get("strategic", {}))
    except ValidationError as err:
        raise InputError(describe_validation_error(err, source)) from None


def load_portfolio(path: Path) -> Portfolio:
    """Read a portfolio TOML file; a missing or unreadable file is an `InputError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: portfolio file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read portfolio file ({err})") from None
    return parse_portfolio(text, str(path))


def dump_portfolio(portfolio: Portfolio) -> str:
    """The portfolio as TOML text that `parse_portfolio` reads back unchanged."""
    lines = ["[holdings]"]
    lines += [f"{asset} = {qty!r}" for asset, qty in portfolio.holdings.items()]
    if portfolio.strategic:
        lines += ["", "[strategic]"]
        lines += [f"{asset} = {pct!r}" for asset, pct in portfolio.strategic.items()]
    return "\n".join(lines) + "\n"


def parse_number(text: str, what: str) -> float:
    """A finite float from user text, or an `InputError` naming ``what``."""
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise InputError(f"{what}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{what}: {text.strip()!r} is not a finite number")
    return value


def parse_targets(text: str) -> dict[str, float]:
    """``"BTC=65,ETH=35"`` (percent of the base) → ``{"BTC": 0.65, "ETH": 0.35}``."""
    targets: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        asset, sep, value = part.partition("=")
        if not sep or not asset.strip():
            raise InputError(f"target {part!r}: expected ASSET=PERCENT, e.g. BTC=65")
        try:
            asset = check_asset_name(asset, "target")
        except ValueError as err:
            raise InputError(str(err)) from None
        if asset in targets:
            raise InputError(f"target {asset}: given twice")
        if asset in STABLECOINS:
            raise InputError(f"target {asset}: stablecoins are cash; target the risk assets")
        pct = parse_number(value, f"target {asset}")
        if abs(pct) > MAX_TARGET_PCT:
            raise InputError(
                f"target {asset}: {pct:g}% is beyond ±{MAX_TARGET_PCT:g}% of the base "
                "(ten times the base in one asset)"
            )
        targets[asset] = pct / 100.0
    if not targets:
        raise InputError("no target given; expected e.g. BTC=65,ETH=35")
    return targets


def asset_prices(markets: Iterable[MarketSpec], quotes: Mapping[str, Quote]) -> dict[str, float]:
    """A spot price per base asset: the perpetual's index (spot), else its mark.

    Dated futures are used only for assets that have no perpetual, from their index.
    """
    prices: dict[str, float] = {}
    fallback: dict[str, float] = {}
    for market in markets:
        quote = quotes.get(market.symbol)
        if quote is None:
            continue
        price = quote.index or quote.price
        if not price:
            continue
        if market.instrument == "perp":
            prices[market.base] = price
        elif quote.index:
            fallback.setdefault(market.base, quote.index)
    for asset, price in fallback.items():
        prices.setdefault(asset, price)
    return prices


def portfolio_from_mapping(data: Mapping[str, Any], source: str = "portfolio") -> Portfolio:
    """Validate an in-memory mapping shaped like the TOML file (used by the app's editor)."""
    try:
        return Portfolio(
            holdings=dict(data.get("holdings", {})), strategic=dict(data.get("strategic", {}))
        )
    except ValidationError as err:
        raise InputError(describe_validation_error(err, source)) from None


def tiltable_assets(portfolio: Portfolio, markets: Iterable[MarketSpec]) -> list[str]:
    """The portfolio's risk assets that have a futures market (perp or dated) in ``markets``.

    These are the assets the tilt builder offers a target for, in portfolio order. Stablecoins
    are cash and never tiltable. Call it with the venue's markets once they are known: with no
    markets nothing is tiltable.
    """
    bases = {market.base for market in markets}
    return [asset for asset in portfolio.risk_assets() if asset in bases]


def untiltable_notes(
    portfolio: Portfolio,
    markets: Iterable[MarketSpec],
    prices: Mapping[str, float],
    venue: str,
) -> dict[str, str]:
    """One line per risk asset of the portfolio that no futures market on ``venue`` can tilt.

    Such an asset still counts in the capital base at its price; without a price it counts 0.
    The line says which, e.g. ``FOO: no futures market on binanceusdm; counted in the base,
    not tilted``.
    """
    bases = {market.base for market in markets}
    notes: dict[str, str] = {}
    for asset in portfolio.risk_assets():
        if asset in bases:
            continue
        where = f"{asset}: no futures market on {venue}"
        if not portfolio.holdings.get(asset):
            notes[asset] = f"{where}; not tilted"
        elif asset in prices:
            notes[asset] = f"{where}; counted in the base, not tilted"
        else:
            notes[asset] = f"{where} and no price; counts 0 in the base, not tilted"
    return notes
