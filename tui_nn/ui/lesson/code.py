"""Show the code (`c`): the current preset, edits included, as the plain PyTorch script
`tui-nn code` writes (`tui_nn.codegen.export_script`), highlighted, in a scrollable dialog; `w`
writes it to a file. The hint names a command only where it gives this same script: the preset
unedited since it was loaded or saved."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.content import Content
from textual.highlight import highlight
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tui_nn.codegen import export_script
from tui_nn.errors import TuiNnError
from tui_nn.presets import load_preset, resolve_preset
from tui_nn.spec import Preset

from ..widgets.key_bar import KeyBar


class CodeScreen(ModalScreen[None]):
    """The preset's standalone PyTorch script."""

    BINDINGS = [
        Binding("escape,c,q", "close", "Close"),
        Binding(
            "w", "write", "Write to file", tooltip="write this script (and its data) to a file"
        ),
        Binding("home", "top", "Top", show=False),
        Binding("end", "bottom", "End", show=False),
    ]

    def __init__(self, preset: Preset, preset_path: Path | None = None) -> None:
        super().__init__()
        self.preset = preset
        try:
            self.code = export_script(preset)
            self.error = ""
        except TuiNnError as error:
            self.code = ""
            self.error = str(error)
        self.hint = code_hint(self.code, preset_path) if self.code else ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog code-dialog"):
            yield Label(
                Content.assemble(
                    (f"The code: {self.preset.name} in plain PyTorch", "bold"),
                    ("  (escape closes)", "dim"),
                ),
                classes="dialog-title",
            )
            yield Static(Content(self.hint), id="code-hint")
            with ScrollableContainer(id="code-scroll"):
                if self.error:
                    yield Static(Content(f"cannot export this preset: {self.error}"), id="code")
                else:
                    yield Static(highlight(self.code, language="python"), id="code")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#code-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_write(self) -> None:
        if self.error:
            self.notify(f"cannot export this preset: {self.error}", severity="error")
            return
        from ..screens.write_script import WriteScriptDialog

        self.app.push_screen(WriteScriptDialog(self.preset), self._written)

    def _written(self, paths: list[Path] | None) -> None:
        if not paths:
            return
        script, *beside = paths
        data = "".join(f" and {path.name}" for path in beside)
        try:
            command = shlex.quote(str(script.relative_to(Path.cwd())))
        except ValueError:
            command = shlex.quote(str(script))
        message = f"wrote {script}{data}: `python {command}` trains it"
        self.hint = message
        self.query_one("#code-hint", Static).update(Content(message))
        self.notify(message, markup=False, timeout=5)

    def action_top(self) -> None:
        self.query_one("#code-scroll", ScrollableContainer).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one("#code-scroll", ScrollableContainer).scroll_end(animate=False)


def code_hint(code: str, path: Path | None) -> str:
    """What writes the script `code` out: the `w` key, and `tui-nn code` where it prints this
    same script, from the preset's file unedited (a built-in by its name, another by its path)."""
    if path is None or not _same_script(code, path):
        why = "is in no file" if path is None else f"differs from {path.name}"
        return (
            f"w writes this script to a file (the preset {why}: once ctrl+s has saved it, "
            "`tui-nn code FILE` gives the same)"
        )
    try:
        builtin = resolve_preset(path.stem) == path
    except TuiNnError:
        builtin = False
    name = path.stem if builtin else shlex.quote(str(path))
    return f"w writes this script to a file, as `tui-nn code {name} --out FILE` does"


def _same_script(code: str, path: Path) -> bool:
    try:
        return export_script(load_preset(path)) == code
    except (TuiNnError, OSError):
        return False


def show_code(app: App[Any], preset: Preset, preset_path: Path | None) -> None:
    """Open the code dialog (or close it when it is the open one)."""
    if isinstance(app.screen, CodeScreen):
        app.screen.dismiss(None)
        return
    if app.screen.is_modal:
        return
    app.push_screen(CodeScreen(preset, preset_path))
