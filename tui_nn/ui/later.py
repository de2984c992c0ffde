"""The parts of the app that come after its first frame, so that the first frame comes sooner:
the garbage collector's freeze, the modules of the dialogs and screens, and the Lesson tab's pane
(its modules cost startup time; trainer events that come before it wait for it). `settle` waits
for them briefly: exiting while a pane is mounting breaks Textual's widgets mid-mount (a
traceback on a quick quit)."""

from __future__ import annotations

import asyncio
import gc
import importlib
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.css.query import NoMatches
from textual.widget import MountError
from textual.widgets import TabPane

from tui_nn.trainer import protocol

from .panes.plots import PlotsPane
from .preset_editor import PresetEditor
from .trainer_link import TrainerLink
from .widgets.deferred import DeferredFields

if TYPE_CHECKING:
    from .lesson.pane import LessonPane

# Imported a moment after startup, so that neither the first frame nor the first use of a
# dialog or screen waits for them.
LATER_MODULES = (
    "tui_nn.ui.screens.dialogs",
    "tui_nn.ui.screens.help",
    "tui_nn.ui.history_loader",
    "tui_nn.ui.screens.runs",
)
LATER_IMPORT_DELAY_S = 1.0
LESSON_DELAY_S = 0.3
SETTLE_TIMEOUT_S = 2.0


class LaterParts:
    def __init__(self, app: App[Any], link: TrainerLink, editor: PresetEditor) -> None:
        self.app = app
        self.link = link
        self.editor = editor
        self.lesson: LessonPane | None = None
        self._backlog: list[protocol.Event] = []  # trainer events that came before the lesson
        self._mounting = False
        self._freeze_gc = False  # the app's startup objects are frozen out of collections

    def first_frame(self) -> None:
        """Call once the first frame is drawn."""
        # `tui-nn` runs the startup with the cyclic garbage collector off (cli.commands._load_app). What
        # startup makes lives as long as the app: frozen, later collections skip it, and a full
        # collection stays short (one over the whole heap took ~45 ms, an event-loop stall).
        self._freeze_gc = not gc.isenabled()
        if self._freeze_gc:
            gc.freeze()
            gc.enable()
        self.app.set_timer(LATER_IMPORT_DELAY_S, self._import_modules)

    async def _import_modules(self) -> None:
        for name in LATER_MODULES:
            importlib.import_module(name)
            await asyncio.sleep(0)  # one module per turn of the event loop
        if self._freeze_gc:
            gc.freeze()  # the panes mounted after the first frame and these modules

    async def mount_lesson(self, ascii_mode: bool) -> None:
        """The Lesson pane into its tab (once; not while the app is exiting)."""
        if self.lesson is not None or self._mounting or self.app.return_code is not None:
            return
        self._mounting = True
        from .lesson.pane import LessonPane

        pane = LessonPane(
            send=self.link.send,
            committed=lambda: self.editor.committed,
            ascii_mode=ascii_mode,
            id="lesson",
        )
        try:
            await self.app.query_one("#tab-lesson", TabPane).mount(pane)
        except (MountError, NoMatches):  # the app is closing already
            return
        self.lesson = pane
        backlog, self._backlog = self._backlog, []
        for event in backlog:
            pane.trainer_event(event)

    def trainer_event(self, event: protocol.Event) -> None:
        """Every trainer event, for the lesson pane (kept until it is mounted)."""
        if self.lesson is not None:
            self.lesson.trainer_event(event)
        else:
            self._backlog.append(event)

    async def settle(self, timeout: float = SETTLE_TIMEOUT_S) -> None:
        """Wait (at most `timeout` seconds) for the panes that mount after the first frame."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._still_mounting() and loop.time() < deadline:
            await asyncio.sleep(0.02)

    def _still_mounting(self) -> bool:
        try:
            plots = self.app.query_one(PlotsPane)
        except NoMatches:
            return False
        fields = [pane for pane in self.app.query(DeferredFields) if not pane.built]
        return bool(fields) or plots.plots is None or self.lesson is None
