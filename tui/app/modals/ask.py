"""A yes/no question that defaults to no: ``y`` yes, ``n`` / Esc / Enter on the focused No no."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from tui.app.modals.base import OnceModal


class AskYesNo(OnceModal[bool]):
    """Ask before doing something that cannot be taken back; answers ``True`` only on yes.

    Opens with **No** focused, so Enter right away answers no; ``y``, or moving to Yes
    (← or Tab) then Enter or a click, answers yes. It answers once.
    """

    DEFAULT_CSS = """
    AskYesNo {
        align: center middle;
        & > Vertical {
            width: 64;
            max-width: 100%;
            height: auto;
            border: thick $warning;
            background: $surface;
            padding: 1 2;
        }
        #question { text-style: bold; width: 100%; height: auto; margin-bottom: 1; }
        #detail { color: $text-muted; height: auto; margin-bottom: 1; }
        #buttons { height: auto; align-horizontal: right; }
        #buttons > Button { margin-left: 2; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "yes", "Yes"),
        Binding("n", "no", "No"),
        Binding("escape", "no", "No", show=False),
        Binding("left", "focus_button('yes')", "To Yes", show=False),
        Binding("right", "focus_button('no')", "To No", show=False),
    ]

    def __init__(
        self, question: str, detail: str = "", *, yes_label: str = "Yes", no_label: str = "No"
    ) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes_label = yes_label
        self.no_label = no_label

    def compose(self) -> ComposeResult:
        """The question, an optional detail line, Yes / No."""
        with Vertical():
            yield Label(self.question, id="question")
            if self.detail:
                yield Static(self.detail, id="detail")
            with Horizontal(id="buttons"):
                yield Button(f"{self.yes_label} (y)", id="yes", variant="warning")
                yield Button(f"{self.no_label} (n)", id="no")

    def on_mount(self) -> None:
        """No is focused: Enter does the safe thing."""
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Yes or No."""
        event.stop()
        self.answer(event.button.id == "yes")

    def action_focus_button(self, button_id: str) -> None:
        """Move to a button (← Yes, → No)."""
        self.query_one(f"#{button_id}", Button).focus()

    def action_yes(self) -> None:
        """Answer yes."""
        self.answer(True)

    def action_no(self) -> None:
        """Answer no."""
        self.answer(False)
