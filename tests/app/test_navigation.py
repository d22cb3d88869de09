"""Moving around (issue 11): pane keys from anywhere, the footer while a field has focus, u
and r when they apply, the help, the path prompts' focus, whole reasons at 80×24, the
instrument list's background."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from textual.color import Color
from textual.geometry import Region
from textual.widgets import Input, Label, Select

from tests.app.staging import market_ready
from tests.app.staging import type_into as set_field
from tests.app.staging import wait_until as wait_for
from tui.app.app import PortingAlphaApp
from tui.app.modals.confirm import ConfirmOrders
from tui.app.modals.help import HelpScreen
from tui.app.modals.path_prompt import PathPrompt
from tui.app.widgets.tilt_builder import TiltBuilder

AppFactory = Callable[..., PortingAlphaApp]


def footer_actions(app: PortingAlphaApp) -> set[str]:
    """The actions the footer shows now (shown and not hidden by `check_action`)."""
    return {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}


def shown_text(label: Label) -> str:
    """What a label draws on screen, every line joined (spaces dropped)."""
    width, height = label.size
    lines = label.render_lines(Region(0, 0, width, height))
    return "".join(strip.text for strip in lines).replace(" ", "")


async def test_pane_keys_work_from_a_field_and_digits_type(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        field = app.query_one("#target-BTC", Input)
        field.focus()
        await pilot.pause()
        await pilot.press("2", "3")
        assert field.value == "23"  # digits type into the field (they used to switch panes)
        await pilot.press("f4")
        assert app.focused is app.query_one("#legs-table")
        await pilot.press("f3")
        assert isinstance(app.focused, Input) and app.focused.id == "target-BTC"
        await pilot.press("f5")
        assert app.focused is app.query_one("#feeds-table")
        await pilot.press("f2")
        assert app.focused is app.query_one("#holdings-table")
        await pilot.press("2")  # from a table, 1–4 still switch
        assert isinstance(app.focused, Input)


async def test_the_footer_keeps_the_main_keys_while_a_field_has_focus(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        await set_field(pilot, "#field-leverage", "4")
        shown = footer_actions(app)
        main_keys = {"confirm", "import_portfolio", "export_portfolio"}
        assert main_keys <= shown
        # Discard and halt act at once: not from a field, where "10k" is a slip, not an order.
        assert not {"discard", "kill_switch"} & shown
        plan = app.view.plan
        await pilot.press("k", "d")
        await pilot.pause(0.2)
        assert not app.desk.halted and app.view.plan is plan and not app.view.discarded
        assert {"leave_field", "help", "quit", "focus_builder"} <= shown
        await pilot.press("q")  # a slip of the finger in a field does not quit
        assert app.is_running and app.query_one("#field-leverage", Input).value == "4"
        await pilot.press("x")  # letters never land in a number field
        assert app.query_one("#field-leverage", Input).value == "4"
        await pilot.press("c")  # …and the screen's keys work from it
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmOrders))
        app.query_one("#field-leverage", Input).focus()
        await pilot.press("escape")  # Esc leaves the field, for the legs
        assert app.focused is app.query_one("#legs-table")
        assert "leave_field" not in footer_actions(app)


async def test_u_shows_with_an_open_tilt_and_r_when_a_roll_is_due(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        assert not {"unwind", "roll"} & footer_actions(app)
        await set_field(pilot, "#target-BTC", "40")
        await set_field(pilot, "#target-ETH", "60")
        await pilot.press("enter")
        await pilot.pause(0.4)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOrders))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.desk is not None and app.desk.open_tilt is not None)
        app.main.render_all()
        await pilot.pause(0.2)
        assert "unwind" in footer_actions(app) and "roll" not in footer_actions(app)
        # The ETH leg is the March future: a day before it settles, a roll is due.
        tilt = app.desk.open_tilt
        expiry = min(
            app.desk.markets[s].expiry
            for s in tilt.holding()
            if app.desk.markets[s].expiry is not None
        )
        app.clock = lambda: expiry - timedelta(days=1)
        app.main.render_all()
        await pilot.pause(0.2)
        assert {"unwind", "roll"} <= footer_actions(app)


async def test_help_opens_from_anywhere_and_lists_the_keys(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await market_ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = " ".join(str(s.render()) for s in app.screen.query(".keys, .panes"))
        for words in ("F2 / 1", "Review the proposed orders", "Kill switch", "Proposed legs",
                      "Order the feeds", "s orders them"):  # fmt: skip
            assert words in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        app.query_one("#target-ETH", Input).focus()  # from a field: ? and F1 both
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        assert app.is_running


async def test_import_and_export_prompts_take_typing_at_once(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        for key in ("i", "o"):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt))
            field = app.screen.query_one("#path", Input)
            assert app.focused is field
            before = field.value
            await pilot.press("x")
            assert field.value == before + "x"  # after the default, not over it
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, PathPrompt))
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt))
        await pilot.press("/", "n", "o", "enter")
        assert "no such file" in app.screen.reason  # Enter acted, in the prompt


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_every_reason_is_readable_whole(
    app_factory: AppFactory, size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await market_ready(pilot)
        await set_field(pilot, "#target-BTC", "-5e1000")
        await set_field(pilot, "#field-stop-loss", "1..5")
        await set_field(pilot, "#field-window", "99999")
        for field, words in (
            ("target-BTC", "not a finite number"),
            ("stop-loss", "'1..5' is not a number"),
            ("window", "window must be ≤ 3650"),
        ):
            label = app.query_one(f"#reason-{field}", Label)
            assert str(label.content) == words
            label.scroll_visible(animate=False)
            await pilot.pause(0.1)
            assert shown_text(label) == words.replace(" ", "")
        # The planner's reason under the fields wraps too.
        builder = app.query_one(TiltBuilder)
        long = "leverage 100× is above the maximum 75× of ETH/USDT:USDT-260327 at this size"
        builder.show_problem(long)
        await pilot.pause(0.2)
        assert shown_text(builder.query_one("#problem", Label)) == long.replace(" ", "")


async def test_stop_fields_have_finite_sane_upper_bounds(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        for value, words in (
            ("250", "max loss must be ≤ 100"),
            ("1e400", "not a finite number"),
            ("0", "max loss must be > 0"),
        ):
            await set_field(pilot, "#field-stop-loss", value)
            assert str(app.query_one("#reason-stop-loss", Label).content) == words
            await wait_for(pilot, lambda: app.view.tilt is None)
        await set_field(pilot, "#field-stop-loss", "")
        await set_field(pilot, "#field-stop-spread", "150")
        assert "≤ 100" in str(app.query_one("#reason-stop-spread", Label).content)
        await set_field(pilot, "#field-stop-spread", "20")
        await wait_for(pilot, lambda: app.view.tilt is not None)
        assert app.view.tilt is not None and app.view.tilt.stop_spread_pct == 20


async def test_the_instrument_list_is_solid(app_factory: AppFactory) -> None:
    for theme in ("porting-dark", "porting-light"):
        app = app_factory(theme=theme)
        async with app.run_test(size=(160, 48)) as pilot:
            await market_ready(pilot)
            select: Select[Any] = app.query_one("#instrument-BTC", Select)
            select.focus()
            await pilot.press("enter")
            await pilot.pause(0.2)
            overlay = select.query_one("SelectOverlay")
            background = overlay.styles.background
            assert background.a == 1.0
            panel = Color.parse(app.current_theme.panel or "")
            assert background == panel
            await pilot.press("escape")


async def test_the_main_keys_fit_in_the_footer_at_80x24(app_factory: AppFactory) -> None:
    from textual.widgets._footer import FooterKey

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await market_ready(pilot)
        await pilot.pause(0.3)

        def visible() -> set[str]:
            return {
                key.action
                for key in app.screen.query(FooterKey)
                if key.region.width and key.region.right <= 80 - 12  # left of ^p palette
            }

        wanted = {"help", "confirm", "discard", "kill_switch", "focus_pane('holdings-table')"}
        assert wanted <= visible()
        app.query_one("#target-BTC", Input).focus()
        await pilot.pause(0.3)
        assert wanted - {"discard", "kill_switch"} | {"leave_field"} <= visible()
