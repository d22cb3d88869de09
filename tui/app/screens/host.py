"""What the screens need of the app, and the trading and holdings actions of the main
screen: as protocols, so these modules import neither the App nor the main screen (the
imports then only go one way: app → screens → actions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from textual.app import App
from textual.message import Message
from textual.notifications import SeverityLevel

from tui.app.view import ViewState
from tui.settings import LaunchOptions


class AppHost(Protocol):
    """The app as the screens use it: options, clock, store, desk, saving."""

    options: LaunchOptions
    store: Any
    desk: Any
    clock: Callable[[], datetime]

    def stamp(self) -> datetime:
        """The time to put on a record."""
        ...

    def save_portfolio(self) -> bool:
        """Save the portfolio shown; False when the save failed (said)."""
        ...

    def store_refused(self, error: BaseException, doing: str = "") -> bool:
        """Say ``error`` (``doing: <line>``) if it is the store's; whether it was."""
        ...

    def follow_assets(self, assets: list[str]) -> None:
        """Point the feeds at these assets."""
        ...

    def maybe_flush(self) -> None:
        """Flush the store's buffered series if due."""
        ...


class ScreenHost(Protocol):
    """The main screen as its action modules use it."""

    view: ViewState
    pending_exit: Any

    @property
    def pa(self) -> AppHost:
        """The app."""
        ...

    @property
    def desk(self) -> Any:
        """The desk, once the store is open."""
        ...

    @property
    def app(self) -> App[Any]:
        """Textual's app (to push modals)."""
        ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast."""
        ...

    def run_worker(self, work: Any, *, group: str = "default", exit_on_error: bool = True) -> Any:
        """Run a worker."""
        ...

    def post_message(self, message: Message) -> bool:
        """Post a message to the screen."""
        ...

    def render_all(self) -> None:
        """Render every pane now."""
        ...

    def plan_now(self) -> None:
        """Re-plan now."""
        ...

    def schedule_plan(self) -> None:
        """Re-plan after a short pause."""
        ...

    def show_builder_assets(self) -> None:
        """The builder's target fields for the tiltable assets."""
        ...

    def show_halt(self) -> None:
        """The header's HALTED badge."""
        ...
