"""Leftovers of issues 10 and 11 on screen: the header while the venue is first connecting,
the order review at 80×24 (no sideways scroll, every column reachable), the candidates'
rate from the holder's view, and a provisional leg's Status.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from textual.containers import VerticalScroll
from textual.widgets import Button, Label, Static

from tests.app.staging import market_ready, wait_until
from tests.core.test_planner import BTC, ETH, FIFTY_FIFTY, NOW, QUOTES, future
from tui.app import messages as msg
from tui.app.app import PortingAlphaApp
from tui.app.modals.candidates import COLUMNS as CANDIDATE_COLUMNS
from tui.app.modals.candidates import candidate_row, legend
from tui.app.modals.confirm import ConfirmOrders
from tui.app.widgets.header import connection_words
from tui.app.widgets.legs import plan_rows
from tui.app.widgets.row_detail import RowDetail
from tui.app.widgets.row_table import RowTable
from tui.core.models import Candidate, TiltSpec
from tui.core.planner import plan_tilt
from tui.engine.events import FeedStatus

AppFactory = Callable[..., PortingAlphaApp]


# -- the header while the venue is first connecting -----------------------------------------


def test_the_first_status_reads_connecting_not_offline() -> None:
    # The session's first word is state "offline" (FeedState has no "connecting") with this
    # detail, and so is a slow first answer: neither is a failure to retry.
    for detail in (
        "connecting to binanceusdm…",
        "connecting to binanceusdm… slow: waiting 4 s for an answer",
    ):
        assert connection_words("offline", detail, {}, None, "binanceusdm", False) == (
            "connecting",
            detail,
        )
    # A real failure still reads offline, with its retry.
    state, text = connection_words(
        "offline",
        "cannot reach binanceusdm (NetworkError: down); retrying in 8 s",
        {},
        None,
        "binanceusdm",
        False,
    )
    assert state == "offline" and text.startswith("✕ offline, retry in 8 s")


async def test_the_header_shows_the_first_status_as_connecting_muted(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        status = FeedStatus("binanceusdm", "venue", "offline", "connecting to binanceusdm…")
        app.main.post_message(msg.FeedChanged(status))
        await pilot.pause(0.1)
        conn = app.main.query_one("#conn", Label)
        assert conn.has_class("-connecting") and not conn.has_class("-offline")
        assert str(conn.content) == "connecting to binanceusdm…"


# -- the order review at 80×24 ----------------------------------------------------------------


async def test_the_review_at_80x24_fits_its_orders_and_space_shows_the_client_id(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await market_ready(pilot)
        await pilot.press("3")
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        await pilot.pause(0.2)
        modal = app.screen
        assert isinstance(modal, ConfirmOrders)
        table = modal.query_one("#orders", RowTable)
        # No sideways scroll: the client id is dropped whole, every number shown.
        assert table.hidden_columns == ["Client order id"]
        assert table.virtual_size.width <= table.scrollable_content_region.width
        hint = modal.query_one("#hidden", Static)
        assert hint.display and "Client order id" in str(hint.content)
        assert modal.focused is modal.query_one("#back", Button)  # still opens on Back
        for _ in range(3):  # Tab reaches the orders
            if modal.focused is table:
                break
            await pilot.press("tab")
        assert modal.focused is table
        await pilot.press("space")
        await wait_until(pilot, lambda: isinstance(app.screen, RowDetail))
        detail = app.screen
        assert isinstance(detail, RowDetail)
        first = modal.orders[0]
        assert ("Client order id", first.client_order_id) in detail.fields
        # Shown whole: the fields fit inside the detail's frame (the id was cut at 17 cells).
        body = detail.query_one("#detail-body", Static)
        frame = detail.query_one(VerticalScroll)
        assert first.client_order_id in str(body.content)
        assert body.region.right <= frame.region.right - 3  # inside the border and padding
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is modal)
        await pilot.press("n")  # backing out still works, nothing sent
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmOrders))
        assert app.store.read("orders").is_empty()


# -- the candidates' rate from the holder's view ------------------------------------------


def test_candidates_show_the_annual_rate_signed_as_the_holders_carry() -> None:
    labels = [c.label for c in CANDIDATE_COLUMNS]
    annual = labels.index("Annual")
    perp = Candidate(symbol="BTC/USDT:USDT", instrument="perp", annualized_rate=0.111)
    # A long pays a positive funding rate; a short earns it.
    assert candidate_row(perp, "buy").cells[annual].text == "-11.1%"
    assert candidate_row(perp, "buy").cells[annual].tone == "loss"
    assert candidate_row(perp, "sell").cells[annual].text == "+11.1%"
    assert candidate_row(perp, "sell").cells[annual].tone == "gain"
    assert "to the holder" in legend([perp], 30) and "a long pays a positive rate" in legend(
        [perp], 30
    )


# -- a provisional leg's Status -----------------------------------------------------------


def provisional_plan() -> Any:
    # The BTC future has no quote yet: auto's choice of the perp is provisional (blocked).
    fut = future("BTC", NOW + timedelta(days=73), 0.001)
    spec = TiltSpec(targets={"BTC": 0.65, "ETH": 0.35}, leverage=5, window_days=45)
    return plan_tilt(FIFTY_FIFTY, spec, [BTC, ETH, fut], QUOTES, venue="test", now=NOW)


def test_a_provisional_leg_reads_provisional_not_ok() -> None:
    plan = provisional_plan()
    assert any("is provisional" in b for b in plan.blockers)
    rows = {r.key: r for r in plan_rows(plan)}
    status = {key.split(":")[0]: row.cells[-1] for key, row in rows.items() if ":" in key}
    assert status["BTC"].text == "provisional" and status["BTC"].tone == "caution"
    assert status["ETH"].text == "ok" and status["ETH"].tone is None


async def test_the_legs_pane_shows_and_explains_a_provisional_leg(
    app_factory: AppFactory,
) -> None:
    from tui.app.widgets.legs import LegsPane

    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        pane = app.main.query_one(LegsPane)
        plan = provisional_plan()
        pane.show_plan(plan)
        await pilot.pause(0.1)
        btc = next(r for r in pane.table.rows if r.key.startswith("BTC:"))
        assert btc.cells[-1].text == "provisional"
        notes = pane._detail_notes(btc.key)
        assert any(n.startswith("Why provisional: waiting for the prices of") for n in notes)
