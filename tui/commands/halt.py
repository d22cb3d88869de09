"""``porting-alpha halt``: the kill switch from outside the app, for emergencies.

It only writes (or removes) the ``HALT`` file in the data directory, so it works while the
app runs and holds the store: the desk checks the file before every order.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tui.commands.common import fail
from tui.desk.checks import KillSwitch


def run(args: Any) -> int:
    """Halt (or with ``--lift`` allow again) every new order of the data directory."""
    data_dir = Path(args.data_dir)
    if not data_dir.is_dir():
        return fail(f"{data_dir}: no such data directory")
    switch = KillSwitch(data_dir)
    try:
        if args.lift:
            switch.lift()
            print(f"orders allowed again ({data_dir})", file=sys.stderr)
        else:
            switch.set(" ".join(str(args.reason).split()) or "halted")
            print(f"HALTED: no new order leaves until 'porting-alpha halt --lift' ({data_dir})",
                  file=sys.stderr)  # fmt: skip
    except OSError as err:
        return fail(f"{switch.path}: {err.strerror or err}")
    return 0
