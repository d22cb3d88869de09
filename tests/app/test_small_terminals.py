"""Small terminals and the holdings keys, driven by Pilot on the demo market.

At 100×30 the numbers that decide a leg are on screen; at 80×24 every number is one key away
(space on a row shows every column); no table draws a horizontal scrollbar. ``e`` on the
Total row edits nothing, and adding an asset already held is refused in the form.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Label, Static

from tests.app.staging import market_ready
from tests.app.staging import type_into as set_field
from tests.app.staging import wait_until as wait_for
from tui.app.app import PortingAlphaApp
from tui.app.modals.holding_form import HoldingForm
from tui.app.widgets.legs import COLUMNS as LEG_COLUMNS
from tui.app.widgets.legs import LegsPane
from tui.app.widgets.row_detail import RowDetail
from tui.app.widgets.row_table import RowTable

AppFactory = Callable[..., PortingAlphaApp]

DECIDING = ["Symbol", "Side", "Achieved", "Carry", "Annual", "Liq.", "Status"]


@pytest.mark.parametrize(
    ("size", "wanted"),
    [((100, 30), [*DECIDING, "Contracts"]), ((80, 24), DECIDING)],
)
async def test_the_legs_that_decide_are_visible(
    app_factory: AppFactory, size: tuple[int, int], wanted: list[str]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await market_ready(pilot)
        table = app.query_one("#legs-table", RowTable)
        shown = [table.columns[i].label for i in table.shown]
        assert set(wanted) <= set(shown)
        # What is shown fits: nothing is cut, and no scrollbar stands in for the rest.
        assert table.content_width <= table.size.width
        assert not table.show_horizontal_scrollbar
        assert table.hidden_columns  # the rest is one key away, and the pane says so
        more = f"space: {len(table.hidden_columns)} more columns"
        assert more in str(app.query_one(LegsPane).border_subtitle)
        for pane in ("#holdings-table", "#feeds-table"):
            assert not app.query_one(pane, RowTable).show_horizontal_scrollbar


async def test_space_on_a_leg_shows_every_number_at_80x24(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await market_ready(pilot)
        await pilot.press("3")  # the legs
        table = app.query_one("#legs-table", RowTable)
        assert app.focused is table
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, RowDetail))
        detail = app.screen
        assert isinstance(detail, RowDetail)
        assert [label for label, _ in detail.fields] == [c.label for c in LEG_COLUMNS]
        leg = app.view.plan.legs[0] if app.view.plan else None
        assert leg is not None and detail.title_text == f"Proposed leg {leg.symbol}"
        values = dict(detail.fields)
        assert values["Contracts"] == table.rows[0].cells[3].text and values["Contracts"]
        notes = str(detail.query_one("#detail-notes", Static).render())
        assert "Market: auto" in notes
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, RowDetail))


async def test_e_on_the_total_row_edits_nothing(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        table = app.query_one("#holdings-table", RowTable)
        table.focus()
        table.move_cursor_to("__total__")
        await pilot.press("e")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, HoldingForm)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, HoldingForm)


async def test_adding_an_asset_already_held_is_refused(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        before = dict(app.view.portfolio.holdings)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, HoldingForm))
        await set_field(pilot, "#hf-asset", "BTC")
        await set_field(pilot, "#hf-quantity", "5")
        await pilot.press("enter")
        await pilot.pause(0.3)
        form = app.screen
        assert isinstance(form, HoldingForm)  # stays open, says why
        assert "BTC is already held" in str(form.query_one("#hf-problem", Label).content)
        await pilot.press("escape")
        assert app.view.portfolio.holdings == before
