"""Comparing variants of the preset in the app (`k` the compare dialog, `j` one more variant,
`x` one fewer): each change sets the preset's [compare] table, and the preset reloads as any
other edit does (asking first when that discards a run). The trainer then trains the networks
side by side; the plots overlay them and the race line shows each."""

from __future__ import annotations

from typing import Any

from textual.app import App

from tui_nn.errors import PresetError
from tui_nn.presets.compare_choices import add_variant, drop_variant
from tui_nn.spec import Preset

from .panes.status_bar import StatusBar
from .preset_editor import PresetEditor
from .screens.compare import CompareDialog


class CompareControl:
    def __init__(self, app: App[Any], editor: PresetEditor) -> None:
        self.app = app
        self.editor = editor

    def _base(self) -> Preset | None:
        """The preset the panes describe (with its edits), or None after saying why not."""
        candidate, errors = self.editor.candidate()
        if candidate is None:
            self.editor.refuse("compare", errors)
        return candidate

    def dialog(self) -> None:
        base = self._base()
        if base is not None:
            self.app.push_screen(CompareDialog(base), self._chosen)

    def _chosen(self, preset: Preset | None) -> None:
        if preset is not None:
            self._apply(preset)

    def add(self) -> None:
        self._change(add_variant)

    def drop(self) -> None:
        self._change(drop_variant)

    def _change(self, change: Any) -> None:
        base = self._base()
        if base is None:
            return
        try:
            preset = change(base)
        except PresetError as error:
            message = str(error)
            self.app.query_one(StatusBar).show(message=message, message_style="$error")
            self.app.notify(message, severity="warning", markup=False, timeout=4)
            return
        self._apply(preset)

    def _apply(self, preset: Preset) -> None:
        compare = preset.compare
        if compare is None:
            said = "one network: the comparison is off"
        else:
            said = f"comparing {compare.key}: {len(compare.values) + 1} networks side by side"
        # Said once it applies (a run to discard asks first, and no keeps all as it was).
        self.editor.apply(preset, lambda: self.app.query_one(StatusBar).show(message=said))
