"""The whole flow on the demo market (simulator, frozen scenario, loopback), driven by Pilot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, Label

from tests.app.staging import market_ready
from tests.app.staging import type_into as set_field
from tests.app.staging import wait_until as wait_for
from tui.app.app import PortingAlphaApp
from tui.app.modals.confirm import ConfirmOrders
from tui.app.modals.holding_form import HoldingForm
from tui.app.widgets.active_tilt import ActiveTiltPanel
from tui.app.widgets.row_table import RowTable

AppFactory = Callable[..., PortingAlphaApp]


def open_tilt(app: PortingAlphaApp) -> Any:
    """The desk's open tilt, if the desk is up and holds one."""
    return app.desk.open_tilt if app.desk is not None else None


def audit_kinds(app: PortingAlphaApp) -> list[str]:
    """Kinds in the audit log, oldest first."""
    return list(app.store.read("audit")["kind"])


async def test_opens_on_demo_market_and_proposes_legs(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        holdings = app.query_one("#holdings-table", RowTable)
        assert [r.key for r in holdings.rows] == ["BTC", "ETH", "USDT", "__total__"]
        assert "$77,500" in holdings.rows[-1].cells[3].text
        feeds = app.query_one("#feeds-table", RowTable)
        assert "BTC/USDT:USDT" in [r.key for r in feeds.rows]
        btc = next(r for r in feeds.rows if r.key == "BTC/USDT:USDT")
        assert btc.cells[1].text == "+0.0100%"  # funding per 8 h
        assert btc.cells[2].text == "+10.9%"  # × 1095
        assert btc.cells[3].text == "8h 00m"  # fixed clock at 00:00, settles 08:00
        plan = app.view.plan
        assert plan is not None
        sides = {leg.asset: leg.side for leg in plan.legs}
        assert sides == {"BTC": "sell", "ETH": "buy"}  # 50/50 from 64.5/32.3
        legs = app.query_one("#legs-table", RowTable)
        assert legs.rows[-1].key == "__total__"
        assert "live" in str(app.query_one("#conn", Label).content)


async def test_edit_a_holding_saves_to_the_store(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        table = app.query_one("#holdings-table", RowTable)
        table.focus()
        table.move_cursor_to("BTC")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, HoldingForm))
        await set_field(pilot, "#hf-quantity", "2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, HoldingForm))
        assert app.view.portfolio.holdings["BTC"] == 2.0
        saved = app.store.read("holdings")
        assert dict(zip(saved["asset"], saved["quantity"], strict=True))["BTC"] == 2.0
        await pilot.pause(0.5)
        assert "$127,500" in table.rows[-1].cells[3].text


async def test_holding_form_refuses_bad_input_inline(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, HoldingForm))
        await set_field(pilot, "#hf-asset", "SOL!")
        await set_field(pilot, "#hf-quantity", "-3")
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, HoldingForm)  # not saved
        assert "letters and digits" in str(screen.query_one("#hf-reason-asset", Label).content)
        assert "≥ 0" in str(screen.query_one("#hf-reason-quantity", Label).content)
        await pilot.press("escape")
        assert "SOL" not in app.view.portfolio.holdings


