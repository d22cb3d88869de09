"""The help screen (``?`` or F1): every key, and what each pane shows.

The keys are read from the bindings themselves (the caller passes them, grouped by where
they work), so the help cannot drift from what the keys do. Esc, ``q``, ``?``, F1 or Enter
close it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from tui.app.modals.base import OnceModal

#: What each pane shows, in the order they are on screen.
PANES: tuple[tuple[str, str], ...] = (
    (
        "Holdings",
        "Your spot holdings at live prices: value, weight, the strategic (SAA) target and the "
        "drift from it; Overlay is the futures exposure open tilts add, Effective the sum.",
    ),
    (
        "Tilt builder",
        "Tactical targets (% of the base) and an instrument per asset, the base, the window, "
        "leverage and the stops. Fields take numbers; a reason under a field says what is wrong.",
    ),
    (
        "Open tilt",
        "When a tilt is open: P&L split into spread, funding and fees, the spread since entry, "
        "the stops and the time left. Alerts propose the unwind (u) or a roll (r).",
    ),
    (
        "Proposed legs",
        "The futures orders that move holdings to the targets: contracts, notional, margin, "
        "fee, expected carry, liquidation and its distance, and why a leg cannot be sent.",
    ),
    (
        "Live feeds",
        "Every perpetual of the venue (the followed markets first, marked ●): funding or basis, "
        "the next settlement, mark and index; s orders them, / filters them. Charts of the "
        "price ratio and the highlighted market's funding history. Stale values are greyed.",
    ),
)

#: Bindings grouped by where they work: a title and the bindings.
KeySection = tuple[str, Sequence[BindingType]]


class HelpScreen(OnceModal[None]):
    """Keys by where they work, then what each pane shows."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 96; max-width: 100%; height: auto; max-height: 100%;
            border: thick $primary; background: $surface; padding: 0 2;
        }
        .title { text-style: bold; color: $primary; margin-top: 1; width: 100%; }
        Static { width: 100%; height: auto; }
        #hint { color: $text-muted; margin: 1 0; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1,enter", "close", "Close"),
    ]

    def __init__(self, sections: Sequence[KeySection]) -> None:
        super().__init__()
        self.sections = list(sections)

    def compose(self) -> ComposeResult:
        """One block of keys per section, then the panes."""
        with VerticalScroll():
            for title, bindings in self.sections:
                yield Label(title, classes="title")
                yield Static(self.key_lines(bindings), classes="keys")
            yield Label("The panes", classes="title")
            panes = Text()
            for name, words in PANES:
                panes.append(f"{name}: ", style="bold")
                panes.append(words + "\n")
            panes.rstrip()
            yield Static(panes, classes="panes")
            yield Label("Esc, q, ? or F1 close this · Ctrl+P lists every action", id="hint")

    def on_mount(self) -> None:
        """Focus the text, so the arrows and Page keys scroll it on a small terminal."""
        self.query_one(VerticalScroll).focus()

    def key_lines(self, bindings: Sequence[BindingType]) -> Text:
        """``keys  what`` per action, every key of an action on one line."""
        keys: dict[str, list[str]] = {}
        words: dict[str, str] = {}
        for item in bindings:
            binding = item if isinstance(item, Binding) else Binding(*item)
            if not binding.description or binding.system:
                continue
            for key in binding.key.split(","):
                shown = self.app.get_key_display(Binding(key.strip(), binding.action))
                keys.setdefault(binding.action, [])
                if shown not in keys[binding.action]:
                    keys[binding.action].append(shown)
            words.setdefault(binding.action, binding.tooltip or binding.description)
        text = Text()
        for action, displays in keys.items():
            text.append(f"{' / '.join(displays):>14}", style="bold")
            text.append(f"  {words[action]}\n")
        text.rstrip()
        return text

    def action_close(self) -> None:
        """Back to where the user was."""
        self.answer(None)
