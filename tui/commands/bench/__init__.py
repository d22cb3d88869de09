"""``porting-alpha bench [--quick] [--json]``: measure the budgets of docs/design.md §8.

Every metric is measured on this machine, in this run, and printed next to its budget
(``--json``: one object, each metric ``{"value", "unit", "budget", "ok"}``, plus the machine
and how it was run). Nothing here asserts. The modules:

- `startup`: first frame of the app and of a bare Textual app, and ``q`` to exit, timed
  from outside on whole processes in a pseudo-terminal;
- `wire`: the app on the simulator's all-market tape (ticks, refresh, keys, CPU per tick
  over ccxt's parse), and RSS over a simulated day in a process of its own;
- `budgets`: planning, the store's flush and reload.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.commands.bench.report import Metric, document, load_average, table_line


@dataclass(frozen=True)
class Profile:
    """How long each benchmark runs."""

    startup_rounds: int
    quit_settle_s: float
    wire_seconds: float
    wire_symbols: int
    rss_symbols: int
    rss_hours: float
    rss_step_s: int
    plan_rounds: int
    store_flushes: int
    store_reloads: int


PROFILES = {
    "full": Profile(7, 4.0, 20.0, 1000, 500, 24.0, 10, 200, 1000, 5),
    "quick": Profile(3, 4.0, 8.0, 1000, 500, 24.0, 60, 100, 200, 3),
    # Every benchmark for real, at its smallest: what the tests run to check the output.
    "smoke": Profile(1, 1.0, 1.0, 50, 20, 2.0, 600, 3, 5, 1),
}


def steps(profile: Profile) -> list[tuple[str, Callable[[], list[Metric]]]]:
    """The benchmarks in the order they run (the in-process ones last: they load polars
    and ccxt into this process, which the subprocess ones must not inherit as noise)."""
    from tui.commands.bench import budgets, startup, wire

    p = profile
    return [
        ("startup", lambda: startup.first_frame_and_quit(p.startup_rounds, p.quit_settle_s)),
        ("wire", lambda: wire.wire(p.wire_seconds, p.wire_symbols)),
        ("rss", lambda: wire.rss(p.rss_symbols, p.rss_hours, p.rss_step_s)),
        ("plan", lambda: [budgets.plan_50_assets(p.plan_rounds)]),
        ("store", lambda: budgets.store(p.store_flushes, p.store_reloads)),
    ]


def measure(profile: Profile, emit: Callable[[Metric], None]) -> list[Metric]:
    """Run every step (a failing step is reported as unmeasured, the others still run)."""
    metrics: list[Metric] = []
    for name, step in steps(profile):
        try:
            got = step()
        except Exception as exc:  # a benchmark that breaks is a figure missing, not a crash
            got = [Metric(f"{name}_error", None, "", "", None, f"{type(exc).__name__}: {exc}")]
        for metric in got:
            metrics.append(metric)
            emit(metric)
    return metrics


def run(args: Any) -> int:
    """Measure and print a table, or with ``--json`` one JSON object."""
    quick = bool(getattr(args, "quick", False))
    smoke = bool(getattr(args, "smoke", False))
    as_json = bool(getattr(args, "json", False))
    name = "smoke" if smoke else "quick" if quick else "full"
    profile = PROFILES[name]
    started = time.time()
    load_before = load_average()
    flags = {"smoke": " --smoke", "quick": " --quick", "full": ""}[name]
    command = "porting-alpha bench" + flags + (" --json" if as_json else "")
    if as_json:
        metrics = measure(profile, lambda m: None)
        run_info = {
            "command": command,
            "profile": name,
            "seconds": round(time.time() - started, 1),
            "load_average_before": load_before,
        }
        errors = {m.key: m.note for m in metrics if m.key.endswith("_error")}
        if errors:
            run_info["errors"] = errors
        json.dump(document(metrics, run_info), sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    print(f"{command}  (load average {load_before})", flush=True)
    measure(profile, lambda m: print(table_line(m), flush=True))
    print(f"done in {time.time() - started:.0f} s (load average {load_average()})")
    return 0
