"""Ask for a file path (import or export the portfolio TOML)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label


class PathCheck(Validator):
    """An existing file (import) or a writable location (export)."""

    def __init__(self, must_exist: bool) -> None:
        super().__init__()
        self.must_exist = must_exist

    def validate(self, value: str) -> ValidationResult:
        """Check the path."""
        if not value.strip():
            return self.failure("a path is needed")
        path = Path(value.strip()).expanduser()
        if self.must_exist and not path.is_file():
            return self.failure(f"no file at {path}")
        if not self.must_exist and not path.parent.is_dir():
            return self.failure(f"no directory {path.parent}")
        return self.success()


class PathPrompt(ModalScreen[Path | None]):
    """One input; Enter accepts a valid path, Esc cancels."""

    DEFAULT_CSS = """
    PathPrompt {
        align: center middle;
        & > Vertical {
            width: 72; height: auto; border: thick $primary; background: $surface; padding: 1 2;
        }
        #title { text-style: bold; margin-bottom: 1; }
        #reason { color: $error; height: 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, default: str, *, must_exist: bool) -> None:
        super().__init__()
        self.title_text = title
        self.default = default
        self.must_exist = must_exist

    def compose(self) -> ComposeResult:
        """Title, path input and the reason line."""
        with Vertical():
            yield Label(self.title_text, id="title")
            yield Input(self.default, id="path", validators=[PathCheck(self.must_exist)])
            yield Label("", id="reason")

    def on_input_changed(self, event: Input.Changed) -> None:
        """Say why a path will not do."""
        result = event.validation_result
        reason = "" if result is None or result.is_valid else result.failure_descriptions[0]
        self.query_one("#reason", Label).update(reason)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Accept a valid path."""
        event.stop()
        result = event.input.validate(event.value)
        if result is None or result.is_valid:
            self.dismiss(Path(event.value.strip()).expanduser())

    def action_cancel(self) -> None:
        """Close without a path."""
        self.dismiss(None)
