"""The Presets tab: built-in and user presets; Enter (or a click) loads one."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui_nn.presets import PresetInfo, list_presets


class PresetsPane(Vertical):
    """An OptionList of presets; posts `PresetsPane.Chosen` when one is picked."""

    class Chosen(Message):
        def __init__(self, info: PresetInfo) -> None:
            super().__init__()
            self.info = info

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.infos: list[PresetInfo] = []

    def compose(self) -> ComposeResult:
        yield Label("Enter loads a preset", classes="pane-hint")
        yield OptionList(id="preset-list")

    def on_mount(self) -> None:
        self.reload()

    def reload(self, current: Path | None = None) -> None:
        """Re-read the preset folders; highlight `current` when it is listed."""
        try:
            self.infos = list_presets()
        except Exception as error:  # noqa: BLE001 - a broken folder must not break the app
            self.infos = []
            self.notify(f"cannot list presets: {error}", severity="error", markup=False)
        option_list = self.query_one("#preset-list", OptionList)
        options = []
        for index, info in enumerate(self.infos):
            prompt = Content.assemble(
                (info.name, "bold"),
                ("" if info.builtin else " (user)", "italic"),
                " - ",
                (info.description or info.title, "dim"),
            )
            options.append(Option(prompt, id=f"preset-{index}"))
        option_list.set_options(options)
        if current is not None:
            self.highlight(current)

    def highlight(self, path: Path) -> None:
        option_list = self.query_one("#preset-list", OptionList)
        for index, info in enumerate(self.infos):
            try:
                same = info.path.resolve() == Path(path).resolve()
            except OSError:
                same = False
            if same:
                option_list.highlighted = index
                return

    @on(OptionList.OptionSelected, "#preset-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self.infos):
            self.post_message(self.Chosen(self.infos[index]))
