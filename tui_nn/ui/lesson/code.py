"""Show the code (`c`): the current preset as the plain PyTorch script `tui-nn code` writes
(`tui_nn.codegen.export_script`), highlighted, in a scrollable dialog."""

from __future__ import annotations

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
from tui_nn.spec import Preset

from ..widgets.key_bar import KeyBar


class CodeScreen(ModalScreen[None]):
    """The preset's standalone PyTorch script."""

    BINDINGS = [
        Binding("escape,c,q", "close", "Close"),
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
        name = preset_path.stem if preset_path is not None else "PRESET"
        self.hint = f"tui-nn code {name} > script.py"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog code-dialog"):
            yield Label(
                Content.assemble(
                    (f"The code: {self.preset.name} in plain PyTorch", "bold"),
                    ("  (escape closes)", "dim"),
                ),
                classes="dialog-title",
            )
            yield Static(
                Content.assemble(("write it out: ", "dim"), (self.hint, "bold")),
                id="code-hint",
            )
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

    def action_top(self) -> None:
        self.query_one("#code-scroll", ScrollableContainer).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one("#code-scroll", ScrollableContainer).scroll_end(animate=False)


def show_code(app: App[Any], preset: Preset, preset_path: Path | None) -> None:
    """Open the code dialog (or close it when it is the open one)."""
    if isinstance(app.screen, CodeScreen):
        app.screen.dismiss(None)
        return
    if app.screen.is_modal:
        return
    app.push_screen(CodeScreen(preset, preset_path))
