"""Every app action, listed in the command palette (Ctrl+P) with a plain description."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionEntry:
    """One palette entry: title, help, and the app action it runs."""

    title: str
    help: str
    action: str


ACTIONS: tuple[ActionEntry, ...] = (
    ActionEntry("Confirm orders", "Review the proposed orders and send them (c)", "confirm"),
    ActionEntry("Discard proposal", "Archive the proposed legs without sending (d)", "discard"),
    ActionEntry("Add holding", "Add a spot holding and its SAA target (a)", "add_holding"),
    ActionEntry("Edit holding", "Edit the highlighted holding (e)", "edit_holding"),
    ActionEntry("Remove holding", "Remove the highlighted holding (x)", "remove_holding"),
    ActionEntry(
        "Import portfolio", "Load holdings and SAA targets from a TOML file (i)", "import_portfolio"
    ),
    ActionEntry(
        "Export portfolio", "Write holdings and SAA targets to a TOML file (o)", "export_portfolio"
    ),
    ActionEntry("Unwind open tilt", "Propose the orders that unwind the open tilt (u)", "unwind"),
    ActionEntry("Roll expiring future", "Propose rolling the open tilt's dated future (r)", "roll"),
    ActionEntry(
        "Complete unbalanced tilt", "Propose the rest of orders that filled short", "complete"
    ),
    ActionEntry("Kill switch", "Halt every new order; again to lift (k)", "kill_switch"),
    ActionEntry("Cancel all open orders", "Cancel every resting order at the venue", "cancel_all"),
    ActionEntry(
        "Toggle theme",
        "Switch between porting-dark and porting-light (t), remembered",
        "toggle_theme",
    ),
    ActionEntry(
        "Focus holdings", "Move focus to the holdings pane (F2)", "focus_pane('holdings-table')"
    ),
    ActionEntry("Focus tilt builder", "Move focus to the tilt builder (F3)", "focus_builder"),
    ActionEntry(
        "Focus proposed legs", "Move focus to the proposed legs (F4)", "focus_pane('legs-table')"
    ),
    ActionEntry(
        "Focus live feeds", "Move focus to the live feeds (F5)", "focus_pane('feeds-table')"
    ),
    ActionEntry("Help", "Every key, and what each pane shows (? or F1)", "help"),
    ActionEntry("Quit", "Flush the store and leave (q, Ctrl+Q)", "quit"),
)
