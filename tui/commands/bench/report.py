"""What ``porting-alpha bench`` reports: metrics against budgets, the machine, JSON or a table."""

from __future__ import annotations

import math
import os
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Any

#: Every metric ``bench --json`` reports, in order (the README's table follows it).
METRICS = (
    "first_frame_s",
    "bare_textual_first_frame_s",
    "first_frame_ratio",
    "quit_s",
    "wire_ticks_per_s",
    "ui_refresh_hz",
    "key_p95_ms",
    "tick_cost_vs_ccxt_parse",
    "rss_mb_24h",
    "rss_growth_last_12h_pct",
    "plan_50_assets_ms",
    "store_flush_p99_ms",
    "reload_after_kill_ms",
)


@dataclass
class Metric:
    """One measurement against its budget (``value`` None: could not be measured)."""

    key: str
    value: float | None
    unit: str
    op: str
    """How the value must compare to the limit: ``<=``, ``<``, ``>=`` or ``""`` (no budget)."""
    limit: float | None = None
    note: str = ""
    """What a reader needs to read the figure (p50, what was offered, why it is missing)."""

    @property
    def budget(self) -> str | None:
        """The budget as text, e.g. ``<= 1.5`` (None when the metric has none)."""
        return f"{self.op} {self.limit:g}" if self.op and self.limit is not None else None

    @property
    def ok(self) -> bool:
        """Within budget (a metric without a budget is ok once measured)."""
        if self.value is None or not math.isfinite(self.value):
            return False
        if not self.op or self.limit is None:
            return True
        v, lim = self.value, self.limit
        return {"<=": v <= lim, "<": v < lim, ">=": v >= lim, ">": v > lim}[self.op]

    def as_json(self) -> dict[str, Any]:
        """``{"value", "unit", "budget", "ok"}``."""
        value = self.value if self.value is not None and math.isfinite(self.value) else None
        return {"value": value, "unit": self.unit, "budget": self.budget, "ok": self.ok}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict[str, Any]:
    """Cores, Python, the versions of Textual, ccxt and polars, the OS and the load now."""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "textual": _version("textual"),
        "ccxt": _version("ccxt"),
        "polars": _version("polars"),
        "platform": platform.platform(terse=True),
        "load_average": load_average(),
    }


def document(metrics: list[Metric], run: dict[str, Any]) -> dict[str, Any]:
    """The ``--json`` object: every metric by key, then ``machine`` and ``run`` (how it was
    run, the load average after, and each metric's note)."""
    by_key = {m.key: m for m in metrics}
    out: dict[str, Any] = {}
    for key in METRICS:
        metric = by_key.get(key) or Metric(key, None, "", "", None, "not run")
        out[key] = metric.as_json()
    out["machine"] = machine()
    notes = {m.key: m.note for m in metrics if m.note}
    out["run"] = {**run, "load_average_after": load_average(), "notes": notes}
    return out


def table_line(metric: Metric) -> str:
    """One line of the human table."""
    value = "—" if metric.value is None else f"{metric.value:,.4g}"
    verdict = "ok" if metric.ok else ("?" if metric.value is None else "OVER")
    budget = metric.budget or ""
    note = f"  ({metric.note})" if metric.note else ""
    return f"{metric.key:<28} {value:>12} {metric.unit:<8} budget {budget:<10} {verdict}{note}"
