"""Light theme legibility and the remembered theme (issue 11); a review blocked on stale prices
unblocks when fresh ones arrive, and a malformed ``--portfolio`` is said and nothing else is
used or saved (issue 10)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.color import Color
from textual.widgets import Button, Static

from tests.app.conftest import FIXED_NOW, RECEIVED_AT
from tests.app.staging import market_ready
from tests.app.staging import type_into as set_field
from tests.app.staging import wait_until as wait_for
from tui.app import messages as msg
from tui.app.app import PortingAlphaApp
from tui.app.modals.confirm import ConfirmOrders
from tui.app.widgets.holdings import HoldingsPane
from tui.app.widgets.row_table import RowTable
from tui.engine.events import QuotesUpdated
from tui.settings import LaunchOptions, Settings, launch_theme, remembered_theme

AppFactory = Callable[..., PortingAlphaApp]


def contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two opaque colours."""

    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            x = v / 255
            return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


async def test_light_theme_muted_text_and_pane_borders_read_on_white(
    app_factory: AppFactory,
) -> None:
    app = app_factory(theme="porting-light")
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        background = Color.parse(app.current_theme.background or "")
        table = app.query_one("#holdings-table", RowTable)
        muted = table.get_component_rich_style("row-table--muted", partial=True).color
        assert muted is not None and muted.triplet is not None
        assert contrast(Color(*muted.triplet), background) >= 4.5  # was white on white
        app.query_one("#legs-table").focus()  # the holdings pane is not the focused one
        await pilot.pause(0.1)
        _, border = app.query_one(HoldingsPane).styles.border_top
        assert contrast(border, background) >= 2.5


async def test_the_theme_chosen_with_t_is_there_at_the_next_start(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = app_factory()
    data = Path(app.options.data_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await pilot.press("t")
        assert app.theme == "porting-light"
    assert remembered_theme(data) == "porting-light"
    # The next start (the command line resolves the theme): t's choice, unless --theme.
    assert launch_theme(None, data, Settings()) == "porting-light"
    assert launch_theme("porting-dark", data, Settings()) == "porting-dark"
    assert launch_theme(None, tmp_path / "elsewhere", Settings()) == "porting-dark"
    again = app_factory(theme=launch_theme(None, data, Settings()))
    async with again.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        assert again.theme == "porting-light"
        await pilot.press("t")
    assert remembered_theme(data) == "porting-dark"


async def test_a_review_blocked_on_stale_prices_unblocks_on_fresh_quotes(
    tmp_path: Path, still_scenario: Path
) -> None:
    now = [RECEIVED_AT]
    app = PortingAlphaApp(
        LaunchOptions(demo=True, scenario=still_scenario, data_dir=tmp_path / "data"),
        clock=lambda: FIXED_NOW,
        received_clock=lambda: now[0],
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await set_field(pilot, "#target-BTC", "40")
        await set_field(pilot, "#target-ETH", "60")
        await pilot.press("enter")
        await pilot.pause(0.4)
        now[0] = RECEIVED_AT + timedelta(minutes=5)  # nothing came for five minutes
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        review = app.screen
        confirm = review.query_one("#confirm", Button)
        blocked = review.query_one("#blocked", Static)
        assert confirm.disabled and blocked.display and "stale prices" in str(blocked.render())
        await pilot.press("y")  # refused while blocked
        await pilot.pause(0.2)
        assert app.screen is review and app.desk.open_tilt is None
        # Fresh quotes arrive: the checks run again and Confirm comes back.
        fresh = {
            s: q.model_copy(update={"received_at": now[0]}) for s, q in app.view.quotes.items()
        }
        app.main.post_message(msg.to_message(QuotesUpdated(app.view.venue, fresh)))
        await wait_for(pilot, lambda: not confirm.disabled)
        assert not blocked.display
        await pilot.press("y")
        await wait_for(pilot, lambda: app.desk.open_tilt is not None)


@pytest.mark.parametrize(
    "text",
    ['[holdings]\nBTC = "lots"\n[strategic\n', "[holdings]\nBTC = -1\n[strategic]\nBTC = 100\n"],
)
async def test_a_malformed_portfolio_is_said_and_nothing_else_is_used_or_saved(
    app_factory: AppFactory, tmp_path: Path, text: str
) -> None:
    # A saved portfolio from an earlier run must not be what the app starts from.
    first = app_factory()
    async with first.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        saved = first.store.read("holdings").height
        await pilot.press("q")
    assert saved > 0
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    app = app_factory(portfolio=path)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.desk is not None)
        await pilot.pause(0.5)
        said = [n.message for n in app._notifications if "portfolio not loaded" in n.message]
        assert len(said) == 1 and "\n" not in said[0] and str(path) in said[0]
        assert app.view.portfolio.holdings == {}
        assert app.store.read("holdings").height == saved  # the saved one, untouched
        await pilot.press("q")
    assert path.read_bytes() == before
