"""The main screen's footer: the keys that matter first, so a small terminal still shows them.

Textual's footer lists keys from the focused widget outwards, so at 80 columns the holdings
pane's own three keys took the room and ``c``, ``u``, ``k`` and the pane keys fell off the end.
This footer puts help first, then the trading keys, the pane keys, the focused pane's own
keys, then the rest; below `COMPACT_BELOW` columns it drops the spaces between keys.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

#: Actions in the order they are shown; an action not listed (a pane's own) goes after
#: the pane keys, before importing, exporting, the theme and quitting.
ORDER: tuple[str, ...] = (
    "help",
    "leave_field",
    "confirm",
    "unwind",
    "roll",
    "discard",
    "kill_switch",
    "focus_pane('holdings-table')",
    "focus_builder",
    "focus_pane('legs-table')",
    "focus_pane('feeds-table')",
)
LAST: tuple[str, ...] = ("import_portfolio", "export_portfolio", "toggle_theme", "quit")
COMPACT_BELOW = 120


def rank(action: str) -> int:
    """Where ``action`` goes in the footer (lower is further left)."""
    if action in ORDER:
        return ORDER.index(action)
    if action in LAST:
        return len(ORDER) + 1 + LAST.index(action)
    return len(ORDER)


class KeyFooter(Footer):
    """Footer with the main keys first (and compact on small terminals)."""

    DEFAULT_CSS = """
    KeyFooter.-compact FooterLabel { padding-right: 1; }
    """

    def on_resize(self, event: Resize) -> None:
        """Compact below `COMPACT_BELOW` columns."""
        self.compact = event.size.width < COMPACT_BELOW

    def compose(self) -> ComposeResult:
        """Textual's footer, its keys in `rank` order (one entry per action, groups kept)."""
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        entries = sorted(by_action.items(), key=lambda item: rank(item[0]))
        self.styles.grid_size_columns = len(entries)
        for group, members in groupby(entries, lambda item: item[1][0][0].group):
            items = list(members)
            if group is not None and len(items) > 1:
                with KeyGroup(classes="-compact" if group.compact else ""):
                    for _, variants in items:
                        yield self._key(variants[0], "", grouped=True)
                yield FooterLabel(group.description)
            else:
                for _, variants in items:
                    yield self._key(variants[0], variants[0][0].description)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _, binding, enabled, _ = found
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )

    def _key(
        self, variant: tuple[Binding, bool, str], description: str, *, grouped: bool = False
    ) -> FooterKey:
        binding, enabled, tooltip = variant
        key = FooterKey(
            binding.key,
            self.app.get_key_display(binding),
            description,
            binding.action,
            disabled=not enabled,
            tooltip=tooltip or binding.description,
            classes="-grouped" if grouped else "",
        )
        return key.data_bind(compact=Footer.compact)
