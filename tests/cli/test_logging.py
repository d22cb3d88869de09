"""``--log-file``: standard logging to a rotating file, a key never in it (issue 11)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui import logs
from tui.cli import build_parser, main

PLANTED = "PLANTEDkey0123456789abcdef"


@pytest.fixture
def clean_logging(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A fresh mask and no file handler left behind; settings from an empty config dir."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(logs, "SECRETS", logs.SecretMask())
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(level)


def test_a_planted_key_never_reaches_the_log_file(
    clean_logging: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PORTING_ALPHA_BYBIT_API_KEY", PLANTED)
    monkeypatch.setenv("PORTING_ALPHA_BYBIT_API_SECRET", PLANTED[::-1])
    log_file = tmp_path / "pa.log"
    (tmp_path / "d").mkdir()
    # The command line logs what runs: the key typed into an argument is masked there.
    code = main(
        ["--log-file", str(log_file), "halt", "--data-dir", str(tmp_path / "d"),
         "--reason", f"testing {PLANTED}"]
    )  # fmt: skip
    assert code == 0
    log = logging.getLogger("porting_alpha.test")
    log.info("signed request apiKey=%s", PLANTED)
    try:
        raise RuntimeError(f"venue said no to {PLANTED[::-1]}")
    except RuntimeError:
        log.exception("order failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "porting-alpha" in text and "started" in text and "order failed" in text
    assert "Traceback" in text and "RuntimeError" in text
    assert PLANTED not in text and PLANTED[::-1] not in text
    assert text.count(logs.MASK) >= 3


def test_a_key_registered_later_is_masked_too(clean_logging: None, tmp_path: Path) -> None:
    log_file = tmp_path / "pa.log"
    logs.setup_logging(log_file)
    logs.mask_secret("keyring-secret-xyz", "", None, "abc")  # short ones are ignored
    logging.getLogger("porting_alpha.test").warning("secret keyring-secret-xyz, abc")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "keyring-secret-xyz" not in text and f"secret {logs.MASK}, abc" in text


def test_no_log_file_by_default_and_a_bad_one_is_one_line(
    clean_logging: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build_parser().parse_args([]).log_file is None
    with pytest.raises(SystemExit) as exit_:
        main(["--log-file", str(tmp_path / "no" / "such" / "dir.log"), "halt", "--data-dir",
              str(tmp_path / "d")])  # fmt: skip
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("porting-alpha: --log-file: no directory") and "\n" not in err
    assert not (tmp_path / "d").exists()


def test_help_says_what_live_needs_and_where_the_log_goes() -> None:
    text = " ".join(build_parser().format_help().split())
    assert "PORTING_ALPHA_<VENUE>_API_KEY" in text and "_API_SECRET" in text
    assert "keyring" in text and "typing LIVE" in text
    assert "--log-file" in text and "masked" in text
