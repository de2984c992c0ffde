"""Write the code view's script to a file: asks a path (default `<preset>.py` in the folder tui-nn
was started from, as `tui-nn code PRESET --out FILE` would), asks before replacing a file, and
dismisses with the paths written (the script, then the data it reads beside it)."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui_nn.codegen import export_conflicts, write_export
from tui_nn.errors import TuiNnError
from tui_nn.presets import slugify
from tui_nn.spec import Preset

from ..widgets.key_bar import KeyBar
from .dialogs import ConfirmDialog


def default_script_name(preset: Preset) -> str:
    return f"{slugify(preset.name) or 'script'}.py"


def script_target(text: str) -> Path:
    """The file that `text` names: `~` expanded, a relative path from the current folder."""
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


class WriteScriptDialog(ModalScreen[list[Path] | None]):
    """Asks where to write the preset's script, and writes it there."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, preset: Preset) -> None:
        super().__init__()
        self.preset = preset

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Write the script of {self.preset.name} to", classes="dialog-title")
            yield Input(
                default_script_name(self.preset),
                placeholder="a file name or path",
                id="script-path",
                compact=True,
            )
            yield Static("", id="script-target", classes="dialog-note")
            yield Static("", id="script-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Write", variant="primary", id="write", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self._show_target(self.query_one("#script-path", Input).value)
        self._error("")
        self.query_one("#script-path", Input).focus()

    def _show_target(self, text: str) -> None:
        note = f"to {script_target(text)}" if text.strip() else ""
        self.query_one("#script-target", Static).update(Content(note))

    def _error(self, message: str) -> None:
        label = self.query_one("#script-error", Static)
        label.update(Content(message))
        label.display = bool(message)

    @on(Input.Changed, "#script-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self._show_target(event.value)
        self._error("")

    @on(Input.Submitted, "#script-path")
    @on(Button.Pressed, "#write")
    def _write_pressed(self) -> None:
        text = self.query_one("#script-path", Input).value
        if not text.strip():
            self._error("type a file name, e.g. " + default_script_name(self.preset))
            return
        target = script_target(text)
        if target.is_dir():
            self._error(f"{target} is a folder: add a file name")
            return
        conflicts = export_conflicts(self.preset, target)
        if not conflicts:
            self._write(target)
            return

        def answered(overwrite: bool | None) -> None:
            if overwrite:
                self._write(target)

        names = " and ".join(str(path) for path in conflicts)
        verb = "exist" if len(conflicts) > 1 else "exists"
        self.app.push_screen(
            ConfirmDialog(f"{names} already {verb}. Overwrite?", yes="Overwrite"), answered
        )

    def _write(self, target: Path) -> None:
        try:
            written = write_export(self.preset, target)
        except TuiNnError as error:
            self._error(str(error))
            return
        except Exception as error:  # noqa: BLE001 - shown in the dialog, never a traceback
            self._error(f"cannot write: {type(error).__name__}: {error}")
            return
        self.dismiss(written)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
