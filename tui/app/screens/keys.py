"""The main screen's keys, their help, and a footer that shows the ones that matter first.

Textual's footer lists keys from the focused widget outwards, so at 80 columns the holdings
pane's own three keys took the room and ``c``, ``u``, ``k`` and the pane keys fell off the end.
This footer puts help first, then the trading keys, the pane keys, the focused pane's own
keys, then the rest; below `COMPACT_BELOW` columns it drops the spaces between keys.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

#: The pane keys, shown in the footer as one entry.
PANES = Binding.Group("Panes")

# Pane keys: F2–F5 work from anywhere (a field types digits, so 1–4 only work from a
# table); the footer shows them as one group. u and r show only when they apply
# (`check_action`); Esc shows while a field has focus, as the way out of it.
MAIN_KEYS: list[BindingType] = [
    Binding(
        "escape",
        "leave_field",
        "Leave field",
        tooltip="Leave the field (on to the proposed legs)",
    ),
    Binding("c", "confirm", "Confirm", tooltip="Review the proposed orders; y sends them"),
    Binding("d", "discard", "Discard", tooltip="Archive the proposal; nothing is sent"),
    Binding(
        "u",
        "unwind",
        "Unwind",
        tooltip="Review the orders that close the open tilt (with one open)",
    ),
    Binding(
        "r", "roll", "Roll", tooltip="Review rolling an expiring dated future (when one is due)"
    ),
    Binding("k", "kill_switch", "Halt", tooltip="Kill switch: halt every new order; again to lift"),
    Binding(
        "i",
        "import_portfolio",
        "Import",
        tooltip="Load holdings and SAA targets from a TOML file",
    ),
    Binding(
        "o",
        "export_portfolio",
        "Export",
        tooltip="Write holdings and SAA targets to a TOML file",
    ),
    Binding("f2", "focus_pane('holdings-table')", "Holdings pane", group=PANES),
    Binding("f3", "focus_builder", "Tilt builder", group=PANES),
    Binding("f4", "focus_pane('legs-table')", "Proposed legs", group=PANES),
    Binding("f5", "focus_pane('feeds-table')", "Live feeds", group=PANES),
    Binding("1", "focus_pane('holdings-table')", "Holdings", show=False),
    Binding("2", "focus_builder", "Builder", show=False),
    Binding("3", "focus_pane('legs-table')", "Legs", show=False),
    Binding("4", "focus_pane('feeds-table')", "Feeds", show=False),
]


def key_help(app_keys: list[BindingType]) -> list[tuple[str, list[BindingType]]]:
    """The keys for the help screen, by where they work (read from the bindings)."""
    from tui.app.modals.confirm import ConfirmOrders
    from tui.app.widgets.feeds import FeedsPane
    from tui.app.widgets.holdings import HoldingsPane
    from tui.app.widgets.legs import LegsPane

    return [
        ("Anywhere", [*app_keys, *MAIN_KEYS]),
        ("In the holdings", list(HoldingsPane.BINDINGS)),
        (
            "In the proposed legs",
            [Binding("enter", "compare", "Compare markets"), *LegsPane.BINDINGS],
        ),
        ("In the feeds", list(FeedsPane.BINDINGS)),
        ("In the order review", list(ConfirmOrders.BINDINGS)),
    ]


#: Actions in the order the footer shows them; an action not listed (a pane's own) goes after
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
