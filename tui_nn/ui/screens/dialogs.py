"""Modal dialogs: confirm (yes/no), save a preset, open a preset file, quit while training."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Static

from tui_nn.errors import PresetError
from tui_nn.presets import (
    list_presets,
    load_preset,
    resolve_preset,
    save_preset,
    slugify,
    user_presets_dir,
)
from tui_nn.spec import Preset

from ..widgets.key_bar import KeyBar
from . import kept_screen


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; dismisses with True for yes. The app keeps one and asks each question
    with `ask` (see `confirm`)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str = "", *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def ask(self, question: str, *, yes: str = "Yes", no: str = "No") -> ConfirmDialog:
        self.question, self.yes_label, self.no_label = question, yes, no
        return self

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("", id="question", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("", variant="primary", id="yes", compact=True)
                yield Button("", id="no", compact=True)
        yield KeyBar()

    def on_screen_resume(self) -> None:
        self.query_one("#question", Static).update(Content(self.question))
        self.query_one("#yes", Button).label = f"{self.yes_label} (y)"
        self.query_one("#no", Button).label = f"{self.no_label} (n)"
        self.query_one("#yes", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)


def confirm(app: App[Any], question: str, answered: Callable[[bool | None], Any]) -> None:
    """Ask a yes/no question (in the app's one kept dialog); `answered` gets True for yes."""
    dialog = kept_screen(app, "confirm", ConfirmDialog)
    app.push_screen(dialog.ask(question), answered)


class SaveDialog(ModalScreen[Path | None]):
    """Asks a name and saves the preset to the user presets folder as <slug>.toml."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, preset: Preset, folder: Path | None = None) -> None:
        super().__init__()
        self.preset = preset
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Save preset as", classes="dialog-title")
            yield Input(self.preset.name, placeholder="a name", id="save-name", compact=True)
            yield Static("", id="save-path", classes="dialog-note")
            yield Static("", id="save-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self._show_path(self.preset.name)
        self.query_one("#save-error").display = False
        self.query_one("#save-name", Input).focus()

    def _target(self, name: str) -> Path:
        folder = self.folder if self.folder is not None else user_presets_dir()
        return folder / f"{slugify(name)}.toml"

    def _show_path(self, name: str) -> None:
        self.query_one("#save-path", Static).update(Content(f"to {self._target(name)}"))

    def _error(self, message: str) -> None:
        label = self.query_one("#save-error", Static)
        label.update(Content(message))
        label.display = bool(message)

    @on(Input.Changed, "#save-name")
    def _name_changed(self, event: Input.Changed) -> None:
        self._show_path(event.value)
        self._error("")

    @on(Input.Submitted, "#save-name")
    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        name = self.query_one("#save-name", Input).value.strip()
        if not name:
            self._error("give the preset a name")
            return
        target = self._target(name)
        if target.exists():

            def answered(overwrite: bool | None) -> None:
                if overwrite:
                    self._save(name, target, overwrite=True)

            self.app.push_screen(
                ConfirmDialog(f"{target} already exists. Overwrite it?", yes="Overwrite"),
                answered,
            )
            return
        self._save(name, target, overwrite=False)

    def _save(self, name: str, target: Path, *, overwrite: bool) -> None:
        preset = dataclasses.replace(self.preset, name=name)
        try:
            path = save_preset(preset, target, overwrite=overwrite)
        except PresetError as error:
            self._error(str(error))
            return
        except Exception as error:  # noqa: BLE001 - shown in the dialog, never a traceback
            self._error(f"cannot save: {type(error).__name__}: {error}")
            return
        self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def open_target(text: str) -> Path:
    """The preset file that the Open dialog's `text` names: a preset name (a user or built-in
    stem), a file of the user's presets folder (`mine.toml`), or a path."""
    text = text.strip()
    bare = Path(text).name == text and text.lower().endswith(".toml")
    if bare and not Path(text).is_file():
        candidate = user_presets_dir() / text
        if candidate.is_file():
            return candidate
    return resolve_preset(text)