async def test_bad_tilt_inputs_are_refused_inline(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await set_field(pilot, "#target-BTC", "1..2")  # letters never get in: not a number
        reason = app.query_one("#reason-target-BTC", Label)
        assert "not a number" in str(reason.content)
        await set_field(pilot, "#field-leverage", "0")
        assert "must be > 0" in str(app.query_one("#reason-leverage", Label).content)
        await wait_for(pilot, lambda: app.view.plan is None)
        assert app.view.tilt is None
        await set_field(pilot, "#target-BTC", "40")
        await set_field(pilot, "#field-leverage", "500")
        assert "≤ 125" in str(app.query_one("#reason-leverage", Label).content)
        await set_field(pilot, "#field-leverage", "5")
        await wait_for(pilot, lambda: app.view.plan is not None)
        assert str(app.query_one("#reason-leverage", Label).content) == ""


async def build_tilt(pilot: Any) -> None:
    """BTC 40 %, ETH 60 % of the $77,500 portfolio at 5×, with a 2 % stop."""
    await set_field(pilot, "#target-BTC", "40")
    await set_field(pilot, "#target-ETH", "60")
    await set_field(pilot, "#field-leverage", "5")
    await set_field(pilot, "#field-stop-loss", "2")
    await pilot.press("enter")  # look at the proposal
    await pilot.pause()  # Enter re-planned and focused the legs at once


async def test_build_confirm_fill_and_watch(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await build_tilt(pilot)
        plan = app.view.plan
        assert plan is not None and plan.leverage == 5
        legs = {leg.asset: leg for leg in plan.legs}
        assert legs["BTC"].side == "sell" and legs["BTC"].target_notional_usd == -19_000
        assert legs["ETH"].side == "buy" and legs["ETH"].target_notional_usd == 21_500
        assert app.focused is app.query_one("#legs-table")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        modal = app.screen
        assert isinstance(modal, ConfirmOrders)
        orders = modal.query_one("#orders", RowTable).rows
        # auto picks the cheaper carry: the BTC perp (short earns funding), the ETH future.
        assert [(r.cells[0].text, r.cells[1].text) for r in orders] == [
            (legs["BTC"].symbol, "sell"),
            (legs["ETH"].symbol, "buy"),
        ]
        assert [r.cells[3].text for r in orders] == [legs["BTC"].amount, legs["ETH"].amount]
        await pilot.press("y")
        await wait_for(pilot, lambda: open_tilt(app) is not None)
        await pilot.pause(0.5)
        assert app.query_one(ActiveTiltPanel).has_class("-active")
        tilt = open_tilt(app)
        assert tilt is not None
        assert {b.asset: round(b.quantity, 6) for b in tilt.holding().values()} == {
            "BTC": -float(legs["BTC"].amount),
            "ETH": float(legs["ETH"].amount),
        }
        overlay = app.desk.overlay()
        assert round(overlay["BTC"]) == -19_000
        kinds = audit_kinds(app)
        assert kinds.count("proposal") == 1 and "confirm" in kinds and kinds.count("fill") == 2
        # The tilt now sits on its target: a new plan has nothing left to send.
        assert app.view.plan is None or not app.view.plan.sendable()


async def test_back_out_and_discard_send_nothing(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await build_tilt(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmOrders))
        assert open_tilt(app) is None
        await pilot.press("d")
        await pilot.pause(0.3)
        assert app.view.plan is None and app.view.discarded
        kinds = audit_kinds(app)
        assert "discard" in kinds and "confirm" not in kinds and "fill" not in kinds
        # Typing again proposes again.
        await set_field(pilot, "#target-BTC", "45")
        await wait_for(pilot, lambda: app.view.plan is not None)


async def test_quit_flushes_the_store(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await pilot.press("q")
        await pilot.pause(0.3)
    assert app.return_value == 0


async def test_usable_at_80x24(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await market_ready(pilot)
        assert app.screen.has_class("-narrow")
        await pilot.press("2")
        assert isinstance(app.focused, Input)


async def test_the_plan_shown_is_the_plan_of_the_quotes_shown(app_factory: AppFactory) -> None:
    # Every market priced once → the legs are re-planned on all of them: the ETH long takes
    # the 2026-03-27 future (basis 6 % a year) over the perp (0.0002 / 8 h = 21.9 % a year).
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot, freeze=False)
        await pilot.pause(0.5)
        from tui.core.planner import plan_tilt

        s = app.view
        assert s.plan is not None and s.tilt is not None
        fresh = plan_tilt(
            s.portfolio, s.tilt, s.markets.values(), s.quotes, venue=s.venue, now=app.clock()
        )
        assert [leg.symbol for leg in s.plan.legs] == [leg.symbol for leg in fresh.legs]
        assert {leg.asset: leg.symbol for leg in s.plan.legs}["ETH"] == "ETH/USDT:USDT-260327"


@pytest.mark.long  # started first by the workers (tests/conftest.py)
async def test_a_confirmed_tilt_survives_quit_and_restart(app_factory: AppFactory) -> None:
    """Confirm, quit, start again on the same data: the open tilt is back with its P&L and
    funding paid; the same targets propose no legs; u unwinds it."""
    first = app_factory()
    async with first.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await build_tilt(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(first.screen, ConfirmOrders))
        await pilot.press("y")
        await wait_for(pilot, lambda: open_tilt(first) is not None)
        held = {s: round(b.quantity, 9) for s, b in open_tilt(first).holding().items()}
        tilt_id = open_tilt(first).tilt_id
        await pilot.press("q")
        await pilot.pause(0.2)

    again = app_factory()
    async with again.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await wait_for(pilot, lambda: open_tilt(again) is not None)
        tilt = open_tilt(again)
        assert tilt.tilt_id == tilt_id
        assert {s: round(b.quantity, 9) for s, b in tilt.holding().items()} == held
        again.main.render_all()
        await pilot.pause(0.3)
        panel = again.query_one(ActiveTiltPanel)
        assert panel.has_class("-active") and tilt_id in str(panel.border_title)
        summary = str(panel.query_one("#summary").render())
        assert "P&L" in summary and "funding paid" in summary and "expected carry" in summary
        # The same targets as before, on top of the open tilt: nothing to send.
        await build_tilt(pilot)
        assert again.view.plan is None
        positions = again.store.read("positions")
        assert positions.height == 2  # not doubled
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(again.screen, ConfirmOrders))
        assert again.screen.focused is not None and again.screen.focused.id == "back"
        await pilot.press("y")
        await wait_for(pilot, lambda: open_tilt(again) is None)
        assert again.store.read("positions").height == 0
        statuses = dict(zip(*again.store.read("tilts").select("tilt_id", "status"), strict=True))
        assert statuses[tilt_id] == "closed"
