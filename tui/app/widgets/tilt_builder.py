"""The tilt builder: tactical targets per asset, base, window, leverage, instruments, stops.

Every field validates as it is typed; the reason shows on its own line under the field (whole,
wrapped at any width) and a bad field blocks proposing (the builder then posts
`TiltBuilder.Changed` with no spec).

The fields take numbers only (`NumberInput`): any other key goes on to the screen, so the
screen's keys (``c`` confirm, ``d`` discard, ``k`` halt, ``?`` help…) work, and show in the
footer, while a field has focus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, Select

from tui.core.models import InstrumentChoice, TiltSpec, check_leverage

INSTRUMENTS: list[tuple[str, InstrumentChoice]] = [
    ("auto", "auto"),
    ("perp", "perp"),
    ("future", "future"),
]
INSTRUMENT_VALUES = frozenset(value for _, value in INSTRUMENTS)


class NumberField(Validator):
    """A number in a range; blank allowed when the field is optional. Failures say why."""

    def __init__(
        self,
        what: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        above: float | None = None,
        optional: bool = False,
    ) -> None:
        super().__init__()
        self.what = what
        self.minimum = minimum
        self.maximum = maximum
        self.above = above
        self.optional = optional

    def validate(self, value: str) -> ValidationResult:
        """Check one field's text."""
        text = value.strip().rstrip("%").replace(",", "").replace("_", "")
        if not text:
            return self.success() if self.optional else self.failure(f"{self.what} is needed")
        try:
            number = float(text)
        except ValueError:
            return self.failure(f"{value.strip()!r} is not a number")
        if number != number or number in (float("inf"), float("-inf")):
            return self.failure("not a finite number")
        if self.above is not None and number <= self.above:
            return self.failure(f"{self.what} must be > {self.above:g}")
        if self.minimum is not None and number < self.minimum:
            return self.failure(f"{self.what} must be ≥ {self.minimum:g}")
        if self.maximum is not None and number > self.maximum:
            return self.failure(f"{self.what} must be ≤ {self.maximum:g}")
        return self.success()


class LeverageField(NumberField):
    """Leverage: a number in range that is also a whole number from 1, as venues take it
    (`tui.core.models.check_leverage` decides, so the form and the planner agree)."""

    REASON = "leverage is a whole number from 1"

    def validate(self, value: str) -> ValidationResult:
        """Check the number, then that it is whole and at least 1."""
        result = super().validate(value)
        number = parse_number(value) if result.is_valid else None
        if number is None:
            return result
        try:
            check_leverage(number)
        except ValueError:
            return self.failure(self.REASON)
        return self.success()


def parse_number(text: str) -> float | None:
    """The number in a validated field, ``None`` when blank."""
    cleaned = text.strip().rstrip("%").replace(",", "").replace("_", "")
    return float(cleaned) if cleaned else None


#: What a number field takes: digits, sign, decimal point, separators, percent, exponent.
NUMBER_CHARACTERS = frozenset("0123456789.,_%+-eE")
#: Keys a number field swallows without passing them on: ``q`` would quit the app from a slip
#: of the finger (ctrl+q quits from anywhere, and the footer says so).
SWALLOWED = frozenset("qQ")


class NumberInput(Input):
    """An input for a number: it takes only what a number is written with, and leaves every
    other printable key to the screen's bindings (so they work, and show in the footer)."""

    def __init__(self, value: str | None = None, **kwargs: Any) -> None:
        super().__init__(value, restrict=r"[0-9.,_%+\-eE]*", **kwargs)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Consume number characters (and ``q``); leave letters and ``?`` to the screen."""
        return character is not None and character in NUMBER_CHARACTERS | SWALLOWED

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and not self.check_consume_key(event.key, event.character):
            # Not Input's handler (it would take the key), and not stopped: it bubbles on
            # to the screen's and the app's bindings.
            event.prevent_default()
            return
        if event.character in SWALLOWED:
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)


#: Upper bounds of the stops: a loss beyond the whole base, or a relative spread moving more
#: than it is worth, is no stop (the planner would never see it hit).
MAX_STOP_LOSS_PCT = 100.0
MAX_STOP_SPREAD_PCT = 100.0


@dataclass(frozen=True)
class FieldSpec:
    """One global field of the builder."""

    key: str
    label: str
    unit: str
    validator: NumberField
    placeholder: str = ""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("base", "Base", "USD", NumberField("base", above=0, optional=True), "portfolio"),
    FieldSpec("window", "Window", "days", NumberField("window", above=0, maximum=3650)),
    FieldSpec("leverage", "Leverage", "×", LeverageField("leverage", above=0, maximum=125)),
    FieldSpec(
        "stop-loss",
        "Stop loss",
        "% base",
        NumberField("max loss", above=0, maximum=MAX_STOP_LOSS_PCT, optional=True),
        "none",
    ),
    FieldSpec(
        "stop-spread",
        "Stop spread",
        "% move",
        NumberField("spread move", above=0, maximum=MAX_STOP_SPREAD_PCT, optional=True),
        "none",
    ),
)

TARGET_CHECK = NumberField("target", minimum=-500, maximum=500, optional=True)


@dataclass
class _TargetRow:
    """One asset's target row: what it holds and its widgets."""

    value: str
    choice: str
    field: Input
    select: Select[str]


