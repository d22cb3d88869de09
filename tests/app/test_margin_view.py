"""Margin, leverage and liquidation on screen (issue 8): each leg's liquidation with its
distance from the mark, the comparison of the markets behind a leg, leverage refused inline
when it is not a whole number from 1, and a collateral-short plan warned in the legs pane and
blocked at review.

Driven by Pilot on the demo market (frozen scenario, still clock) at 160×48.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.color import Color
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button, Label, Static

from tests.app.staging import market_ready
from tests.app.staging import type_into as set_field
from tests.app.staging import wait_until as wait_for
from tui.app import format as fmt
from tui.app.app import PortingAlphaApp
from tui.app.modals.candidates import CandidatesModal
from tui.app.modals.confirm import ConfirmOrders
from tui.app.widgets.legs import COLUMNS, LegsPane
from tui.app.widgets.row_table import RowTable
from tui.core.models import Plan

AppFactory = Callable[..., PortingAlphaApp]
SIZE = (160, 48)
LIQ = [c.label for c in COLUMNS].index("Liq.")
AWAY = [c.label for c in COLUMNS].index("Away")


def shown(widget: Widget) -> str:
    """The text a widget draws in its region, lines joined by spaces (what the user reads)."""
    width, height = widget.size
    strips = widget.render_lines(Region(0, 0, width, height))
    return " ".join(" ".join(strip.text.split()) for strip in strips).strip()


def whole(text: str) -> str:
    return " ".join(text.split())


def nothing_happened(app: PortingAlphaApp) -> None:
    """The proposal is still up, nothing was discarded, confirmed or sent."""
    assert app.view.plan is not None and not app.view.discarded
    assert app.store.read("orders").height == 0
    kinds = list(app.store.read("audit")["kind"])
    assert "discard" not in kinds and "confirm" not in kinds
    assert app.desk is None or app.desk.open_tilt is None


async def focus_leg(pilot: Any, asset: str) -> RowTable:
    """Focus the legs table (key 3) and highlight ``asset``'s leg."""
    await pilot.press("3")
    await pilot.pause(0.2)
    table = pilot.app.query_one("#legs-table", RowTable)
    assert pilot.app.focused is table
    table.move_cursor_to(next(r.key for r in table.rows if r.key.startswith(f"{asset}:")))
    await pilot.pause(0.1)
    return table


async def open_comparison(pilot: Any, key: str) -> CandidatesModal:
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, CandidatesModal))
    await pilot.pause(0.2)
    modal = app.screen
    assert isinstance(modal, CandidatesModal)
    return modal


async def test_legs_show_liquidation_distance_and_the_estimate_marker(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        plan = app.view.plan
        assert plan is not None and plan.legs
        table = app.query_one("#legs-table", RowTable)
        pane = app.query_one(LegsPane)

        def check(shown_plan: Plan) -> None:
            for leg in shown_plan.legs:
                row = next(r for r in table.rows if r.key == f"{leg.asset}:{leg.symbol}")
                assert leg.liquidation_price is not None and leg.liquidation_distance
                mark = "≈" if leg.liquidation_estimate else ""
                assert row.cells[LIQ].text == f"{mark}{fmt.price(leg.liquidation_price)}"
                assert row.cells[AWAY].text == fmt.pct(leg.liquidation_distance)
            estimated = any(leg.liquidation_estimate for leg in shown_plan.legs)
            subtitle = str(pane.border_subtitle)
            assert ("≈ liq. from estimated brackets" in subtitle) == estimated
            assert "enter/v compare markets" in subtitle

        check(plan)
        # Brackets from the fallback (the venue's table not read): every liquidation is ≈.
        fallback = plan.model_copy(
            update={
                "legs": [leg.model_copy(update={"liquidation_estimate": True}) for leg in plan.legs]
            }
        )
        pane.show_plan(fallback)
        await pilot.pause(0.1)
        check(fallback)
        assert all(r.cells[LIQ].text.startswith("≈") for r in table.rows[:-1])
        collateral = pane.query_one("#collateral", Static)
        assert "(the paper balance)" in shown(collateral)
        assert not pane.query_one("#blockers", Static).display


async def test_comparison_lists_the_markets_marks_the_choice_and_closes_cleanly(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        plan = app.view.plan
        assert plan is not None
        leg = next(leg for leg in plan.legs if leg.asset == "BTC")
        assert len(leg.candidates) >= 2  # the perpetual and the quarterly

        table = await focus_leg(pilot, "BTC")
        modal = await open_comparison(pilot, "v")
        markets = modal.query_one("#candidates", RowTable)
        assert [r.cells[1].text for r in markets.rows] == [c.symbol for c in leg.candidates]
        marked = [r.cells[1].text for r in markets.rows if r.cells[0].text == "*"]
        assert marked == [leg.symbol]
        chosen = next(c for c in leg.candidates if c.chosen)
        row = next(r for r in markets.rows if r.key == chosen.symbol)
        texts = [cell.text for cell in row.cells]
        assert texts[3:6] == [
            fmt.usd_auto(chosen.funding_usd, signed=True),
            fmt.usd_auto(chosen.basis_usd, signed=True),
            fmt.usd_auto(chosen.carry_usd, signed=True),
        ]
        assert texts[-1] == "yes"
        assert leg.choice and whole(leg.choice) in shown(modal.query_one("#choice", Static))
        assert "net = carry − fee − roll" in shown(modal.query_one("#legend", Static))
        assert modal.focused is modal.query_one("#close", Button)

        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CandidatesModal))
        await pilot.pause(0.3)
        nothing_happened(app)
        assert app.focused is table  # back where it was

        # Enter on a leg opens it too; Enter and q close it, and q does not quit the app.
        for close in ("enter", "q"):
            await open_comparison(pilot, "enter")
            await pilot.press(close)
            await wait_for(pilot, lambda: not isinstance(app.screen, CandidatesModal))
            await pilot.pause(0.2)
            assert app.is_running
            nothing_happened(app)

        # On the totals row there is no leg to compare: nothing opens.
        table.move_cursor_to("__total__")
        await pilot.press("v")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, CandidatesModal)
        nothing_happened(app)


