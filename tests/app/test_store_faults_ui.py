"""A disk that refuses the store's writes (full, read-only): the app says one line, sends no
order it could not journal, keeps running, and q still quits (saying what was not saved).

The disk is faked at the store's write seams, as tests/store/test_store_write_errors.py
does: ``tui.store.journal.write_line`` (log rows and flushes: half the line lands, then
ENOSPC) and ``tui.store.segments.atomic_write`` (the state tables: holdings, targets).
Driven by Pilot on the demo market (frozen scenario, still clock).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Label

from tests.app.staging import market_ready, wait_until
from tui.app.app import PortingAlphaApp
from tui.app.modals.confirm import ConfirmOrders
from tui.app.screens import holdings_actions
from tui.core.models import Portfolio
from tui.store import Store
from tui.store import journal as journal_mod
from tui.store import segments as segments_mod

AppFactory = Callable[..., PortingAlphaApp]
SIZE = (160, 48)
FULL = os.strerror(errno.ENOSPC)


def full_disk(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every journal line from now on fails like a full disk (half of it written first);
    returns the list counting the attempts."""
    calls: list[int] = []

    def write_line(fd: int, line: bytes) -> None:
        calls.append(len(line))
        os.write(fd, line[: len(line) // 2])
        raise OSError(errno.ENOSPC, FULL)

    monkeypatch.setattr(journal_mod, "write_line", write_line)
    return calls


def refused_line(app: PortingAlphaApp) -> str:
    return f"cannot write the store at {app.options.data_dir}: {FULL}"


def said(app: PortingAlphaApp, text: str) -> list[Any]:
    """The error notifications whose message contains ``text``."""
    return [n for n in app._notifications if text in n.message and n.severity == "error"]


def badge(app: PortingAlphaApp) -> Label:
    return app.main.query_one("#store", Label)


async def open_review(pilot: Any) -> ConfirmOrders:
    await pilot.press("3")  # the legs pane, where c reviews the proposal
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmOrders))
    await pilot.pause(0.1)
    modal = pilot.app.screen
    assert isinstance(modal, ConfirmOrders)
    return modal


async def test_a_confirm_the_disk_refuses_sends_nothing_and_the_app_goes_on(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await open_review(pilot)
        full_disk(monkeypatch)
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(said(app, "Nothing sent")))
        monkeypatch.undo()  # space again
        [note] = said(app, "Nothing sent")
        assert note.message == f"Nothing sent: {refused_line(app)}"
        assert "\n" not in note.message and "Traceback" not in note.message
        assert app.store.read("orders").is_empty()
        assert app.store.read("paper_orders").is_empty()  # the paper venue got nothing
        assert app.desk.open_tilt is None  # no phantom tilt
        assert badge(app).has_class("-on") and badge(app).tooltip == refused_line(app)
        assert app.is_running and not isinstance(app.screen, ConfirmOrders)
        # The app goes on: with space back, the next review confirms and sends.
        await open_review(pilot)
        await pilot.press("y")
        await wait_until(pilot, lambda: app.store.read("orders").height == 2)
        assert app.desk.open_tilt is not None


async def test_a_flush_the_disk_refuses_in_the_background_is_said_once(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)  # feeds stopped: only the app's flush timer writes now
        app.store.flush_interval_s = 0.0  # every tick flushes
        app.store.append("quotes", {"ts": app.clock(), "venue": "v", "symbol": "S", "mark": 1.0})
        calls = full_disk(monkeypatch)
        for _ in range(3):
            app.main.tick_clock()  # what the one-second timer calls
        await pilot.pause(0.1)
        assert len(calls) >= 3  # tried each time (the row kept), the timer's ticks besides
        notes = said(app, refused_line(app))
        assert [n.message for n in notes] == [refused_line(app)]  # one line, once
        assert badge(app).has_class("-on")
        assert app.is_running and app.view.feed_state == "live"
        monkeypatch.undo()
        app.main.tick_clock()
        assert app.store.read("quotes").filter(symbol="S").height == 1  # flushed, nothing lost


