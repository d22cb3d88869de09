"""Helper process of the crash test: writes orders, audit rows and quotes in a loop and says
on stdout what has returned, so the parent can SIGKILL it and check nothing promised is lost.

Usage: python crash_writer.py DATA_DIR START_INDEX
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from tui.store import Store


def main() -> None:
    """Write until killed."""
    data_dir, start = Path(sys.argv[1]), int(sys.argv[2])
    # Tiny intervals and fanout so flushes, compactions and merges happen all the time.
    store = Store.open(data_dir, flush_interval_s=0.005, journal_max_flushes=4, fanout=3)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    i = start
    while True:
        store.record_order(
            {
                "client_order_id": f"o{i}",
                "symbol": "BTC/USDT:USDT",
                "side": "buy",
                "amount": 1.0,
                "status": "new",
                "created_at": datetime.now(UTC),
            }
        )
        out.write(f"O {i}\n")
        store.audit("order", f"a{i}", tilt_id="t1", i=i)
        out.write(f"A {i}\n")
        for k in range(5):
            store.append(
                "quotes",
                {
                    "ts": datetime.now(UTC),
                    "venue": "sim",
                    "symbol": "BTC/USDT:USDT",
                    "mark": float(i * 10 + k),
                },
            )
        if store.maybe_flush():
            out.write(f"Q {i * 10 + 4}\n")
        out.flush()
        i += 1


if __name__ == "__main__":
    main()
