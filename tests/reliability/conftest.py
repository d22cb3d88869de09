"""Fixtures of the reliability tests: the engine tests' simulator (frozen scenario, stopped
clock), shared rather than written again."""

from tests.engine.conftest import sim  # noqa: F401  (a fixture: registered by being here)
