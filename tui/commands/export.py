"""``porting-alpha export TABLE``: a store table as CSV or parquet."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from tui.commands.common import fail


def run(args: Any) -> int:
    """Write the table to ``-o FILE`` (or CSV to stdout).

    The store is opened read-only: a snapshot that takes no lock and changes nothing, so it
    works while the app or ``record`` is writing to the same directory."""
    from tui.store import TABLES, Store, StoreError

    if args.table not in TABLES:
        known = ", ".join(sorted(TABLES))
        return fail(f"unknown table {args.table!r}; known tables: {known}")
    if args.output is None and args.format == "parquet":
        return fail("parquet goes to a file: add -o FILE")
    if not Path(args.data_dir).is_dir():
        return fail(
            f"no store at {args.data_dir} (record or run the app first, or give --data-dir)"
        )
    try:
        store = Store.open(args.data_dir, read_only=True)
    except StoreError as err:
        message = str(err)  # most name the directory already
        return fail(
            message if str(args.data_dir) in message else f"store {args.data_dir}: {message}"
        )
    except OSError as err:
        return fail(f"cannot open the store at {args.data_dir}: {err.strerror or err}")
    try:
        with store:
            for problem in store.problems:
                print(f"porting-alpha: store: {problem}", file=sys.stderr)
            if args.output is not None:
                path = store.export(args.table, args.output, args.format)
                rows = len(store.read(args.table))
                print(f"wrote {rows} rows of {args.table} to {path}", file=sys.stderr)
                return 0
            with tempfile.TemporaryDirectory() as tmp:
                path = store.export(args.table, Path(tmp) / "out.csv", "csv")
                sys.stdout.write(path.read_text(encoding="utf-8"))
    except StoreError as err:
        message = str(err)  # most name the directory already
        return fail(
            message if str(args.data_dir) in message else f"store {args.data_dir}: {message}"
        )
    except OSError as err:
        return fail(f"cannot write {args.output}: {err.strerror or err}")
    return 0