class PresetSuggester(Suggester):
    """Completion for the Open dialog (right arrow takes it): preset names, and for a path
    (one with a `/`, or `~`) the next folder or `.toml` file on disk."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names: list[str] = []

    def reload(self) -> None:
        """Read the preset names again (each time the dialog opens: not on every key)."""
        try:
            names = sorted({info.name for info in list_presets()})
        except Exception:  # noqa: BLE001 - no completion rather than a broken dialog
            names = []
        self.names = names + sorted(f.name for f in _toml_files(user_presets_dir()))

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        if "/" in value or value.startswith("~"):
            return _complete_path(value)
        return next((n for n in self.names if n.startswith(value) and n != value), None)


def _toml_files(folder: Path) -> list[Path]:
    try:
        return [f for f in folder.iterdir() if f.suffix == ".toml" and f.is_file()]
    except OSError:
        return []


def _complete_path(value: str) -> str | None:
    """`value` completed to the first folder (with its `/`) or .toml file that it begins."""
    if "/" not in value:  # "~" alone, or "~name" (another user's home: left alone)
        return "~/" if value == "~" else None
    head, _, prefix = value.rpartition("/")
    folder = Path(head).expanduser() if head else Path("/")
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError:
        return None
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or name == prefix or name.startswith("."):
            continue
        try:
            if entry.is_dir():
                return f"{head}/{name}/"
            if entry.suffix == ".toml":
                return f"{head}/{name}"
        except OSError:
            continue
    return None


class OpenDialog(ModalScreen[tuple[Preset, Path] | None]):
    """Asks for a preset (a name, a file of the presets folder, or a path, with completion) and
    loads it; errors stay in the dialog."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Open a preset: name, file or path (→ completes)", classes="dialog-title")
            yield Input(
                "",
                placeholder=f"xor, mine.toml or {user_presets_dir()}/name.toml",
                id="open-path",
                compact=True,
                suggester=PresetSuggester(),
            )
            yield Static("", id="open-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Open", variant="primary", id="open", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield KeyBar()

    def on_screen_resume(self) -> None:
        """Shown (the app keeps this dialog between visits, with the last path typed)."""
        self._error("")
        field = self.query_one("#open-path", Input)
        if isinstance(field.suggester, PresetSuggester):
            field.suggester.reload()
        field.focus()

    def _error(self, message: str) -> None:
        label = self.query_one("#open-error", Static)
        label.update(Content(message))
        label.display = bool(message)

    @on(Input.Changed, "#open-path")
    def _path_changed(self) -> None:
        self._error("")

    @on(Input.Submitted, "#open-path")
    @on(Button.Pressed, "#open")
    def _open_pressed(self) -> None:
        text = self.query_one("#open-path", Input).value.strip()
        if not text:
            self._error("type a preset name or the path of a .toml preset file")
            return
        try:
            path = open_target(text)
            preset = load_preset(path)
        except PresetError as error:
            self._error(str(error))
            return
        except Exception as error:  # noqa: BLE001 - shown in the dialog, never a traceback
            self._error(f"cannot open: {type(error).__name__}: {error}")
            return
        self.dismiss((preset, path))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class QuitDialog(ModalScreen[str | None]):
    """Quit while training: "stop" (save a checkpoint and end the run), "keep" (the run goes on
    in the background; `tui-nn attach` comes back to it), or None (cancel)."""

    BINDINGS = [
        Binding("s", "choose('stop')", "Stop and quit"),
        Binding("k", "choose('keep')", "Keep running"),
        Binding("c,escape", "choose('')", "Cancel"),
    ]

    def __init__(self, run_id: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id  # set before each showing: the app keeps one dialog

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Quit tui-nn", classes="dialog-title")
            yield Static("", id="quit-text", classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Stop and quit (s)", variant="primary", id="stop", compact=True)
                yield Button("Keep running (k)", id="keep", compact=True)
                yield Button("Cancel (c)", id="cancel", compact=True)
        yield KeyBar()

    def on_screen_resume(self) -> None:
        run = f"run {self.run_id}" if self.run_id else "the run"
        text = (
            f"Training is running ({run}).\n\n"
            "Stop: save a checkpoint and end it (the runs screen, ctrl+r, continues it later).\n"
            "Keep running: it trains on in the background, also when this terminal closes; "
            "`tui-nn attach` comes back to it."
        )
        self.query_one("#quit-text", Static).update(Content(text))
        self.query_one("#stop", Button).focus()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice or None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss({"stop": "stop", "keep": "keep"}.get(event.button.id or ""))
