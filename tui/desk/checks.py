"""What must hold before an order leaves: pre-trade checks and the kill switch.

Checks run when a proposal is made (the review shows why it cannot go) and again at
confirmation (time has passed). Each refusal names its reason. The kill switch is a file in
the data directory (``HALT``), so it survives a restart and can be set from outside the app
in an emergency (``porting-alpha halt``, or ``touch HALT``); while it is there no new order
is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tui.core.ledger import EPSILON
from tui.core.models import MarketSpec, Quote
from tui.core.orders import OrderIntent, pretrade_problems
from tui.desk.tilt import Tilt

#: The kill switch's file in the data directory.
HALT_FILE = "HALT"


@dataclass(frozen=True)
class Limits:
    """The trader's own limits (settings), on top of the venue's."""

    max_order_usd: float = 250_000.0
    """No single order above this notional."""
    max_tilt_usd: float = 1_000_000.0
    """No tilt's gross notional above this (what it holds plus what is proposed)."""
    max_quote_age_s: float = 15.0
    """A price older than this is stale: confirming waits for a fresh one."""
    price_band: float = 0.05
    """A price this far from the one planned with (a fraction) needs a new review."""
    paper_balance_usd: float = 100_000.0
    """The paper account's starting USDT: the collateral paper tilts draw on."""


def order_problems(
    intents: list[OrderIntent],
    tilt: Tilt | None,
    markets: Mapping[str, MarketSpec],
    quotes: Mapping[str, Quote],
    limits: Limits,
    now: datetime,
    received_now: Callable[[], datetime],
) -> list[str]:
    """Every reason the orders must not go now (empty: they may). ``now`` is the venue's
    time (expiries); quote ages are measured on ``received_now``."""
    problems = pretrade_problems(
        intents,
        markets,
        quotes,
        now=now,
        received_now=received_now(),
        max_age_s=limits.max_quote_age_s,
        max_order_usd=limits.max_order_usd,
        price_band=limits.price_band,
    )
    held = tilt.holding() if tilt is not None else {}
    gross = sum(abs(b.quantity) * _price(quotes, s, b.entry_price) for s, b in held.items())
    for intent in intents:
        market = markets.get(intent.symbol)
        size = market.contract_size if market is not None else 1.0
        signed = intent.contracts * size * (1.0 if intent.side == "buy" else -1.0)
        if intent.reduce_only:
            book = held.get(intent.symbol)
            have = book.quantity if book is not None else 0.0
            # A closing order may reduce a position, never open or flip one.
            if (
                abs(have) <= EPSILON
                or (have > 0) == (signed > 0)
                or abs(signed) > abs(have) + EPSILON
            ):
                problems.append(
                    f"{intent.symbol}: closing {intent.side} {intent.amount} would not just reduce "
                    f"the {have:+g} held (reduce-only)"
                )
        else:
            gross += abs(signed) * _price(quotes, intent.symbol, intent.price or 0.0)
    if gross > limits.max_tilt_usd:
        problems.append(
            f"the tilt's gross ${gross:,.0f} is above its cap ${limits.max_tilt_usd:,.0f}"
        )
    return problems


def _price(quotes: Mapping[str, Quote], symbol: str, default: float) -> float:
    quote = quotes.get(symbol)
    return (quote.price if quote is not None else None) or default


def wall_now() -> datetime:
    """When quotes are received is measured on this clock (ages only, never time of day)."""
    return datetime.now(UTC)


class KillSwitch:
    """The ``HALT`` file of a data directory: present = no new orders.

    The halt is also held in memory from the moment it is asked for: a disk that refuses the
    file (full, read-only) must not leave orders flowing in this session."""

    def __init__(self, data_dir: Path | None) -> None:
        self.path = Path(data_dir) / HALT_FILE if data_dir is not None else None
        self._held = ""
        """The reason of a halt asked for in this process (kept even if the file failed)."""

    @property
    def reason(self) -> str:
        """Why orders are halted (the file's first line, else this session's halt), or ``""``
        when they are not."""
        if self.path is None or not self.path.exists():
            return self._held
        try:
            text = self.path.read_text(encoding="utf-8").strip().splitlines()
        except OSError:
            text = []
        return text[0] if text and text[0] else "halted"

    def set(self, reason: str) -> None:
        """Halt new orders: at once in this process, and written to disk so it survives a
        restart. `OSError` when the file cannot be written — the halt holds all the same."""
        self._held = reason or "halted"
        if self.path is not None:
            self.path.write_text(self._held + "\n", encoding="utf-8")

    def lift(self) -> None:
        """Allow orders again (on purpose only)."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        self._held = ""
