"""What the desk's parts (books, funding, exits, restore, watch) need of the desk: a
protocol, so they import nothing of `tui.desk.desk` and the imports go one way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from tui.core.models import MarketSpec, Quote
from tui.core.orders import OrderIntent
from tui.desk.tilt import Tilt


class DeskState(Protocol):
    """The desk's state and clock as its parts use them."""

    store: Any
    executor: Any
    venue: str
    mode: str
    clock: Callable[[], datetime]
    markets: dict[str, MarketSpec]
    quotes: dict[str, Quote]
    tilts: dict[str, Tilt]

    def stamp(self) -> datetime:
        """Now, strictly after every earlier stamp."""
        ...

    def last_stamp(self) -> datetime | None:
        """The latest stamp given (``None`` before the first)."""
        ...

    def seen(self, moment: datetime | None) -> None:
        """A time already on a record: later stamps come after it."""
        ...

    @property
    def open_tilt(self) -> Tilt | None:
        """The tilt that holds positions."""
        ...

    def contract_size(self, symbol: str) -> float:
        """Base units per contract."""
        ...

    def net_contracts(self) -> dict[str, float]:
        """Signed contracts per symbol over every open tilt."""
        ...

    def prices(self) -> dict[str, float]:
        """A spot price per asset."""
        ...

    def refusal(self, intents: list[OrderIntent], tilt: Tilt | None) -> str:
        """Why these orders must not go now (``""``: they may)."""
        ...