async def test_the_sessions_recorder_keeps_the_feeds_running_on_a_full_disk(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot, freeze=False)
        app.store.flush_interval_s = 0.0  # the session's watchdog flushes every second
        calls = full_disk(monkeypatch)
        await wait_until(pilot, lambda: len(calls) >= 4)  # the app's and the session's tries
        await pilot.pause(1.2)  # one more watchdog round
        feeds = [w for w in app.workers if w.group == "feeds"]
        assert feeds and all(w.is_running for w in feeds)
        assert app.view.feed_state == "live"
        assert app.store.failure == refused_line(app)
        assert [n.message for n in said(app, refused_line(app))] == [refused_line(app)]


async def test_a_discard_the_disk_refuses_keeps_the_proposal(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        await pilot.press("3")
        full_disk(monkeypatch)
        await pilot.press("d")
        await pilot.pause(0.1)
        assert [n.message for n in said(app, "Not discarded")] == [
            f"Not discarded: {refused_line(app)}"
        ]
        assert app.view.plan is not None and not app.view.discarded
        assert app.is_running


async def test_a_holdings_save_the_disk_refuses_is_said_not_claimed(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)

        def atomic_write(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
            raise OSError(errno.ENOSPC, FULL)

        monkeypatch.setattr(segments_mod, "atomic_write", atomic_write)
        edited = Portfolio(holdings={"BTC": 2.0, "ETH": 10.0, "USDT": 2500.0})
        holdings_actions.set_portfolio(app.main, edited, "holding BTC: 2 saved")
        await pilot.pause(0.1)
        assert [n.message for n in said(app, "Portfolio not saved")] == [
            f"Portfolio not saved: {refused_line(app)}"
        ]
        assert not [n for n in app._notifications if n.message == "holding BTC: 2 saved"]
        assert app.store.read("holdings").filter(asset="BTC")["quantity"].to_list() == [1.0]
        assert app.is_running


async def test_q_quits_on_a_full_disk_says_what_was_not_saved_and_releases_the_store(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        app.store.append("quotes", {"ts": app.clock(), "venue": "v", "symbol": "S", "mark": 1.0})
        full_disk(monkeypatch)
        await pilot.press("q")
        await pilot.pause(0.3)
    monkeypatch.undo()
    assert app.return_code == 1
    assert app.quit_note == f"porting-alpha: not everything saved: {refused_line(app)}"
    with Store.open(tmp_path / "data") as again:  # not locked: the quit released it
        assert again.problems == []
        assert "fill" not in list(again.read("audit")["kind"])


async def test_k_on_a_full_disk_halts_and_says_the_audit_was_not_written(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        app.main.query_one("#holdings-table").focus()
        full_disk(monkeypatch)  # the journal refuses; the HALT file (a few bytes) is written
        await pilot.press("k")
        await pilot.pause(0.1)
        assert (tmp_path / "data" / "HALT").exists() and app.desk.halted
        assert app.main.query_one("#halt", Label).has_class("-on")
        assert [n.message for n in said(app, "Halted, but")] == [
            f"Halted, but not in the audit log: {refused_line(app)}"
        ]


async def test_k_on_a_read_only_disk_halts_this_session_and_says_so(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await market_ready(pilot)
        app.main.query_one("#holdings-table").focus()
        halt = tmp_path / "data" / "HALT"
        write_text = Path.write_text

        def refuse(self: Path, *args: Any, **kwargs: Any) -> int:  # only the HALT file
            if self == halt:
                raise OSError(errno.EROFS, os.strerror(errno.EROFS))
            return write_text(self, *args, **kwargs)

        monkeypatch.setattr(Path, "write_text", refuse)
        await pilot.press("k")
        await pilot.pause(0.1)
        # The disk refused the file, yet nothing new may be sent in this session.
        assert app.desk.halted and app.main.query_one("#halt", Label).has_class("-on")
        assert not halt.exists()
        assert [n.message for n in said(app, "Halted for this session only")] == [
            f"Halted for this session only: cannot write {halt}: {os.strerror(errno.EROFS)}."
            " A restart would not be halted."
        ]
        assert app.is_running
