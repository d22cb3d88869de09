"""API keys for live trading: from the environment or the OS keyring, never from a file
others can read, and never written anywhere by this project.

Environment: ``PORTING_ALPHA_<VENUE>_API_KEY`` and ``PORTING_ALPHA_<VENUE>_API_SECRET``
(e.g. ``PORTING_ALPHA_BINANCEUSDM_API_KEY``). Keyring (when the ``keyring`` package is
installed): service ``porting-alpha``, usernames ``<venue>:api_key`` and ``<venue>:secret``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

SERVICE = "porting-alpha"


class KeysMissing(Exception):
    """No keys for the venue: live trading cannot start (the message says how to give them)."""


def env_names(venue: str) -> tuple[str, str]:
    """The two environment variables that hold ``venue``'s key and secret."""
    prefix = f"PORTING_ALPHA_{venue.upper()}_"
    return prefix + "API_KEY", prefix + "API_SECRET"


def venue_keys(venue: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{"apiKey": …, "secret": …}`` for ``venue``; `KeysMissing` when none are given."""
    environ = os.environ if environ is None else environ
    key_name, secret_name = env_names(venue)
    key, secret = environ.get(key_name, "").strip(), environ.get(secret_name, "").strip()
    if not (key and secret):
        key, secret = _from_keyring(venue)
    if not (key and secret):
        raise KeysMissing(
            f"live trading on {venue} needs API keys: set {key_name} and {secret_name} "
            f"(or store them in the OS keyring under service {SERVICE!r})"
        )
    return {"apiKey": key, "secret": secret}


def _from_keyring(venue: str) -> tuple[str, str]:
    try:
        import keyring  # optional: only when the user installed it
    except ImportError:
        return "", ""
    try:
        key = keyring.get_password(SERVICE, f"{venue}:api_key") or ""
        secret = keyring.get_password(SERVICE, f"{venue}:secret") or ""
    except Exception:  # no keyring backend on this machine: as if none were stored
        return "", ""
    return key, secret


def mask(text: str, secrets: Mapping[str, str]) -> str:
    """``text`` with every secret value replaced by ``***`` (for errors and logs)."""
    for value in secrets.values():
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text
