"""The Presets tab: built-in and user presets, one line each (a user's marked "(user)"), and
under the list the description of the highlighted one; Enter (or a click) loads one."""

from __future__ import annotations

import textwrap
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui_nn.presets import PresetInfo, list_presets

ABOUT_LINES = 3  # the description's room under the list (a longer one ends in "…")


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
        yield OptionList(id="preset-list")
        about = Static("", id="preset-about", markup=False)
        about.border_title = "Enter loads it"  # on the rule between the list and the description
        yield about

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
            )
            options.append(Option(prompt, id=f"preset-{index}"))
        option_list.set_options(options)
        if current is not None:
            self.highlight(current)
        self._show_about()

    def about(self) -> str:
        """What the line under the list says of the highlighted preset (unwrapped)."""
        index = self.query_one("#preset-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.infos):
            return ""
        info = self.infos[index]
        text = info.description or info.title
        if not info.builtin:
            text = f"your preset ({info.path.name}): {text}"
        return text

    def _show_about(self) -> None:
        about = self.query_one("#preset-about", Static)
        width = about.content_region.width or max(10, self.size.width - 1)
        lines = textwrap.wrap(self.about(), width=max(10, width))
        if len(lines) > ABOUT_LINES:
            last = lines[ABOUT_LINES - 1]
            lines = lines[: ABOUT_LINES - 1] + [last[: max(0, width - 1)].rstrip() + "…"]
        about.update(Content("\n".join(lines)))

    @on(OptionList.OptionHighlighted, "#preset-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_about()

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_about)

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
