"""The compare dialog: what the preset's variants differ in and the values they take, the
variants it would train and any problem shown as the user types; dismisses with the preset
comparing them (validated), the preset comparing nothing (Off), or None (Cancel)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tui_nn.errors import PresetError
from tui_nn.presets.compare import base_value, show_value
from tui_nn.presets.compare_choices import (
    SOURCE,
    compare_keys,
    parse_values,
    suggest_value,
    with_compare,
)
from tui_nn.spec import Preset

from ..widgets.key_bar import KeyBar

__all__ = ["CompareDialog"]

SUGGESTED = 2  # values filled in when the key changes: the preset and two others


class CompareDialog(ModalScreen[Preset | None]):
    """Sets the preset's [compare] table: a key of `compare_keys` and its values."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, preset: Preset) -> None:
        super().__init__()
        self.preset = preset
        self.keys = compare_keys(preset)
        compare = preset.compare
        known = [key for key, _ in self.keys]
        if compare is not None and compare.key in known:
            self.key = compare.key
            self.initial = ", ".join(show_value(v) for v in compare.values)
        else:
            self.key = known[0] if known else ""
            self.initial = self._suggestions(self.key)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog compare-dialog"):
            yield Label("Compare variants of this preset, side by side", classes="dialog-title")
            with Horizontal(classes="field-row"):
                yield Label("Differs in", classes="field-label")
                yield Select(
                    [(label, key) for key, label in self.keys],
                    value=self.key if self.key else Select.NULL,
                    allow_blank=not self.keys,
                    compact=True,
                    id="compare-key",
                )
            with Horizontal(classes="field-row"):
                yield Label("Values", classes="field-label")
                yield Input(
                    self.initial,
                    placeholder="comma separated, besides this preset's own",
                    id="compare-values",
                    compact=True,
                )
            yield Static("", id="compare-variants", classes="dialog-note")
            yield Static("", id="compare-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="primary", id="compare-apply", compact=True)
                yield Button("Off", id="compare-off", compact=True)
                yield Button("Cancel", id="compare-cancel", compact=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self._check()
        self.query_one("#compare-values", Input).focus()

    def _suggestions(self, key: str) -> str:
        if not key:
            return ""
        values: list[Any] = []
        for _ in range(SUGGESTED):
            value = suggest_value(self.preset, key, values)
            if value is None:
                break
            values.append(value)
        return ", ".join(show_value(v) for v in values)

    def _check(self) -> Preset | str:
        """The preset comparing what the fields say, or the problem (also shown)."""
        text = self.query_one("#compare-values", Input).value
        values: list[Any] = []
        result: Preset | str
        try:
            values = parse_values(self.preset, self.key, text)
            result = with_compare(self.preset, self.key, values)
        except PresetError as error:
            result = str(error).removeprefix(f"{SOURCE}: ")
        except Exception as error:  # noqa: BLE001 - shown in the dialog, never a traceback
            result = f"{type(error).__name__}: {error}"
        self._show(values, result if isinstance(result, str) else "")
        return result

    def _show(self, values: list[Any], error: str) -> None:
        shown = []
        if self.key:
            shown.append(f"{show_value(base_value(self.preset, self.key))} (this preset)")
        shown += [show_value(v) for v in values]
        count = f"trains {len(shown)}: " if len(shown) > 1 else ""
        line = f"{count}{' · '.join(shown)}"
        self.query_one("#compare-variants", Static).update(Content(line))
        label = self.query_one("#compare-error", Static)
        label.update(Content(error))
        label.display = bool(error)

    @on(Select.Changed, "#compare-key")
    def _key_changed(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str) or event.value == self.key:
            return
        self.key = event.value
        compare = self.preset.compare
        if compare is not None and compare.key == self.key:
            text = ", ".join(show_value(v) for v in compare.values)
        else:
            text = self._suggestions(self.key)
        field = self.query_one("#compare-values", Input)
        field.value = text
        self._check()

    @on(Input.Changed, "#compare-values")
    def _values_changed(self) -> None:
        self._check()

    @on(Input.Submitted, "#compare-values")
    @on(Button.Pressed, "#compare-apply")
    def _apply(self) -> None:
        result = self._check()
        if isinstance(result, Preset):
            self.dismiss(result)

    @on(Button.Pressed, "#compare-off")
    def _off(self) -> None:
        self.dismiss(replace(self.preset, compare=None))

    @on(Button.Pressed, "#compare-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
