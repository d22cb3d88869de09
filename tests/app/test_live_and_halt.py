"""Live through the app (--demo --live: the simulator's signed endpoints), the kill switch,
and keys never written anywhere."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, Label

from tests.app.staging import market_ready, type_into, wait_until
from tui.app.app import PortingAlphaApp
from tui.app.modals.confirm import ConfirmOrders
from tui.app.modals.type_live import TypeLive

AppFactory = Callable[..., PortingAlphaApp]


class NOTE:
    """Stands in for a tilt that is not open yet."""

    note = ""


async def build_and_review(pilot) -> None:  # type: ignore[no-untyped-def]
    await type_into(pilot, "#target-BTC", "40")
    await type_into(pilot, "#target-ETH", "60")
    await type_into(pilot, "#field-leverage", "5")
    await pilot.press("enter")
    await pilot.pause()  # Enter re-planned and focused the legs at once
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmOrders))


async def test_live_starts_only_after_typing_live_and_sends_through_ccxt(
    app_factory: AppFactory,
) -> None:
    app = app_factory(live=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TypeLive))
        assert app.store is None and app.desk is None  # nothing opened before the word
        field = app.screen.query_one("#word", Input)
        field.value = "live"
        await pilot.press("enter")
        assert isinstance(app.screen, TypeLive)  # the exact word only
        field.value = "LIVE"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.desk is not None and app.desk.mode == "live")
        await market_ready(pilot, freeze=False)  # the simulator stays up: it is the venue
        assert str(app.query_one("#mode", Label).content) == "LIVE"
        await build_and_review(pilot)
        assert "(LIVE)" in str(app.screen.query_one("#title", Label).content)
        await pilot.press("y")
        await wait_until(pilot, lambda: "every leg filled" in (app.desk.open_tilt or NOTE).note)
        orders = app.store.read("orders").to_dicts()
        assert {o["mode"] for o in orders} == {"live"} and all(
            o["exchange_order_id"] for o in orders
        )
        venue = await app.desk.executor.positions()
        assert venue == app.desk.net_contracts()


async def test_esc_at_the_live_prompt_quits_having_sent_nothing(app_factory: AppFactory) -> None:
    app = app_factory(live=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TypeLive))
        await pilot.press("escape")
        await pilot.pause(0.3)
    assert app.desk is None and app.store is None


@pytest.mark.long  # started first by the workers (tests/conftest.py)
async def test_the_kill_switch_blocks_confirming_and_survives_a_restart(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        app.main.query_one("#holdings-table").focus()
        await pilot.press("k")
        await pilot.pause(0.2)
        assert app.query_one("#halt", Label).has_class("-on")
        assert (tmp_path / "data" / "HALT").exists()
        await build_and_review(pilot)
        assert "orders are halted" in str(app.screen.query_one("#blocked").render())
        await pilot.press("y")
        await pilot.pause(0.5)
        await pilot.press("escape")
        assert app.store.read("orders").is_empty()
        await pilot.press("q")
    again = app_factory()
    async with again.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        assert again.query_one("#halt", Label).has_class("-on")
        again.main.query_one("#holdings-table").focus()
        await pilot.press("k")  # lifting asks first
        await pilot.pause(0.2)
        await pilot.press("y")
        await pilot.pause(0.2)
        assert not again.query_one("#halt", Label).has_class("-on")
        assert not (tmp_path / "data" / "HALT").exists()


async def test_planted_keys_reach_no_artifact(app_factory: AppFactory, tmp_path: Path) -> None:
    """Key-shaped values in the environment: a --demo --live run writes none of them to the
    store, its exports, the crash log, the audit or a screenshot."""
    key, secret = "PLANTEDKEY7f3a9c1e5b", "PLANTEDSECRET0d8e2b4a6c"
    os.environ["PORTING_ALPHA_BINANCEUSDM_API_KEY"] = key
    os.environ["PORTING_ALPHA_BINANCEUSDM_API_SECRET"] = secret
    try:
        app = app_factory(live=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, TypeLive))
            app.screen.query_one("#word", Input).value = "LIVE"
            await pilot.press("enter")
            await market_ready(pilot, freeze=False)
            await build_and_review(pilot)
            await pilot.press("y")
            await wait_until(pilot, lambda: "every leg filled" in (app.desk.open_tilt or NOTE).note)
            svg = app.export_screenshot()
            for table in ("orders", "fills", "audit", "tilts", "legs", "positions"):
                app.store.export(table, tmp_path / f"{table}.csv")
        blobs = [svg.encode()] + [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
        for blob in blobs:
            assert key.encode() not in blob and secret.encode() not in blob
    finally:
        del os.environ["PORTING_ALPHA_BINANCEUSDM_API_KEY"]
        del os.environ["PORTING_ALPHA_BINANCEUSDM_API_SECRET"]