async def test_fractional_leverage_is_refused_inline(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        reason = app.query_one("#reason-leverage", Label)
        for bad in ("0.5", "2.5"):
            await set_field(pilot, "#field-leverage", bad)
            await wait_for(pilot, lambda: app.view.plan is None)
            assert str(reason.content) == "leverage is a whole number from 1"
            assert shown(reason) == "leverage is a whole number from 1"  # whole, not cut
            assert app.view.tilt is None
            legs = app.query_one(LegsPane).query_one("#empty", Static)
            assert "leverage is a whole number from 1" in shown(legs)
        await set_field(pilot, "#field-leverage", "2")
        await wait_for(pilot, lambda: app.view.plan is not None)
        assert str(reason.content) == ""
        assert app.view.plan is not None and app.view.plan.leverage == 2


async def test_collateral_short_plan_is_warned_and_its_review_blocked(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await set_field(pilot, "#target-BTC", "40")
        await set_field(pilot, "#target-ETH", "60")
        await set_field(pilot, "#field-base", "500000")
        await set_field(pilot, "#field-leverage", "1")
        await pilot.press("enter")  # look at the proposal
        await wait_for(pilot, lambda: app.view.plan is not None and bool(app.view.plan.blockers))
        await pilot.pause(0.4)
        plan = app.view.plan
        assert plan is not None
        # $500,000 at 40/60 on a $77,500 portfolio at 1×: ≈ $425,000 of margin, $100,000 there.
        assert plan.collateral_usd == 100_000 and plan.collateral_short_usd > 300_000
        blocker = plan.blockers[0]
        assert blocker.startswith("collateral short by $")
        assert "available $100,000.00 (the paper balance)" in blocker

        pane = app.query_one(LegsPane)
        blockers = pane.query_one("#blockers", Static)
        assert blockers.display
        assert shown(blockers) == whole(f"✖ blocks confirming: {blocker}")
        error = Color.parse(app.theme_variables["error"])
        assert blockers.styles.color.rgb == error.rgb
        warnings = shown(pane.query_one("#warnings", Static))
        assert "the tilt is levered" in warnings  # gross exposure above the portfolio's value
        assert "collateral short" not in warnings  # the blocker is said once, as a blocker
        assert "short by" in shown(pane.query_one("#collateral", Static))

        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        await pilot.pause(0.3)
        review = app.screen
        assert isinstance(review, ConfirmOrders)
        assert review.blocked == blocker
        assert shown(review.query_one("#blocked", Static)) == whole(f"Cannot confirm: {blocker}")
        assert review.query_one("#confirm", Button).disabled
        await pilot.press("y", "left", "enter")  # y does nothing, Enter stays on Back
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmOrders))
        await pilot.pause(0.3)
        assert app.store.read("orders").height == 0
        assert "confirm" not in list(app.store.read("audit")["kind"])


async def test_targets_above_the_base_are_warned(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await set_field(pilot, "#target-BTC", "80")
        await set_field(pilot, "#target-ETH", "60")
        await wait_for(
            pilot,
            lambda: (
                app.view.plan is not None
                and any("targets sum to 140%" in w for w in app.view.plan.warnings)
            ),
        )
        await pilot.pause(0.4)
        warnings = shown(app.query_one(LegsPane).query_one("#warnings", Static))
        assert "⚠ targets sum to 140% of the base: the tilt is levered" in warnings
