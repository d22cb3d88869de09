"""``porting-alpha plan``: the legs of a tilt, from a portfolio file and a target, as a table or JSON."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tui.commands.common import EXIT_VENUE, fail, open_venue
from tui.core.errors import InputError, describe_validation_error
from tui.core.models import Plan, Portfolio, TiltSpec
from tui.core.planner import plan_tilt
from tui.core.portfolio import load_portfolio, parse_targets, sample_portfolio_path


def build_tilt(
    target: str,
    *,
    base: float | None,
    leverage: float,
    days: float,
    instrument: str,
) -> TiltSpec:
    """A validated `TiltSpec` from command-line values (raises `InputError`)."""
    targets = parse_targets(target)
    try:
        return TiltSpec(
            targets=targets,
            base_usd=base,
            leverage=leverage,
            window_days=days,
            instrument=instrument,  # type: ignore[arg-type]  # validated by pydantic
        )
    except ValidationError as err:
        raise InputError(describe_validation_error(err, "tilt")) from None


async def make_plan(
    portfolio: Portfolio,
    tilt: TiltSpec,
    *,
    demo: bool,
    venue: str,
    scenario: Path | None,
    max_leverage_fallback: float = 20.0,
    collateral_usd: float | None = None,
) -> Plan:
    """Load markets and quotes through ccxt and plan ``tilt``; the venue's clock is ``now``."""
    from tui.engine.markets import load_market_specs
    from tui.engine.quotes import fetch_quotes

    assets = set(tilt.targets) | set(portfolio.risk_assets())
    async with open_venue(demo=demo, venue=venue, scenario=scenario) as handle:
        specs = await load_market_specs(handle.exchange, assets)
        # A holding with no market counts in the base (the planner says so); a *target* on
        # an asset the venue does not list cannot be planned: on the command line that is
        # bad input, not a warning under a plan without the leg asked for.
        listed = {spec.base for spec in specs.values()}
        for asset in tilt.targets:
            if asset not in listed:
                where = handle.venue if not demo else f"{handle.venue} (demo)"
                raise InputError(f"unknown asset {asset}: no futures market for it on {where}")
        quotes = await fetch_quotes(handle.exchange, specs)
        now = await venue_now(handle.exchange)
    return plan_tilt(
        portfolio,
        tilt,
        specs.values(),
        quotes,
        venue=handle.venue if not demo else f"{handle.venue} (demo)",
        now=now,
        max_leverage_fallback=max_leverage_fallback,
        collateral_usd=collateral_usd,
        collateral_source="--collateral" if collateral_usd is not None else "",
    )


async def venue_now(exchange: Any) -> datetime:
    """The venue's clock (the simulator's may differ from ours), else ours."""
    try:
        millis = await exchange.fetch_time()
    except Exception:
        millis = None
    if not millis:
        return datetime.now(UTC)
    return datetime.fromtimestamp(millis / 1000.0, tz=UTC)


