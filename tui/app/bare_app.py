"""A bare Textual app — a Header, a Static and a Footer — the yardstick of our first frame.

``porting-alpha bench`` starts it as a whole process (``python tui/app/bare_app.py``, by
path, so that it imports Textual and nothing of ours) and times its first frame exactly as
it times the app's: what the ratio measures is what our app adds to Textual's own start.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import Footer, Header, Static


class BareApp(App[None]):
    """Header, Static, Footer; ``q`` quits."""

    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        """The three widgets."""
        yield Header()
        yield Static("A bare Textual app: the yardstick of the first frame.")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
