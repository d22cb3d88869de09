"""Editing a portfolio by hand: set one holding, remove one, and keep the SAA at 100 %.

The rules live here (not in the form that asks for the numbers) so they are tested without a
screen and the same everywhere.
"""

from __future__ import annotations

from tui.core.models import Portfolio


def edited_portfolio(
    portfolio: Portfolio,
    asset: str,
    quantity: float,
    strategic_pct: float | None = None,
    previous_asset: str | None = None,
) -> Portfolio:
    """The portfolio with one holding set; other SAA targets rescaled to keep 100 %.

    ``previous_asset``: the asset the edited row held before (renaming a holding).
    Raises ``ValueError`` when ``asset`` is already held by another row (adding BTC while BTC
    is held would silently overwrite it), or when the SAA targets could not sum to 100 %."""
    if asset in portfolio.holdings and asset != previous_asset:
        raise ValueError(f"{asset} is already held: edit its row instead")
    holdings = dict(portfolio.holdings)
    strategic = dict(portfolio.strategic)
    if previous_asset and previous_asset != asset:
        holdings.pop(previous_asset, None)
        strategic.pop(previous_asset, None)
    holdings[asset] = quantity
    if strategic_pct is not None:
        strategic.pop(asset, None)
        strategic = rescaled(strategic, 100.0 - strategic_pct)
        strategic[asset] = strategic_pct
    elif strategic and asset not in strategic:
        strategic = rescaled(strategic, 100.0)
    if strategic and abs(sum(strategic.values()) - 100.0) > 1e-6:
        raise ValueError(
            f"SAA targets sum to {sum(strategic.values()):g}%: give {asset} 100% "
            "or add another asset's target first"
        )
    return Portfolio(holdings=holdings, strategic=strategic)


def without_asset(portfolio: Portfolio, asset: str) -> Portfolio:
    """The portfolio without ``asset``; remaining SAA targets rescaled to 100 %."""
    holdings = {a: q for a, q in portfolio.holdings.items() if a != asset}
    strategic = rescaled({a: w for a, w in portfolio.strategic.items() if a != asset}, 100.0)
    return Portfolio(holdings=holdings, strategic=strategic)


def rescaled(weights: dict[str, float], total: float) -> dict[str, float]:
    """``weights`` scaled to sum to ``total``; the rounding remainder goes on the last one."""
    current = sum(weights.values())
    if current <= 0 or not weights:
        return weights
    out = {a: round(w * total / current, 6) for a, w in weights.items()}
    last = next(reversed(out))
    out[last] = total - sum(w for a, w in out.items() if a != last)
    return out
