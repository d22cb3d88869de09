"""Before live trading starts: type LIVE, or leave.

Shown once at start when the app runs with ``--live``. Anything but the exact word keeps
the modal open; Esc answers no (the app then quits without having sent anything).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from tui.app.modals.base import OnceModal

#: The word to type.
WORD = "LIVE"


class TypeLive(OnceModal[bool]):
    """Answers ``True`` once the user typed LIVE and pressed Enter; ``False`` on Esc."""

    DEFAULT_CSS = """
    TypeLive {
        align: center middle;
        & > Vertical {
            width: 72;
            max-width: 100%;
            height: auto;
            border: thick $warning;
            background: $surface;
            padding: 1 2;
        }
        #title { text-style: bold; color: $warning; margin-bottom: 1; }
        #detail { height: auto; margin-bottom: 1; }
        #reason { color: $error; height: auto; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "Leave")]

    def __init__(self, venue: str) -> None:
        super().__init__()
        self.venue = venue

    def compose(self) -> ComposeResult:
        """Title, what it means, the field."""
        with Vertical():
            yield Label(f"LIVE trading on {self.venue}", id="title")
            yield Static(
                "Confirmed orders will be sent to the venue with your API keys and real "
                f"money. Type {WORD} and press Enter to go on; Esc quits without sending "
                "anything.",
                id="detail",
            )
            yield Input(placeholder=WORD, id="word")
            yield Label("", id="reason")

    def on_mount(self) -> None:
        """Typing goes into the field at once."""
        self.query_one("#word", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Go on only on the exact word."""
        event.stop()
        if event.value.strip() == WORD:
            self.answer(True)
        else:
            self.query_one("#reason", Label).update(f"type {WORD} exactly (capitals), or Esc")

    def action_leave(self) -> None:
        """Do not trade live: the app quits."""
        self.answer(False)