def run(args: Any) -> int:
    """Entry point of ``porting-alpha plan`` (``args`` from the CLI parser)."""
    from tui.engine.errors import CCXT_ERRORS, describe

    try:
        if args.portfolio is None and not args.demo:
            raise InputError("--portfolio FILE is required (the sample portfolio is for --demo)")
        collateral = getattr(args, "collateral", None)
        if collateral is not None and collateral < 0:
            raise InputError(f"--collateral must be ≥ 0 USD, got {collateral:g}")
        portfolio = load_portfolio(args.portfolio or sample_portfolio_path())
        tilt = build_tilt(
            args.target,
            base=args.base,
            leverage=args.leverage,
            days=args.days,
            instrument=args.instrument,
        )
        plan = asyncio.run(
            make_plan(
                portfolio,
                tilt,
                demo=args.demo,
                venue=args.venue,
                scenario=args.scenario,
                max_leverage_fallback=args.settings.max_leverage_fallback,
                collateral_usd=collateral,
            )
        )
    except InputError as err:
        return fail(str(err))
    except CCXT_ERRORS as err:
        hint = "" if args.demo else " (offline? try --demo)"
        return fail(f"venue {args.venue}: {describe(err)}{hint}", EXIT_VENUE)
    if args.json:
        print(json.dumps(plan_to_json(plan), indent=2))
    else:
        print(format_plan(plan))
    return 0


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as the JSON object documented in the README."""
    data: dict[str, Any] = plan.model_dump(mode="json")
    return data


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _table(
    columns: list[tuple[str, str]], rows: list[list[str]], total: list[str] | None
) -> list[str]:
    """Aligned text columns (``<`` left, ``>`` right), a rule under the header and above a
    total row."""
    every = rows + ([total] if total else [])
    widths = [max(len(h), *(len(r[i]) for r in every)) for i, (h, _) in enumerate(columns)]

    def line(cells: list[str]) -> str:
        out = []
        for (_, align), width, cell in zip(columns, widths, cells, strict=True):
            out.append(cell.ljust(width) if align == "<" else cell.rjust(width))
        return "  ".join(out).rstrip()

    rule = line(["-" * w for w in widths])
    lines = [line([h for h, _ in columns]), rule, *(line(r) for r in rows)]
    if total:
        lines += [rule, line(total)]
    return lines


def _liquidation(price: float | None, distance: float | None, estimate: bool) -> str:
    """``40,160.6 (19.7%)``; ``≈`` marks a liquidation from estimated (fallback) brackets."""
    if not price:
        return "—"
    away = f" ({distance:.1%})" if distance is not None else ""
    shown = f"{price:,.2f}" if price >= 100 else f"{price:,.6g}"
    return f"{'≈' if estimate else ''}{shown}{away}"


def format_plan(plan: Plan) -> str:
    """A readable table of the plan, its totals, the candidates of each leg and the warnings."""
    head = (
        f"{plan.venue}  as of {plan.as_of:%Y-%m-%d %H:%M UTC}  base ${plan.base_usd:,.2f}  "
        f"window {plan.window_days:g} d  leverage {plan.leverage:g}×"
    )
    columns = [
        ("asset", "<"),
        ("symbol", "<"),
        ("side", "<"),
        ("contracts", ">"),
        ("target $", ">"),
        ("notional $", ">"),
        ("price", ">"),
        ("margin $", ">"),
        ("fee $", ">"),
        ("carry $", ">"),
        ("ann.", ">"),
        ("liq. (away)", ">"),
        ("max lev.", ">"),
        ("roll by", "<"),
        ("status", "<"),
    ]
    rows: list[list[str]] = []
    for leg in plan.legs:
        rows.append(
            [
                leg.asset,
                leg.symbol,
                leg.side,
                leg.amount if leg.contracts else "0",
                _money(leg.target_notional_usd),
                _money(leg.notional_usd),
                f"{leg.price:,.6g}",
                _money(leg.margin_usd),
                _money(leg.fee_usd),
                _money(leg.carry_usd),
                f"{leg.annualized_rate:.2%}" if leg.annualized_rate is not None else "—",
                _liquidation(
                    leg.liquidation_price, leg.liquidation_distance, leg.liquidation_estimate
                ),
                f"{leg.max_leverage:g}×" if leg.max_leverage else "—",
                f"{leg.roll_by:%Y-%m-%d}" if leg.roll_by else "",
                leg.status if leg.status == "ok" else f"{leg.status}: {leg.reason}",
            ]
        )
    t = plan.totals
    total = [
        "total",
        "",
        "",
        "",
        "",
        f"net {_money(t.net_notional_usd)}",
        "",
        _money(t.margin_usd),
        _money(t.fees_usd),
        _money(t.carry_usd),
        "",
        "",
        "",
        "",
        f"gross {_money(t.gross_notional_usd)}",
    ]
    lines = [head, "", *_table(columns, rows, total)]
    collateral = (
        f"collateral ${plan.collateral_usd:,.2f} ({plan.collateral_source}), "
        f"needed ${plan.collateral_needed_usd:,.2f} (margin + fees)"
        if plan.collateral_usd is not None
        else ""
    )
    if collateral:
        lines += ["", collateral]
    if any(leg.candidates for leg in plan.legs):
        lines += ["", *format_candidates(plan)]
    if any(leg.liquidation_estimate for leg in plan.legs):
        lines += [
            "",
            "≈ liquidation and leverage cap from estimated brackets (the venue's table was "
            "not available)",
        ]
    if plan.warnings:
        lines.append("")
        lines += [f"warning: {w}" for w in plan.warnings]
    return "\n".join(lines)


def format_candidates(plan: Plan) -> list[str]:
    """Every market considered for each leg, one line each, ``*`` on the chosen one.

    Amounts are at the leg's target size, before rounding: what ``auto`` compared.
    """
    columns = [
        ("candidates", "<"),
        ("", "<"),
        ("symbol", "<"),
        ("net $", ">"),
        ("funding $", ">"),
        ("basis $", ">"),
        ("fee $", ">"),
        ("roll $", ">"),
        ("roll by", "<"),
        ("margin $", ">"),
        ("liq. (away)", ">"),
        ("max lev.", ">"),
        ("allowed", "<"),
    ]
    rows: list[list[str]] = []
    for leg in plan.legs:
        for i, c in enumerate(leg.candidates):
            rows.append(
                [
                    leg.asset if i == 0 else "",
                    "*" if c.chosen else "",
                    c.symbol,
                    _money(c.net_usd),
                    _money(c.funding_usd),
                    _money(c.basis_usd),
                    _money(c.fee_usd),
                    _money(c.roll_cost_usd) if c.roll_cost_usd else "",
                    f"{c.roll_by:%Y-%m-%d}" if c.roll_by else "",
                    _money(c.margin_usd),
                    _liquidation(
                        c.liquidation_price, c.liquidation_distance, c.liquidation_estimate
                    ),
                    f"{c.max_leverage:g}×" if c.max_leverage else "—",
                    "yes" if c.allowed else f"no: {c.reason}",
                ]
            )
    lines = _table(columns, rows, None)
    lines.append("net = expected carry (funding + basis) − fee − roll over the window; * = chosen")
    return lines