class TiltBuilder(Vertical):
    """The form; posts `Changed` whenever the tilt it describes changes."""

    DEFAULT_CSS = """
    TiltBuilder {
        height: auto;
        border: round $primary 40%;
        border-title-color: $primary;
        padding: 0 1;
        &:focus-within { border: round $primary; }
        .field { height: auto; margin-bottom: 0; }
        .field > Label.name { width: 12; color: $text-muted; }
        .field > Input { width: 12; }
        .field > Label.unit { width: 7; padding-left: 1; color: $text-muted; }
        .field > Select { width: 14; }
        /* A reason gets its own line(s) under its field: whole at any width. */
        Label.reason {
            width: 100%; height: auto; color: $error; padding-left: 12;
            text-wrap: wrap; display: none;
        }
        Label.reason.-shown { display: block; }
        .target { height: auto; }
        #targets { height: auto; }
        #targets-title, #sum { color: $text-muted; height: auto; width: 100%; }
        #untiltable { color: $text-muted; width: 100%; height: auto; }
        #problem { color: $error; width: 100%; height: auto; text-wrap: wrap; }
        /* The instrument list opens over the fields below it: solid, and wide enough. */
        Select > SelectOverlay {
            width: 16;
            background: $panel;
            color: $foreground;
        }
    }
    """

    class Changed(Message):
        """The tilt changed: ``spec`` is ``None`` while a field is bad (``problems`` say why)."""

        def __init__(self, spec: TiltSpec | None, problems: list[str]) -> None:
            super().__init__()
            self.spec = spec
            self.problems = problems

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.assets: list[str] = []
        self.untiltable: dict[str, str] = {}
        """Assets shown without a target field, each with the one line that says why."""
        self._rows: dict[str, _TargetRow] = {}
        """What each target row holds, kept as typed: widgets re-mounted in quick succession
        are not read back before they are up."""
        self._quiet = False

    def compose(self) -> ComposeResult:
        """Target rows (mounted by `set_assets`), then the global fields."""
        self.border_title = "Tilt builder"
        self.border_subtitle = "c confirm · d discard"
        yield Label("Tactical target (% of base) and instrument per asset", id="targets-title")
        yield Vertical(id="targets")
        untiltable = Label("", id="untiltable")
        untiltable.display = False
        yield untiltable
        yield Label("", id="sum")
        for spec in FIELDS:
            with Horizontal(classes="field"):
                yield Label(spec.label, classes="name")
                yield NumberInput(
                    id=f"field-{spec.key}",
                    validators=[spec.validator],
                    placeholder=spec.placeholder,
                    compact=True,
                    select_on_focus=True,
                )
                yield Label(spec.unit, classes="unit")
            yield Label("", id=f"reason-{spec.key}", classes="reason")
        yield Label("", id="problem")

    def _target_row(self, asset: str, value: str, instrument: str) -> Vertical:
        field = NumberInput(
            value,
            id=f"target-{asset}",
            validators=[TARGET_CHECK],
            placeholder="no tilt",
            compact=True,
            select_on_focus=True,
        )
        select: Select[str] = Select(
            INSTRUMENTS,
            value=instrument,
            allow_blank=False,
            compact=True,
            id=f"instrument-{asset}",
        )
        self._rows[asset] = _TargetRow(value, instrument, field, select)
        return Vertical(
            Horizontal(
                Label(asset, classes="name"),
                field,
                Label("%", classes="unit"),
                select,
                classes="field",
            ),
            Label("", id=f"reason-target-{asset}", classes="reason"),
            classes="target",
        )

    def set_assets(
        self,
        assets: Sequence[str],
        targets_pct: Mapping[str, float] | None = None,
        instrument: str = "auto",
        *,
        untiltable: Mapping[str, str] | None = None,
    ) -> None:
        """Show one target row per tiltable asset, keeping what was typed for those that remain.

        ``untiltable`` maps the assets no futures market can tilt to the line that says why
        (`tui.core.portfolio.untiltable_notes`): they get no target row, even when listed in
        ``assets`` or ``targets_pct``, and their lines show under the targets.
        """
        notes = dict(untiltable or {})
        wanted = [a for a in assets if a not in notes]
        if wanted == self.assets and notes == self.untiltable and targets_pct is None:
            return
        self._show_untiltable(notes)
        if wanted == self.assets and targets_pct is None:
            return
        if instrument not in INSTRUMENT_VALUES:
            instrument = "auto"
        typed = {a: (row.value, row.choice) for a, row in self._rows.items()}
        self.assets = wanted
        self._rows = {}
        box = self.query_one("#targets", Vertical)
        box.remove_children()
        rows = []
        for asset in self.assets:
            value, choice = typed.get(asset, ("", instrument))
            if targets_pct is not None and asset in targets_pct:
                value = f"{targets_pct[asset]:g}"
            rows.append(self._target_row(asset, value, choice))
        box.mount_all(rows)
        self.call_after_refresh(self.emit)

    def _show_untiltable(self, notes: dict[str, str]) -> None:
        self.untiltable = notes
        label = self.query_one("#untiltable", Label)
        label.update("\n".join(notes.values()))
        label.display = bool(notes)

    def fill(self, values: Mapping[str, str]) -> None:
        """Set global fields by key (``base``, ``window``, ``leverage``, ``stop-loss``…)."""
        self._quiet = True
        try:
            for key, value in values.items():
                self.query_one(f"#field-{key}", Input).value = value
        finally:
            self._quiet = False
        self.call_after_refresh(self.emit)

    def show_problem(self, text: str) -> None:
        """A reason the planner refused the tilt (or blank)."""
        self.query_one("#problem", Label).update(text)

    def show_sum(self, text: str) -> None:
        """The line under the targets (sum of targets, base)."""
        self.query_one("#sum", Label).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Show the reason next to the field, then re-describe the tilt."""
        field_id = event.input.id or ""
        row = self._rows.get(field_id.removeprefix("target-"))
        if row is not None and row.field is event.input:
            row.value = event.value
        reason_id = "reason-" + field_id.removeprefix("field-")
        result = event.validation_result
        reason = "" if result is None or result.is_valid else result.failure_descriptions[0]
        for label in self.query(f"#{reason_id}").results(Label):
            label.update(reason)
            # Its line stays while the field is typed in: a reason coming and going on each
            # key changed the form's height and re-laid out the whole screen.
            label.set_class(
                bool(reason) or (label.has_class("-shown") and event.input.has_focus), "-shown"
            )
        if not self._quiet:
            self.emit()

    def on_select_changed(self, event: Select.Changed) -> None:
        """An instrument choice changed."""
        event.stop()
        row = self._rows.get((event.select.id or "").removeprefix("instrument-"))
        if row is not None and row.select is event.select and event.value in INSTRUMENT_VALUES:
            row.choice = str(event.value)
        self.emit()

    def _value(self, key: str) -> str:
        return self.query_one(f"#field-{key}", Input).value

    def describe(self) -> tuple[TiltSpec | None, list[str]]:
        """The tilt the form describes, or the problems that block it."""
        problems: list[str] = []
        checks = [(f"target {a}", TARGET_CHECK, row.value) for a, row in self._rows.items()]
        checks += [
            (spec.key.replace("-", " "), spec.validator, self._value(spec.key)) for spec in FIELDS
        ]
        for name, validator, text in checks:
            result = validator.validate(text)
            if not result.is_valid:
                problems.append(f"{name}: {result.failure_descriptions[0]}")
        if problems:
            return None, problems
        targets: dict[str, float] = {}
        instruments: dict[str, InstrumentChoice] = {}
        for asset in self.assets:
            row = self._rows.get(asset)
            number = parse_number(row.value) if row is not None else None
            if number is not None:
                targets[asset] = number / 100.0
            choice = row.choice if row is not None else "auto"
            instruments[asset] = cast(
                InstrumentChoice, choice if choice in ("perp", "future") else "auto"
            )
        if not targets:
            return None, ["enter a tactical target for at least one asset"]
        stop_loss = parse_number(self._value("stop-loss"))
        stop_spread = parse_number(self._value("stop-spread"))
        data: dict[str, Any] = {
            "targets": targets,
            "base_usd": parse_number(self._value("base")),
            "window_days": parse_number(self._value("window")),
            "leverage": parse_number(self._value("leverage")),
            "instruments": instruments,
            "stop_loss_pct": stop_loss,
            "stop_spread_pct": stop_spread,
        }
        try:
            return TiltSpec(**data), []
        except ValidationError as exc:
            return None, [str(err.get("msg", err)) for err in exc.errors()]

    def emit(self) -> None:
        """Post `Changed` with the current description."""
        spec, problems = self.describe()
        self.post_message(self.Changed(spec, problems))
