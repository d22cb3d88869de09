"""A disk that refuses the journal line of a confirm: no order leaves, and the desk is as it
was before the confirm (no phantom tilt, the proposal still pending), so the same proposal
can be confirmed once the disk takes writes again.

The disk is faked at the store's write seam (``tui.store.journal.write_line``), the way
tests/store/test_store_write_errors.py does: half the line reaches the file, then ENOSPC.
"""

from __future__ import annotations

import errno
import os
from datetime import timedelta

import pytest

from tui.core.models import Quote
from tui.core.orders import Execution, OrderIntent
from tui.desk import Desk
from tui.store import StoreWriteError
from tui.store import journal as journal_mod

from .conftest import T0, book
from .test_life import SPEC, open_worked_tilt, worked_plan

FULL = "No space left on device"


def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every journal line from now on fails like a full disk, after writing half of it."""

    def write_line(fd: int, line: bytes) -> None:
        os.write(fd, line[: len(line) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(journal_mod, "write_line", write_line)


def count_submits(desk: Desk) -> list[str]:
    """The client ids the desk hands to its executor, in order."""
    sent: list[str] = []
    submit = desk.executor.submit

    async def counted(intent: OrderIntent, quote: Quote | None) -> Execution:
        sent.append(intent.client_order_id)
        return await submit(intent, quote)

    desk.executor.submit = counted  # type: ignore[method-assign]
    return sent


async def test_a_confirm_whose_journal_line_is_refused_sends_nothing(
    make_desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = make_desk()
    sent = count_submits(desk)
    desk.observe(
        book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0002, next_funding=T0 + timedelta(hours=8))
    )
    proposal = desk.propose(worked_plan(desk), SPEC)
    full_disk(monkeypatch)
    with pytest.raises(StoreWriteError, match=FULL):
        await desk.confirm(proposal)
    assert sent == []  # the journal line of the orders was not written: nothing left
    # Nothing in memory says otherwise: no tilt open, the proposal can be confirmed again.
    assert desk.open_tilt is None and desk.tilts == {}
    assert proposal.state == "pending"
    assert desk.store.failure is not None and FULL in desk.store.failure
    monkeypatch.undo()  # space again: the same proposal goes, once
    outcome = await desk.confirm(proposal)
    assert outcome.filled == 2 and len(sent) == 2
    assert desk.open_tilt is not None and desk.open_tilt.batches == 1
    orders = desk.store.read("orders")
    assert sorted(orders["client_order_id"]) == sorted(sent)


async def test_an_adjustment_refused_by_the_disk_leaves_the_open_tilt_as_it_was(
    make_desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = make_desk()
    await open_worked_tilt(desk)
    tilt = desk.open_tilt
    assert tilt is not None
    before = (tilt.batches, tilt.spec, tilt.expected_carry_usd, tilt.status)
    sent = count_submits(desk)
    wider = SPEC.model_copy(update={"targets": {"BTC": 0.7, "ETH": 0.3}})
    proposal = desk.propose(worked_plan(desk), wider)
    assert proposal.purpose == "adjust" and proposal.intents and not proposal.blocked
    full_disk(monkeypatch)
    with pytest.raises(StoreWriteError, match=FULL):
        await desk.confirm(proposal)
    assert sent == []
    assert (tilt.batches, tilt.spec, tilt.expected_carry_usd, tilt.status) == before
    assert proposal.state == "pending"


async def test_a_refused_write_while_booking_stops_the_batch(
    make_desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The orders were journaled, the first fill's record is refused: the desk sends no more
    of the batch (the journal holds the orders as new; a restart asks the executor)."""
    desk = make_desk()
    sent = count_submits(desk)
    desk.observe(
        book(50_000, 2_500, btc_rate=0.0001, eth_rate=0.0002, next_funding=T0 + timedelta(hours=8))
    )
    proposal = desk.propose(worked_plan(desk), SPEC)
    real = journal_mod.write_line
    lines: list[bytes] = []

    def write_line(fd: int, line: bytes) -> None:
        lines.append(line)
        if b'"fills"' in line:  # the confirm's line goes through; the first booking fails
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, line)

    monkeypatch.setattr(journal_mod, "write_line", write_line)
    with pytest.raises(StoreWriteError, match=FULL):
        await desk.confirm(proposal)
    assert len(sent) == 1  # the second order of the batch never left
    assert proposal.state == "confirmed"  # it was journaled: never confirmed (sent) again
    orders = desk.store.read("orders")
    assert set(orders["status"]) == {"new"}  # a restart resolves them by asking


async def test_an_unwind_the_disk_refuses_leaves_the_tilt_open(
    make_desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = make_desk()
    await open_worked_tilt(desk)
    tilt = desk.open_tilt
    assert tilt is not None and tilt.status == "open"
    before = tilt.note
    full_disk(monkeypatch)
    with pytest.raises(StoreWriteError, match=FULL):
        desk.propose_unwind("stop hit")
    assert (tilt.status, tilt.note) == ("open", before)  # as the store has it
