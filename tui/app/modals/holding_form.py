"""The add / edit holding form: asset, spot quantity and SAA target, validated as typed.

Errors are said inline and the form stays open: a bad field under the field, and a refusal of
the whole edit (``check``, e.g. SAA targets that cannot sum to 100 %) under the fields. Only
Save with a valid edit or Esc / Cancel closes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Input, Label

from tui.app.modals.base import OnceModal, one_line
from tui.app.widgets.tilt_builder import NumberField, parse_number


@dataclass(frozen=True)
class HoldingEdit:
    """What the form returns: the asset, its quantity and its SAA target (``None`` = none)."""

    asset: str
    quantity: float
    strategic_pct: float | None
    previous_asset: str | None = None


class AssetName(Validator):
    """An asset ticker: letters and digits, 1–15 of them."""

    def validate(self, value: str) -> ValidationResult:
        """Check the ticker."""
        name = value.strip().upper()
        if not name:
            return self.failure("the asset is needed (e.g. BTC)")
        if not re.fullmatch(r"[A-Z0-9]{1,15}", name):
            return self.failure("letters and digits only, e.g. BTC or 1000PEPE")
        return self.success()


#: Checks a whole edit before the form accepts it; raising refuses it (the message is the reason).
HoldingCheckFn = Callable[[HoldingEdit], object]


class HoldingForm(OnceModal[HoldingEdit | None]):
    """A small modal: Enter saves (when every field is valid and ``check`` accepts the edit),
    Esc cancels."""

    DEFAULT_CSS = """
    HoldingForm {
        align: center middle;
        & > Vertical {
            width: 64;
            max-width: 100%;
            height: auto;
            border: thick $primary;
            background: $surface;
            padding: 1 2;
        }
        .row { height: 1; }
        .row > Label.name { width: 14; color: $text-muted; }
        .row > Input { width: 16; }
        /* The reason gets the line(s) under its field, whole at any width. */
        Label.reason {
            width: 100%; height: auto; min-height: 1; margin-bottom: 1;
            padding-left: 14; color: $error; text-wrap: wrap;
        }
        #title { text-style: bold; margin-bottom: 1; }
        #note { color: $text-muted; margin-bottom: 1; }
        #hf-problem { color: $error; width: 100%; height: auto; margin-bottom: 1; }
        #buttons { height: auto; align-horizontal: right; }
        #buttons > Button { margin-left: 2; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        asset: str | None,
        quantity: float | None,
        strategic: float | None,
        *,
        check: HoldingCheckFn | None = None,
    ) -> None:
        super().__init__()
        self.asset = asset
        self.quantity = quantity
        self.strategic = strategic
        self.check = check

    def compose(self) -> ComposeResult:
        """Three fields, their reasons, and Save / Cancel."""
        title = f"Edit holding {self.asset}" if self.asset else "Add a holding"
        with Vertical():
            yield Label(title, id="title")
            yield Label("SAA targets of the other assets are rescaled to keep 100 %.", id="note")
            for key, label, value, validator in (
                ("asset", "Asset", self.asset or "", AssetName()),
                ("quantity", "Quantity", _num(self.quantity), NumberField("quantity", minimum=0)),
                (
                    "strategic",
                    "SAA target %",
                    _num(self.strategic),
                    NumberField("SAA target", minimum=0, maximum=100, optional=True),
                ),
            ):
                with Horizontal(classes="row"):
                    yield Label(label, classes="name")
                    yield Input(value, id=f"hf-{key}", validators=[validator], compact=True)
                yield Label("", id=f"hf-reason-{key}", classes="reason")
            problem = Label("", id="hf-problem")
            problem.display = False
            yield problem
            with Horizontal(id="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        """Start in the first field that needs typing."""
        self.query_one("#hf-quantity" if self.asset else "#hf-asset", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Show the reason beside the field."""
        key = (event.input.id or "").removeprefix("hf-")
        result = event.validation_result
        reason = "" if result is None or result.is_valid else result.failure_descriptions[0]
        self.query_one(f"#hf-reason-{key}", Label).update(reason)
        self._say_problem("")

    def _say_problem(self, text: str) -> None:
        label = self.query_one("#hf-problem", Label)
        label.update(text)
        label.display = bool(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter saves."""
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save or Cancel."""
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        """Dismiss with the edit if every field is valid; otherwise show every reason."""
        valid = True
        for field in self.query(Input):
            result = field.validate(field.value)
            key = (field.id or "").removeprefix("hf-")
            if result is not None and not result.is_valid:
                valid = False
                self.query_one(f"#hf-reason-{key}", Label).update(result.failure_descriptions[0])
        if not valid:
            return
        asset = self.query_one("#hf-asset", Input).value.strip().upper()
        quantity = parse_number(self.query_one("#hf-quantity", Input).value) or 0.0
        strategic = parse_number(self.query_one("#hf-strategic", Input).value)
        edit = HoldingEdit(asset, quantity, strategic, self.asset)
        if self.check is not None:
            try:
                self.check(edit)
            except Exception as exc:  # any refusal is a reason to show, never a crash
                self._say_problem(one_line(exc))
                return
        self.answer(edit)

    @property
    def problem(self) -> str:
        """Why the whole edit was refused (blank when it was not)."""
        return str(self.query_one("#hf-problem", Label).content)

    def action_cancel(self) -> None:
        """Close without changes."""
        self.answer(None)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
