"""``record`` then ``export``: the feeds land in the store and come out as CSV/parquet."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
import time

import polars as pl

from tui.sim.scenario import default_scenario_path

FROZEN = default_scenario_path().with_name("frozen.toml")


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=timeout
    )


def test_record_then_export_funding(tmp_path):
    data = tmp_path / "store"
    result = cli(
        "record", "--demo", "--scenario", str(FROZEN), "--seconds", "4", "--data-dir", str(data)
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "recorded" in result.stderr
    exported = cli("export", "funding", "--data-dir", str(data))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    # The sample portfolio holds BTC and ETH: both perpetuals, every field filled.
    by_symbol = {r["symbol"]: r for r in rows}
    assert set(by_symbol) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}
    btc = by_symbol["BTC/USDT:USDT"]
    assert float(btc["rate"]) == 0.0001 and float(btc["interval_hours"]) == 8.0
    assert float(btc["annualized"]) == 0.1095
    assert float(btc["mark"]) == 50_000 and float(btc["index"]) == 50_000
    assert btc["next_funding_time"].startswith("2026-01-05T08:00")
    # Parquet to a file, and the audit log of the run.
    out = tmp_path / "quotes.parquet"
    assert (
        cli(
            "export", "quotes", "--format", "parquet", "-o", str(out), "--data-dir", str(data)
        ).returncode
        == 0
    )
    assert pl.read_parquet(out).height > 0
    audit = cli("export", "audit", "--data-dir", str(data)).stdout
    assert "start" in audit and "stop" in audit


def test_ctrl_c_stops_cleanly_and_flushes(tmp_path):
    data = tmp_path / "store"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui",
            "record",
            "--demo",
            "--scenario",
            str(FROZEN),
            "--assets",
            "BTC,SOL",
            "--data-dir",
            str(data),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    rows = cli("export", "funding", "--data-dir", str(data)).stdout
    assert "BTC/USDT:USDT" in rows and "SOL/USDT:USDT" in rows
    # SOL settles every 4 h.
    sol = [r for r in csv.DictReader(io.StringIO(rows)) if r["symbol"] == "SOL/USDT:USDT"]
    assert float(sol[0]["interval_hours"]) == 4.0


def test_export_refuses_unknown_tables(tmp_path):
    cli(
        "record", "--demo", "--scenario", str(FROZEN), "--seconds", "1", "--data-dir", str(tmp_path)
    )
    result = cli("export", "nope", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "unknown table 'nope'" in result.stderr and "funding" in result.stderr
    assert result.stderr.count("\n") == 1


def test_record_bad_input(tmp_path):
    result = cli("record", "--demo", "--seconds", "0")
    assert result.returncode == 2 and "must be > 0" in result.stderr
    result = cli(
        "record",
        "--demo",
        "--scenario",
        str(tmp_path / "x.toml"),
        "--seconds",
        "1",
        "--data-dir",
        str(tmp_path),
    )
    assert result.returncode == 2 and "x.toml" in result.stderr


def test_unusable_data_dir_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    for args in (
        ("record", "--demo", "--scenario", str(FROZEN), "--seconds", "1"),
        ("export", "funding"),
    ):
        result = cli(*args, "--data-dir", str(blocker / "store"))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_record_on_a_full_disk_stops_in_one_line_and_keeps_what_it_wrote(
    tmp_path, monkeypatch, capsys
):
    """The disk fills up after the first flush: ``record`` stops with one line and exit 2,
    and the store opens afterwards with the rows written before, nothing corrupt."""
    import errno
    import os

    from tui.cli import main
    from tui.store import Store
    from tui.store import journal as journal_mod

    data = tmp_path / "store"
    real = journal_mod.write_line
    calls = []

    def write_line(fd, line):
        calls.append(line)
        if len(calls) <= 2:  # the audit row of the start, then the first flush of quotes
            return real(fd, line)
        os.write(fd, line[: len(line) // 2])  # part of it reaches the disk, then it is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(journal_mod, "write_line", write_line)
    args = ["record", "--demo", "--scenario", str(FROZEN), "--seconds", "30"]
    code = main([*args, "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    ours = [line for line in err.splitlines() if line.startswith("porting-alpha:")]
    assert ours == [f"porting-alpha: cannot write the store at {data}: No space left on device"]
    assert len(calls) >= 3  # it stopped on the refused write, long before 30 s
    monkeypatch.undo()
    with Store.open(data) as store:
        assert store.problems == []
        assert store.read("audit")["kind"].to_list() == ["start"]
        assert store.read("quotes").height > 0  # the flush before the disk filled up


def test_a_second_recorder_is_refused_and_export_reads_beside_a_running_one(tmp_path):
    """While ``record`` runs: a second ``record`` on the same directory says one line and
    exits 2; ``export`` reads a snapshot without the lock and without disturbing it."""
    data = tmp_path / "store"
    recorder = ["record", "--demo", "--scenario", str(FROZEN), "--data-dir", str(data)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", *recorder],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the store is open by the first status line
    assert first and "Traceback" not in first
    time.sleep(2.5)  # a couple of flushes into the journal
    try:
        second = cli(
            "record", "--demo", "--scenario", str(FROZEN), "--seconds", "1", "--data-dir", str(data)
        )
        assert second.returncode == 2
        assert second.stderr == (
            f"porting-alpha: {data} is in use by another Porting Alpha process; close it first\n"
        )
        audit = cli("export", "audit", "--data-dir", str(data))
        assert audit.returncode == 0 and audit.stderr == ""
        assert [r["kind"] for r in csv.DictReader(io.StringIO(audit.stdout))] == ["start"]
        quotes = cli("export", "quotes", "--data-dir", str(data))
        assert quotes.returncode == 0 and quotes.stderr == ""
        during = len(list(csv.DictReader(io.StringIO(quotes.stdout))))
        assert during > 0
        assert proc.poll() is None  # still recording
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "store:" not in err
    audit = cli("export", "audit", "--data-dir", str(data)).stdout
    assert [r["kind"] for r in csv.DictReader(io.StringIO(audit))] == ["start", "stop"]
    after = cli("export", "quotes", "--data-dir", str(data)).stdout
    assert len(list(csv.DictReader(io.StringIO(after)))) >= during


def test_record_on_a_disk_full_from_the_start_releases_the_directory(tmp_path, monkeypatch, capsys):
    """Not even the start can be audited: one line, exit 2, and the store is let go."""
    import errno
    import os

    from tui.cli import main
    from tui.store import Store
    from tui.store import journal as journal_mod

    def write_line(fd, line):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(journal_mod, "write_line", write_line)
    data = tmp_path / "store"
    code = main(["record", "--demo", "--scenario", str(FROZEN), "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"porting-alpha: cannot write the store at {data}: No space left on device"
    )
    monkeypatch.undo()
    with Store.open(data) as store:  # the directory was released (its lock too)
        assert store.problems == [] and store.read("audit").is_empty()
