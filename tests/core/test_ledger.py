"""The ledger's one averaging rule, by hand: add, reduce, flip, and the price/basis split."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.core.ledger import Book, LedgerFill

T = datetime(2026, 1, 5, tzinfo=UTC)


def fill(minutes: int, qty: float, price: float, fee: float = 0.0, index: float | None = None):
    return LedgerFill(T + timedelta(minutes=minutes), qty, price, fee, index)


def test_adding_averages_the_entry():
    book = Book("BTC/USDT:USDT", "BTC")
    book.apply(fill(0, 0.3, 50_000))
    book.apply(fill(1, 0.1, 54_000))
    # (0.3 × 50,000 + 0.1 × 54,000) / 0.4 = 51,000.
    assert book.quantity == pytest.approx(0.4)
    assert book.entry_price == pytest.approx(51_000)
    assert book.realized.total == 0.0


def test_reducing_keeps_the_entry_and_realizes():
    book = Book("ETH/USDT:USDT", "ETH")
    book.apply(fill(0, -6, 2_500, fee=7.5))
    made = book.apply(fill(1, 2, 2_400, fee=2.4))
    # A short of 2 closed 100 lower: +200; fees 2.4 on this fill.
    assert made.price == pytest.approx(200.0) and made.fees == pytest.approx(2.4)
    assert (book.quantity, book.entry_price) == (-4, 2_500)
    assert book.realized.total == pytest.approx(200.0 - 7.5 - 2.4)


def test_a_flip_closes_the_old_side_then_opens_at_the_fill_price():
    book = Book("BTC/USDT:USDT", "BTC")
    book.apply(fill(0, 0.3, 50_000))
    made = book.apply(fill(1, -0.5, 49_000))
    # 0.3 closed at 49,000: −300; the other 0.2 opens short at 49,000.
    assert made.price == pytest.approx(-300.0)
    assert book.quantity == pytest.approx(-0.2) and book.entry_price == 49_000
    assert book.quantity_at(T) == pytest.approx(0.3)
    assert book.quantity_at(T + timedelta(minutes=1)) == pytest.approx(-0.2)


def test_basis_is_what_the_contract_moved_beyond_its_index():
    book = Book("BTC/USDT:USDT-260327", "BTC")
    # Long a future at 51,000 with the index at 50,000 (basis 1,000), out at 50,600 / 50,500.
    book.apply(fill(0, 1.0, 51_000, index=50_000))
    made = book.apply(fill(1, -1.0, 50_600, index=50_500))
    # Whole move −400 = price +500 (index 50,000 → 50,500) + basis −900 (1,000 → 100).
    assert made.price == pytest.approx(500.0)
    assert made.basis == pytest.approx(-900.0)
    assert book.flat
    # Open positions mark the same way.
    book.apply(fill(2, -2.0, 50_600, index=50_500))
    marked = book.unrealized(50_550, 50_500)
    assert marked.price == pytest.approx(0.0) and marked.basis == pytest.approx(100.0)
