"""The desk: a tilt's whole life, headless — proposals, confirmation, orders, the ledger
(positions, funding paid, realized P&L), exit proposals, restart and reconciliation.

Imports ``core``, ``engine`` and ``store``; never Textual. The app is its view.

The names below load on first use (PEP 562): the desk proper pulls in the store and polars
(≈ 0.3 s), which the app's first frame must not wait for, while its panels import the
light `tui.desk.watch` at start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.desk.desk import Desk, Executor
    from tui.desk.tilt import LIVE_STATUSES, Outcome, Proposal, Tilt, new_tilt_id
    from tui.desk.watch import LegWatch, TiltWatch, watch_tilt

_HOME = {
    "Desk": "tui.desk.desk",
    "Executor": "tui.desk.desk",
    "LIVE_STATUSES": "tui.desk.tilt",
    "Outcome": "tui.desk.tilt",
    "Proposal": "tui.desk.tilt",
    "Tilt": "tui.desk.tilt",
    "new_tilt_id": "tui.desk.tilt",
    "LegWatch": "tui.desk.watch",
    "TiltWatch": "tui.desk.watch",
    "watch_tilt": "tui.desk.watch",
}

__all__ = [
    "LIVE_STATUSES",
    "Desk",
    "Executor",
    "LegWatch",
    "Outcome",
    "Proposal",
    "Tilt",
    "TiltWatch",
    "new_tilt_id",
    "watch_tilt",
]


def __getattr__(name: str) -> Any:
    """Load ``name`` from its module on first use."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'tui.desk' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
