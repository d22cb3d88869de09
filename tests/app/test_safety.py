"""Nothing irreversible happens by accident: reviews open on Back, removals ask first, no key
typed into a modal leaks to the main screen, and a holding no market can tilt never blocks.

Driven by Pilot on the demo market (frozen scenario, still clock), and on bare modals in a
minimal app for what the main app does not reach yet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Button, Input, Label

from tests.app.staging import market_ready
from tests.app.staging import type_into as set_field
from tests.app.staging import wait_until as wait_for
from tui.app.app import PortingAlphaApp
from tui.app.modals.ask import AskYesNo
from tui.app.modals.confirm import ConfirmOrders
from tui.app.modals.holding_form import HoldingEdit, HoldingForm
from tui.app.modals.path_prompt import PathPrompt
from tui.app.themes import VARIABLE_DEFAULTS
from tui.app.widgets.row_table import RowTable
from tui.app.widgets.tilt_builder import TiltBuilder
from tui.core.orders import OrderIntent
from tui.core.portfolio import load_portfolio

AppFactory = Callable[..., PortingAlphaApp]
SIZE = (160, 48)


def audit_kinds(app: PortingAlphaApp) -> list[str]:
    return list(app.store.read("audit")["kind"])


def orders_sent(app: PortingAlphaApp) -> int:
    return app.store.read("orders").height


def assert_main_screen_untouched(app: PortingAlphaApp) -> None:
    """The proposal is still there, every holding too, and nothing was sent."""
    assert app.view.plan is not None and not app.view.discarded
    assert set(app.view.portfolio.holdings) == {"BTC", "ETH", "USDT"}
    assert orders_sent(app) == 0
    assert "discard" not in audit_kinds(app) and "confirm" not in audit_kinds(app)


async def open_review(pilot: Any) -> ConfirmOrders:
    app = pilot.app
    await pilot.press("3")  # the legs pane, where c reviews the proposal
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOrders))
    await pilot.pause(0.2)
    modal = app.screen
    assert isinstance(modal, ConfirmOrders)
    return modal


# -- 1. the order review opens on Back ----------------------------------------------------


async def test_review_opens_on_back_and_enter_goes_back(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        modal = await open_review(pilot)
        assert modal.focused is modal.query_one("#back", Button)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmOrders))
        await pilot.pause(0.3)
        assert app.desk is None or app.desk.open_tilt is None
        assert_main_screen_untouched(app)
        # Enter again, now on the main screen, does not reopen or send anything either.
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert orders_sent(app) == 0 and "confirm" not in audit_kinds(app)


async def test_review_confirms_only_after_moving_to_confirm(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        modal = await open_review(pilot)
        await pilot.press("left")  # Back → Confirm
        assert modal.focused is modal.query_one("#confirm", Button)
        await pilot.press("right")  # and back again: Enter still backs out
        assert modal.focused is modal.query_one("#back", Button)
        await pilot.press("shift+tab")  # Tab order: Confirm sits before Back
        assert modal.focused is modal.query_one("#confirm", Button)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "confirm" in audit_kinds(app))
        assert not isinstance(app.screen, ConfirmOrders)
        assert audit_kinds(app).count("confirm") == 1


async def test_y_twice_confirms_once(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await open_review(pilot)
        await pilot.press("y", "y")
        await wait_for(pilot, lambda: "confirm" in audit_kinds(app))
        await pilot.pause(0.5)
        assert audit_kinds(app).count("confirm") == 1
        assert len(app.screen_stack) == 1 and app.screen.query("#holdings-table")


# -- 2. x asks before removing a holding --------------------------------------------------


async def press_x_on(pilot: Any, key: str) -> None:
    app = pilot.app
    table = app.query_one("#holdings-table", RowTable)
    table.focus()
    table.move_cursor_to(key)
    await pilot.pause()
    await pilot.press("x")
    await pilot.pause(0.2)


async def test_x_asks_and_no_keeps_the_holding(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        for answer in ("n", "escape", "enter"):  # Enter lands on the focused No
            await press_x_on(pilot, "BTC")
            modal = app.screen
            assert isinstance(modal, AskYesNo)
            assert modal.focused is modal.query_one("#no", Button)
            assert "Remove the holding BTC?" in str(modal.query_one("#question", Label).content)
            await pilot.press(answer)
            await wait_for(pilot, lambda: not isinstance(app.screen, AskYesNo))
            await pilot.pause(0.2)
            assert app.view.portfolio.holdings["BTC"] == 1.0
        assert_main_screen_untouched(app)


async def test_x_then_y_removes_the_holding(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await press_x_on(pilot, "ETH")
        assert isinstance(app.screen, AskYesNo)
        await pilot.press("y", "y")  # the second y must not answer a second time
        await wait_for(pilot, lambda: "ETH" not in app.view.portfolio.holdings)
        await pilot.pause(0.2)
        assert set(app.view.portfolio.holdings) == {"BTC", "USDT"}
        assert len(app.screen_stack) == 1


async def test_x_on_the_total_row_does_nothing(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await press_x_on(pilot, "__total__")
        assert not isinstance(app.screen, AskYesNo) and len(app.screen_stack) == 1
        await pilot.press("y")
        await pilot.pause(0.2)
        assert_main_screen_untouched(app)


# -- 3. no key typed into a modal reaches the main screen --------------------------------


async def test_import_prompt_stays_open_on_a_missing_file(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt))
        prompt = app.screen
        assert isinstance(prompt, PathPrompt)
        assert isinstance(prompt.focused, Input) and prompt.focused.id == "path"
        # Typed at once, with d and x in it, then Enter on a file that does not exist (the
        # directory part set, not typed: keys are what this is about, and a long temp path
        # typed key by key costs seconds).
        field = prompt.query_one("#path", Input)
        field.value = f"{tmp_path}/"
        missing = f"{tmp_path}/dx/nodx.toml"
        await pilot.press(*"dx/nodx.toml", "enter")
        await wait_for(pilot, lambda: prompt.reason != "")
        assert app.screen is prompt
        assert prompt.query_one("#path", Input).value == missing
        assert prompt.reason == "no such file"
        # Keep typing: it all goes into the field, never to the main screen's d, x, q, c.
        await pilot.press("d", "x", "q", "c", "enter")
        await pilot.pause()
        assert app.screen is prompt and prompt.reason == "no such file"
        assert prompt.query_one("#path", Input).value == missing + "dxqc"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, PathPrompt))
        await pilot.pause()
        assert_main_screen_untouched(app)


async def test_export_prompt_stays_open_on_a_missing_directory(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt))
        prompt = app.screen
        assert isinstance(prompt, PathPrompt)
        field = prompt.query_one("#path", Input)
        field.value = f"{tmp_path}/"  # the temp directory set, the rest typed
        await pilot.press(*"nodir/x.toml", "enter")
        await wait_for(pilot, lambda: prompt.reason != "")
        assert app.screen is prompt
        assert prompt.reason == f"no directory {tmp_path}/nodir"
        label = prompt.query_one("#reason", Label)
        assert label.size.height == 1 and len(prompt.reason) <= label.size.width  # one line
        # Fix the path: the prompt closes and the file is written.
        field.value = f"{tmp_path}/"
        await pilot.press(*"x.toml", "enter")
        await wait_for(pilot, lambda: (tmp_path / "x.toml").is_file())
        assert not isinstance(app.screen, PathPrompt)
        assert load_portfolio(tmp_path / "x.toml") == app.view.portfolio
        assert_main_screen_untouched(app)


async def test_holding_form_keeps_keys_to_itself(app_factory: AppFactory) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await pilot.press("1", "a")
        await wait_for(pilot, lambda: isinstance(app.screen, HoldingForm))
        form = app.screen
        assert isinstance(form.focused, Input) and form.focused.id == "hf-asset"
        await pilot.press("d", "x", "enter")  # "DX" with no quantity: refused inline
        await pilot.pause(0.3)
        assert app.screen is form
        assert "quantity is needed" in str(form.query_one("#hf-reason-quantity", Label).content)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HoldingForm))
        await pilot.pause(0.3)
        assert_main_screen_untouched(app)


# -- the modals alone ---------------------------------------------------------------------


class Harness(App[None]):
    """A bare app that opens one modal and records what it answers (no auto focus, as ours)."""

    AUTO_FOCUS = None

    def __init__(self, modal: Screen[Any]) -> None:
        super().__init__()
        self.modal = modal
        self.answers: list[Any] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield Label("main")

    def on_mount(self) -> None:
        self.push_screen(self.modal, self.answers.append)


def intents(count: int = 2) -> list[OrderIntent]:
    return [
        OrderIntent(
            tilt_id="T1",
            asset="BTC",
            symbol="BTC/USDT:USDT",
            side="sell",
            amount="0.1",
            client_order_id=f"pa-T1-{i}",
            reduce_only=True,
            purpose="close",
        )
        for i in range(count)
    ]


async def test_unwind_review_opens_on_back_and_answers_once() -> None:
    modal = ConfirmOrders(intents(), [], mode="PAPER", summary="Unwind tilt T1")
    app = Harness(modal)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert modal.focused is modal.query_one("#back", Button)
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [False]
    modal = ConfirmOrders(intents(), [], mode="PAPER", summary="Unwind tilt T1")
    app = Harness(modal)
    async with app.run_test() as pilot:
        await pilot.pause()
        modal.action_confirm()
        modal.action_confirm()  # two answers before the screen is gone: one counts
        modal.action_back()
        await pilot.pause()
        assert app.answers == [True]
        assert len(app.screen_stack) == 1


async def test_blocked_review_cannot_be_confirmed() -> None:
    modal = ConfirmOrders(intents(), [], mode="PAPER", summary="s", blocked="the venue is stale")
    app = Harness(modal)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert modal.query_one("#confirm", Button).disabled
        await pilot.press("y", "left", "enter")
        await pilot.pause()
        assert app.answers == [False]  # y did nothing, ← could not reach Confirm, Enter = Back


async def test_ask_yes_no_defaults_to_no() -> None:
    for keys, answer in (
        (["enter"], False),
        (["n"], False),
        (["y"], True),
        (["left", "enter"], True),
    ):
        modal = AskYesNo("Remove the holding BTC?")
        app = Harness(modal)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert modal.focused is modal.query_one("#no", Button)
            await pilot.press(*keys)
            await pilot.pause()
            assert app.answers == [answer], keys


async def test_import_prompt_refuses_a_bad_file_inline(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[holdings]\nBTC = 'one'\n", encoding="utf-8")
    good = tmp_path / "good.toml"
    good.write_text("[holdings]\nBTC = 1\n", encoding="utf-8")
    modal = PathPrompt("Import portfolio TOML", "", must_exist=True, check=load_portfolio)
    app = Harness(modal)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        field = modal.query_one("#path", Input)
        field.value = f"{tmp_path}/"  # the temp directory set, the file name typed
        await pilot.press(*"bad.toml", "enter")
        await pilot.pause()
        assert app.answers == [] and app.screen is modal
        assert modal.reason == "holdings.BTC: 'one' is not a number"  # the path is above it
        field.value = f"{tmp_path}/"
        await pilot.press(*"good.toml", "enter")
        await pilot.pause()
        assert app.answers == [good]


async def test_holding_form_shows_a_refused_edit_inline() -> None:
    def refuse(edit: HoldingEdit) -> None:
        if edit.strategic_pct is not None and edit.strategic_pct < 100:
            raise ValueError(f"SAA targets sum to {edit.strategic_pct:g}%: give {edit.asset} 100%")

    modal = HoldingForm(None, None, None, check=refuse)
    app = Harness(modal)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"SOL")
        await set_field(pilot, "#hf-quantity", "3")
        await set_field(pilot, "#hf-strategic", "40")
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [] and app.screen is modal
        assert modal.problem == "SAA targets sum to 40%: give SOL 100%"
        await set_field(pilot, "#hf-strategic", "100")
        assert modal.problem == ""  # typing clears it
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [HoldingEdit("SOL", 3.0, 100.0, None)]


# -- 4. a holding no market can tilt -------------------------------------------------------


FOO_PORTFOLIO = """\
[holdings]
BTC = 1.0
ETH = 10.0
FOO = 10
USDT = 2500
[strategic]
BTC = 45
ETH = 45
FOO = 10
"""


async def test_a_holding_without_market_never_blocks_planning(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    path = tmp_path / "foo.toml"
    path.write_text(FOO_PORTFOLIO, encoding="utf-8")
    app = app_factory(portfolio=path)
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)  # waits for a plan: FOO does not block it
        plan = app.view.plan
        assert plan is not None and app.view.plan_problem == ""
        assert {leg.asset for leg in plan.legs} == {"BTC", "ETH"}
        assert any(w.startswith("FOO: no futures market on binanceusdm") for w in plan.warnings)
        assert "FOO" in [r.key for r in app.query_one("#holdings-table", RowTable).rows]
        # The builder (told by the app which assets the venue's markets can tilt): no FOO
        # field, one line that says why.
        builder = app.query_one(TiltBuilder)
        assert builder.assets == ["BTC", "ETH"] and not builder.query("#target-FOO")
        note = str(builder.query_one("#untiltable", Label).content)
        assert (
            note
            == "FOO: no futures market on binanceusdm and no price; counts 0 in the base, not tilted"
        )
        await pilot.press("q")
        await pilot.pause(0.2)
    # After a restart (the saved portfolio, SAA targets pre-filled as tactical ones) too.
    again = app_factory()
    async with again.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        assert "FOO" in again.view.portfolio.holdings
        plan = again.view.plan
        assert plan is not None and again.view.plan_problem == ""
        assert {leg.asset for leg in plan.legs} == {"BTC", "ETH"}


class BuilderHarness(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.specs: list[Any] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield TiltBuilder(id="builder")

    def on_tilt_builder_changed(self, message: TiltBuilder.Changed) -> None:
        self.specs.append(message.spec)


async def test_builder_gives_no_field_to_an_untiltable_asset() -> None:
    note = "FOO: no futures market on binanceusdm; counted in the base, not tilted"
    app = BuilderHarness()
    async with app.run_test(size=(200, 40)) as pilot:
        builder = app.query_one(TiltBuilder)
        builder.fill({"window": "30", "leverage": "3"})
        builder.set_assets(
            ["BTC", "ETH", "FOO"],
            {"BTC": 45, "ETH": 45, "FOO": 10},
            untiltable={"FOO": note},
        )
        await pilot.pause(0.3)
        assert builder.assets == ["BTC", "ETH"]
        assert not builder.query("#target-FOO")
        label = builder.query_one("#untiltable", Label)
        assert str(label.content) == note and label.display
        assert label.size.height == 1  # one line at this width
        spec = app.specs[-1]
        assert spec is not None and spec.targets == {"BTC": 0.45, "ETH": 0.45}
        # The market appears: FOO gets its field, the line goes.
        builder.set_assets(["BTC", "ETH", "FOO"], untiltable={})
        await pilot.pause(0.3)
        assert builder.query("#target-FOO") and not label.display
        assert builder.query_one("#target-BTC", Input).value == "45"  # typed values kept


async def test_builder_survives_assets_set_twice_before_a_refresh() -> None:
    # A restart re-fills the builder twice in a row (sample, then the saved portfolio) and
    # again when markets arrive: rows not mounted yet must not leak a blank instrument.
    app = BuilderHarness()
    async with app.run_test(size=(200, 40)) as pilot:
        builder = app.query_one(TiltBuilder)
        builder.fill({"window": "30", "leverage": "3"})
        builder.set_assets(["BTC", "ETH"], {"BTC": 50, "ETH": 50}, "perp")
        builder.set_assets(["BTC", "ETH", "FOO"], {"BTC": 45, "ETH": 45, "FOO": 10}, "perp")
        builder.set_assets(["BTC", "ETH", "FOO"], untiltable={"FOO": "FOO: no market"})
        await pilot.pause(0.3)
        assert builder.assets == ["BTC", "ETH"]
        spec = app.specs[-1]
        assert spec is not None and spec.targets == {"BTC": 0.45, "ETH": 0.45}
        assert spec.instruments == {"BTC": "perp", "ETH": "perp"}
