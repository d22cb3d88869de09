"""Ask for a file path (import or export the portfolio TOML).

The prompt opens with the cursor in its path field and stays open until the path is accepted
or the user presses Esc: a path that will not do (no such file, no such directory, a file that
``check`` refuses) is said inline, in one line, and the user fixes it there. Nothing typed
here can reach the main screen's keys while the prompt is open, and it never closes on an
error mid-typing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label

from tui.app.modals.base import OnceModal, one_line

#: Checks a path before the prompt accepts it; raising refuses it (the message is the reason).
PathCheckFn = Callable[[Path], object]


class PathCheck(Validator):
    """An existing, readable file (import) or a writable file location (export).

    Reasons do not repeat the path: it is in the field right above them.
    """

    def __init__(self, must_exist: bool) -> None:
        super().__init__()
        self.must_exist = must_exist

    def validate(self, value: str) -> ValidationResult:
        """Check the path."""
        if not value.strip():
            return self.failure("a path is needed")
        path = Path(value.strip()).expanduser()
        if path.is_dir():
            return self.failure("that is a directory: name a file in it")
        if self.must_exist:
            if not path.is_file():
                return self.failure("no such file")
            if not os.access(path, os.R_OK):
                return self.failure("this file cannot be read (permission denied)")
            return self.success()
        if not path.parent.is_dir():
            return self.failure(f"no directory {path.parent}")
        if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            return self.failure("cannot write there (permission denied)")
        return self.success()


class PathPrompt(OnceModal[Path | None]):
    """One input; Enter accepts a valid path, Esc cancels; errors keep it open, said inline.

    ``check`` (e.g. `load_portfolio` for an import) runs on the path before it is accepted:
    if it raises, its message is shown and the prompt stays open.
    """

    DEFAULT_CSS = """
    PathPrompt {
        align: center middle;
        & > Vertical {
            width: 100; max-width: 100%; height: auto;
            border: thick $primary; background: $surface; padding: 1 2;
        }
        #title { text-style: bold; margin-bottom: 1; }
        #reason { color: $error; width: 100%; height: auto; min-height: 1; }
        #hint { color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        default: str,
        *,
        must_exist: bool,
        check: PathCheckFn | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.default = default
        self.must_exist = must_exist
        self.check = check

    def compose(self) -> ComposeResult:
        """Title, path input, the reason line and the keys."""
        with Vertical():
            yield Label(self.title_text, id="title")
            yield Input(
                self.default,
                id="path",
                validators=[PathCheck(self.must_exist)],
                validate_on=["changed", "submitted"],
                # Typing goes after the default path, not over it (a selected-all default
                # was replaced by the first key).
                select_on_focus=False,
            )
            yield Label("", id="reason")
            yield Label("Enter accept · Esc cancel", id="hint")

    def on_mount(self) -> None:
        """Typing goes into the path at once, after what is there."""
        field = self.query_one("#path", Input)
        field.focus()
        field.cursor_position = len(field.value)

    @property
    def reason(self) -> str:
        """The reason shown under the path (blank when none)."""
        return str(self.query_one("#reason", Label).content)

    def _say(self, reason: str) -> None:
        self.query_one("#reason", Label).update(reason)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Say why a path will not do (blank while the field is empty: nothing typed yet)."""
        event.stop()
        result = event.validation_result
        bad = result is not None and not result.is_valid and bool(event.value.strip())
        self._say(result.failure_descriptions[0] if bad and result is not None else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Accept a valid path that ``check`` does not refuse; otherwise say why and stay."""
        event.stop()
        result = event.input.validate(event.value)
        if result is not None and not result.is_valid:
            self._say(result.failure_descriptions[0])
            return
        path = Path(event.value.strip()).expanduser()
        if self.check is not None:
            try:
                self.check(path)
            except Exception as exc:  # any refusal is a reason to show, never a crash
                self._say(one_line(exc, strip_prefix=str(path)))
                return
        self.answer(path)

    def action_cancel(self) -> None:
        """Close without a path."""
        self.answer(None)
