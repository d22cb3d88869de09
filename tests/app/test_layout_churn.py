"""Typing does not resize the screen's panes: the tilt builder keeps its height while a field
goes between a bad value and a good one (its reason's line stays while the field is typed
in); it grew and shrank by a line on each key, and every pane below it (the feeds table,
both charts) was re-laid out and redrawn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Input, Label

from tests.app.staging import market_ready
from tui.app.widgets.tilt_builder import TiltBuilder

AppFactory = Callable[..., Any]


async def test_a_reason_coming_and_going_keeps_the_builder_height(
    app_factory: AppFactory,
) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await market_ready(pilot)
        field = app.query_one("#field-window", Input)
        field.focus()
        await pilot.pause(0.1)
        heights: list[int] = []
        for key in ("1", "backspace", "1", "backspace", "1"):
            await pilot.press(key)
            await pilot.pause(0.1)
            heights.append(app.query_one(TiltBuilder).size.height)
        reason = app.query_one("#reason-window", Label)
        assert str(reason.content) == ""  # "1" is a good window: no reason, a blank line
        # Once the empty field's reason was shown, its line stays while typing goes on.
        assert len(set(heights[1:])) == 1, heights
        # Out of the field, the next change hides the line again.
        app.query_one("#field-leverage", Input).focus()
        await pilot.pause(0.1)
        field.value = "7"
        await pilot.pause(0.1)
        assert not reason.has_class("-shown")
