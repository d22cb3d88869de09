"""The desk: a tilt's whole life, headless — proposals, confirmation, orders, the ledger
(positions, funding paid, realized P&L), exit proposals, restart and reconciliation.

Imports ``core``, ``engine`` and ``store``; never Textual. The app is its view.
"""

from tui.desk.desk import Desk, Executor
from tui.desk.tilt import LIVE_STATUSES, Outcome, Proposal, Tilt, new_tilt_id
from tui.desk.watch import LegWatch, TiltWatch, watch_tilt

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
