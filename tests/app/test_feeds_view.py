"""The feeds pane lists the whole venue: the markets followed first and marked, then every
other perpetual the all-market stream brings (300 here, the tape's scaled scenario); ``s``
orders them by annualized funding or basis, ``/`` filters them, Esc clears the filter. The
table builds only the rows it draws. Frozen scenario, stopped clocks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from tests.app.conftest import FIXED_NOW, RECEIVED_AT
from tests.app.staging import market_ready, wait_until
from tui.app.app import PortingAlphaApp
from tui.app.widgets.feed_list import FOLLOWED
from tui.app.widgets.feeds import FeedsPane
from tui.app.widgets.row_table import RowTable
from tui.core.models import annualize_funding
from tui.engine.session import MarketSession
from tui.settings import LaunchOptions
from tui.sim.scenario import load_scenario
from tui.sim.server import SimServer
from tui.sim.tape import SYNTHETIC_PREFIX, scaled_scenario

PERPS = 300


@pytest.fixture
async def venue(still_scenario: Path) -> AsyncIterator[SimServer]:
    """The still frozen scenario scaled to a venue of 300 perpetuals."""
    scenario = scaled_scenario(load_scenario(still_scenario), PERPS)
    async with SimServer(scenario, stream_interval_s=0.2, wall_clock=lambda: 0.0) as sim:
        yield sim


def _app(tmp_path: Path, still_scenario: Path, venue: SimServer) -> PortingAlphaApp:
    def factory(name: str, **kwargs: Any) -> MarketSession:
        kwargs["sim_url"] = venue.url  # the big venue, not the demo's own
        return MarketSession(name, **kwargs)

    launch = LaunchOptions(demo=True, scenario=still_scenario, data_dir=tmp_path / "data")
    return PortingAlphaApp(
        launch,
        clock=lambda: FIXED_NOW,
        received_clock=lambda: RECEIVED_AT,
        session_factory=factory,
    )


def _annual(app: PortingAlphaApp, keys: list[str]) -> list[float]:
    """The perpetuals' annualized funding, in the table's order (the dated futures sort
    among them by their annualized basis)."""
    out = []
    for symbol in keys:
        quote, market = app.view.quotes[symbol], app.view.listed.get(symbol)
        if market is not None and quote.funding_rate is not None:
            out.append(annualize_funding(quote.funding_rate, market.funding_interval_hours or 8))
    return out


async def test_the_whole_venue_sorted_and_filtered(
    tmp_path: Path, still_scenario: Path, venue: SimServer
) -> None:
    app = _app(tmp_path, still_scenario, venue)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: len(app.view.listed) == PERPS)
        await wait_until(pilot, lambda: len(set(app.view.listed) & set(app.view.quotes)) == PERPS)
        await market_ready(pilot)
        table = app.query_one("#feeds-table", RowTable)
        pane = app.query_one(FeedsPane)
        followed = set(app.view.markets)
        # Followed first (marked), then the venue's other perpetuals, A–Z.
        assert table.row_count == len(followed | set(app.view.listed))
        assert set(table.keys[: len(followed)]) == followed
        others = table.keys[len(followed) :]
        assert others == sorted(others) and others[-1].startswith(SYNTHETIC_PREFIX)
        assert table.row_at(0).cells[0].text.startswith(FOLLOWED)
        assert not table.row_at(len(followed)).cells[0].text.startswith(FOLLOWED)
        # Only the rows on screen were built, not the venue's 300.
        assert len(table._built) <= table.size.height
        assert "s sort: followed first" in str(pane.border_subtitle)

        await pilot.press("4")  # the feeds
        assert app.focused is table
        await pilot.press("s")
        assert "annual ↓" in str(pane.border_subtitle)
        annual = _annual(app, table.keys)
        assert len(annual) == PERPS and annual == sorted(annual, reverse=True)
        assert annual[0] > annual[-1]
        await pilot.press("s")
        annual = _annual(app, table.keys)
        assert annual == sorted(annual) and "annual ↑" in str(pane.border_subtitle)
        await pilot.press("s")
        basis = [app.view.quotes[k].premium for k in table.keys if k in app.view.listed]
        assert "basis ↓" in str(pane.border_subtitle)
        assert [b for b in basis if b is not None] == sorted(
            (b for b in basis if b is not None), reverse=True
        )

        # / opens the filter; typing narrows the list at once; Esc clears it.
        await pilot.press("slash")
        field = app.query_one("#feeds-filter", Input)
        assert app.focused is field and field.display
        await pilot.press("x", "0", "0", "1")
        assert table.keys and all("X001" in k for k in table.keys)
        assert len(table.keys) == 10  # X0010…X0019, of the 296 synthetic ones
        assert f"of {table.row_count}" not in str(pane.border_subtitle)
        assert "'x001': 10 of" in str(pane.border_subtitle)
        await pilot.press("enter")  # back to the list, the filter kept
        assert app.focused is table and field.display and len(table.keys) == 10
        await pilot.press("slash", "escape")
        assert field.value == "" and not field.display
        assert app.focused is table
        assert table.row_count == len(followed | set(app.view.listed))


async def test_at_80x24_the_venue_scrolls_inside_the_table(
    tmp_path: Path, still_scenario: Path, venue: SimServer
) -> None:
    app = _app(tmp_path, still_scenario, venue)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: len(set(app.view.listed) & set(app.view.quotes)) == PERPS)
        await market_ready(pilot)
        table = app.query_one("#feeds-table", RowTable)
        assert table.row_count > PERPS
        # Stacked panes: the table is a screenful tall, not 300 rows (it scrolls within).
        assert 2 < table.size.height <= 16
        assert not table.show_horizontal_scrollbar
        await pilot.press("4", "end")
        assert table.cursor_key == table.keys[-1]
        assert len(table._built) <= 2 * table.size.height
