"""What every modal of the app shares: it answers once, and its reasons are one line.

A modal that answers twice (``y`` pressed twice before the screen is gone) would run its
caller's callback twice and pop the screen under it; `OnceModal.answer` dismisses at most once,
and only while the modal is the screen on top.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import ValidationError
from textual.app import ScreenStackError
from textual.screen import ModalScreen

T = TypeVar("T")


class OnceModal(ModalScreen[T], Generic[T]):
    """A modal screen whose `answer` dismisses it exactly once."""

    def __init__(self) -> None:
        super().__init__()
        self.answered = False
        """Set by the first `answer`; later answers are ignored."""

    def answer(self, result: T) -> None:
        """Dismiss with ``result``, unless already answered or not the screen on top."""
        if self.answered or not self.on_top:
            return
        self.answered = True
        self.dismiss(result)

    @property
    def on_top(self) -> bool:
        """Whether this modal is the active screen (dismissing pops the top screen)."""
        try:
            return self.app.screen is self
        except ScreenStackError:
            return False


def one_line(error: BaseException, strip_prefix: str = "") -> str:
    """A readable one-line reason from an exception (the first problem of a pydantic error).

    ``strip_prefix`` (e.g. the path the user can already see) is removed from the front.
    """
    if isinstance(error, ValidationError) and error.errors():
        text = str(error.errors()[0].get("msg", error)).removeprefix("Value error, ")
    else:
        text = str(error) or type(error).__name__
    text = " ".join(text.split())
    if strip_prefix and text.startswith(f"{strip_prefix}: "):
        text = text[len(strip_prefix) + 2 :]
    return text
