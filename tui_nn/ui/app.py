"""The tui-nn app: presets, network and training settings in a sidebar, live loss and accuracy
plots, a status bar.

Training runs in a separate process (`tui_nn.trainer.server`), reached through the app's
`TrainerLink` (`app.link`): this process never imports torch. The link's reader thread posts each
trainer event to the app as a Textual message (`tui_nn.ui.messages`); every widget update happens
on the UI thread. The edited preset is the `PresetEditor`'s (`app.editor`), run folders and
quitting are `RunControl`'s (`app.runs`). The app composes the screen, binds the keys and
hands each event to the panes that show it (`TrainerMessages`, `TrainerView`: trainer_view.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Unpack

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.events import Resize
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Input, Static, TabbedContent, TabPane, Tabs

from tui_nn.errors import PresetError
from tui_nn.presets import load_named, load_preset, resolve_preset
from tui_nn.spec import Preset
from tui_nn.trainer import protocol
from tui_nn.trainer.client import TrainerProcess

from . import messages as m
from .compare_control import CompareControl
from .keys import KEYS
from .later import LESSON_DELAY_S, LaterParts
from .loop_monitor import LoopMonitor
from .pace_control import PaceControl
from .panes.network import NetworkPane
from .panes.plots import PlotsPane
from .panes.presets import PresetsPane
from .panes.race_line import RaceLine
from .panes.status_bar import StatusBar, StatusFields
from .panes.training import TrainingPane
from .preset_editor import PresetEditor
from .run_control import RunControl
from .screens import kept_screen
from .signals import SignalGuard
from .trainer_link import AttachFactory, TrainerFactory, TrainerLink
from .trainer_view import TrainerMessages, TrainerView
from .widgets.fields import NumberInput
from .widgets.key_bar import KeyBar
from .widgets.too_small import TooSmall

RESET_RUN_QUESTION = "Training is running. Reset the weights and start a fresh run?"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


class TuiNnApp(TrainerMessages, App[int]):
    """The app. `trainer_factory=None` runs without a trainer process (snapshot tests); the
    `devices` list then stands in for the trainer's `Ready` event."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-nn"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = KEYS

    # Watched (`watch_*` below): no repaint of the whole screen when they change, only of what
    # shows them.
    ascii_mode: var[bool] = var(False, init=False)  # plain-ASCII plots and views
    trainer_status: var[str] = var("idle", init=False)  # the link's status, on the status bar

    def __init__(
        self,
        preset: Preset | None = None,
        preset_path: Path | None = None,
        *,
        trainer_factory: TrainerFactory | None = TrainerProcess,
        devices: list[protocol.DeviceInfo] | None = None,
        ascii_mode: bool | None = None,
        handle_signals: bool = False,
        attach: str | Path | None = None,
        attach_factory: AttachFactory | None = None,
        show: Path | None = None,
    ) -> None:
        super().__init__()
        if preset is None:
            preset_path = resolve_preset("xor")
            preset = load_named("xor")
        if ascii_mode is None:
            ascii_mode = _env_flag("TUI_NN_ASCII")
        self.set_reactive(TuiNnApp.ascii_mode, ascii_mode)
        self.link = TrainerLink(
            self,
            trainer_factory,
            show=self._show_status,
            attach_factory=attach_factory,
            devices=devices or [],
        )
        self.editor = PresetEditor(self, self.link, preset, preset_path)
        self.later = LaterParts(self, self.link, self.editor)  # the lesson pane among them
        self.runs = RunControl(
            self, self.link, self.editor, settle=self.later.settle, attach=attach, show=show
        )
        self.pace = PaceControl(self, self.link)
        self.compare = CompareControl(self, self.editor)
        self.editor.on_load = self.pace.preset_loaded
        self.trainer_view = TrainerView(self, self.link, self.runs, self.pace)
        self.signals = SignalGuard(self.runs.on_signal, self.link) if handle_signals else None
        self._loop_monitor: LoopMonitor | None = None  # event-loop stall statistics (benchmarks)

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            yield Static("", id="title", markup=False)
            with Horizontal(id="body"):
                with TabbedContent("Presets", "Network", "Training", id="sidebar"):
                    with TabPane("Presets", id="tab-presets"):
                        yield PresetsPane(id="presets")
                    with TabPane("Network", id="tab-network"):
                        yield NetworkPane(id="network")
                    with TabPane("Training", id="tab-training"):
                        yield TrainingPane(id="training")
                    yield TabPane("Lesson", id="tab-lesson")  # filled after the first frame
                yield PlotsPane(ascii_mode=self.ascii_mode, mono=self.no_color, id="plots")
            yield StatusBar(id="status")
            yield RaceLine(mono=self.no_color, id="race")
        yield TooSmall(id="too-small")
        yield KeyBar()

    async def on_mount(self) -> None:
        self._loop_monitor = LoopMonitor.from_environment()
        if self._loop_monitor is not None:
            self._loop_monitor.start()
        self._check_size(self.size.width, self.size.height)
        self.call_after_refresh(self.later.first_frame)
        self.set_timer(LESSON_DELAY_S, self._mount_lesson)  # after the panes' fields
        editor = self.editor
        await editor.show(editor.committed)
        if editor.path is not None:
            self.query_one(PresetsPane).highlight(editor.path)
        self.query_one(StatusBar).show(epochs=editor.committed.train.epochs)
        if not self.link.available:
            self.query_one(TrainingPane).set_devices(self.link.devices)
            self.link.set_status("idle")
        elif self.runs.attach_socket is not None:
            self.runs.start_attached()
        else:
            self.link.start()
            editor.load(editor.committed)
        self.runs.show_at_mount()  # `tui-nn show RUN`: its curves, read in a thread
        if self.signals is not None:
            self.signals.install()  # SIGHUP, SIGINT, SIGTERM, with a watchdog (signals.py)
        self.query_one("#preset-list").focus()

    def on_resize(self, event: Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        try:
            fits = self.query_one(TooSmall).check(width, height)
            self.query_one("#main").display = fits
            self.query_one(KeyBar).display = fits
        except NoMatches:  # before compose
            pass

    # -- what the trainer says ------------------------------------------------------------

    def _show_status(self, status: str, **fields: Unpack[StatusFields]) -> None:
        self.trainer_status = status
        self.query_one(StatusBar).show(**fields)

    def watch_trainer_status(self, status: str) -> None:
        self.query_one(StatusBar).show(state=status)

    # (each trainer message's handler, `on_trainer_*`: `TrainerMessages`, trainer_view.py)

    # -- edits ----------------------------------------------------------------------------

    def on_fields_edited(self, message: m.FieldsEdited) -> None:
        if message.commit:
            self.editor.edited()

    @on(PresetsPane.Chosen)
    def _preset_chosen(self, message: PresetsPane.Chosen) -> None:
        try:
            preset = load_preset(message.info.path)
        except PresetError as error:
            self.notify(str(error), title="cannot load preset", severity="error", markup=False)
            return
        self.editor.offer(preset, message.info.path)

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.runs.exiting:
            return False  # the trainer is being stopped for the exit: nothing else starts
        if action in ("space_run", "toggle_run", "save", "open", "help") and self.screen.is_modal:
            return False  # a dialog is open: its own keys only
        if action == "space_run" and isinstance(self.focused, Input):
            if not isinstance(self.focused, NumberInput):
                # A field where a space is text (a path): space types it; F5 starts there.
                # Number fields leave space to the app: there it starts or pauses.
                return None
        return True

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): Textual's commands, then every key binding's action."""
        yield from super().get_system_commands(screen)
        seen = {"quit", "space_run"}  # Textual lists Quit itself; space_run = toggle_run
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or binding.action in seen:
                continue
            seen.add(binding.action)
            method = getattr(self, f"action_{binding.action}", None)
            if method is None:
                continue
            title = (binding.tooltip or binding.description).capitalize()
            keys = binding.key.replace(",", " / ")
            yield SystemCommand(title, f"key: {keys}", method)

    def action_space_run(self) -> None:
        self.action_toggle_run()

    def action_toggle_run(self) -> None:
        link = self.link
        if link.training:
            link.send(protocol.Pause())
            return
        if link.status in ("done", "diverged") or (link.status == "failed" and link.running):
            # ended; "failed" with a live trainer: out of memory
            message = "the run has ended: press r to reset the weights and train again"
            if link.status == "done":
                message = "the run has ended: n trains one more epoch, r resets the weights"
            self.query_one(StatusBar).show(message=message)
            self.notify(message, markup=False, timeout=3)
            return

        def start() -> None:
            message = "starts when the trainer is ready" if link.status == "loading" else ""
            if link.send(protocol.Start()):
                link.set_status("starting", message=message)

        self.editor.with_edits("start", start)

    def action_one_epoch(self) -> None:
        if self.link.training:
            self.notify("training is running: pause first (space)", markup=False, timeout=3)
            return

        def epoch() -> None:
            if self.link.send(protocol.TrainEpoch()):
                self.link.set_status("starting", message="one more epoch")

        self.editor.with_edits("train", epoch)

    def action_one_step(self) -> None:
        self.editor.with_edits("train", self.pace.one_step)

    def action_compare(self) -> None:
        self.compare.dialog()

    def action_add_variant(self) -> None:
        self.compare.add()

    def action_drop_variant(self) -> None:
        self.compare.drop()

    def action_slower(self) -> None:
        self.pace.slower()

    def action_faster(self) -> None:
        self.pace.faster()

    def action_reset(self) -> None:
        if self.link.training:
            # A run in progress is not thrown away on one key: it trains on while the
            # question is open; a yes resets it.
            self.editor.ask_if_run(RESET_RUN_QUESTION, self._reset_now)
            return
        self.editor.reset()

    async def _reset_now(self) -> None:
        self.editor.reset()

    async def action_tab(self, tab: str) -> None:
        """`1`-`4` (or Alt+letter): show a sidebar tab and focus its first field."""
        if self.screen.is_modal:
            return
        if tab == "lesson":
            await self._mount_lesson()
            if self.later.lesson is None:
                return
        sidebar = self.query_one("#sidebar", TabbedContent)
        sidebar.active = f"tab-{tab}"
        pane = self.query_one(f"#tab-{tab}", TabPane)
        self.call_after_refresh(self._focus_in, pane)

    def _focus_in(self, pane: TabPane) -> None:
        """Focus the first focusable widget inside `pane` (its list, field or view tabs)."""
        for widget in pane.query("*"):
            if widget.focusable:
                widget.focus()
                return

    async def action_leave_field(self) -> None:
        """Escape in a text field: drop the change not yet applied, leave the field."""
        focused = self.focused
        if not isinstance(focused, Input) or self.screen.is_modal:
            return
        await self.editor.show(self.editor.committed)  # the field's committed text again
        sidebar = self.query_one("#sidebar", TabbedContent)
        if focused in sidebar.query("*"):
            tabs = sidebar.query_children(Tabs)
            if tabs:
                tabs.first().focus()
                return
        self.screen.set_focus(None)

    def action_log_scale(self) -> None:
        plots = self.query_one(PlotsPane)
        plots.set_log_scale(not plots.log_scale)

    def action_ascii(self) -> None:
        self.ascii_mode = not self.ascii_mode

    def watch_ascii_mode(self, on: bool) -> None:
        self.query_one(PlotsPane).set_ascii(on)
        if self.later.lesson is not None:
            self.later.lesson.set_ascii(on)

    async def action_lesson(self) -> None:
        await self._mount_lesson()
        if self.later.lesson is not None:
            self.later.lesson.toggle()

    async def _mount_lesson(self) -> None:
        await self.later.mount_lesson(self.ascii_mode)

    def action_code(self) -> None:
        from .lesson.code import show_code  # the exporter loads on first use

        show_code(self, self.editor.committed, self.editor.path)

    def action_save(self) -> None:
        self.editor.save()

    def action_open(self) -> None:
        self.editor.open()

    def action_help(self) -> None:
        from .lesson.backprop import BackpropView
        from .lesson.network import NetView
        from .lesson.pane import LessonPane
        from .screens.dialogs import ConfirmDialog
        from .screens.help import HelpScreen

        sections: list[tuple[str, Iterable[BindingType]]] = [
            ("Keys", self.BINDINGS),
            ("Network tab", NetworkPane.BINDINGS),
            ("Lesson tab", LessonPane.BINDINGS),
            ("Lesson: Network view", NetView.BINDINGS),
            ("Lesson: Backprop view", BackpropView.BINDINGS),
            ("Dialogs", ConfirmDialog.BINDINGS),
        ]
        self.push_screen(kept_screen(self, "help", lambda: HelpScreen(sections)))

    def action_runs(self) -> None:
        if self.screen.is_modal:
            return
        from .screens.runs import RunsScreen

        screen = kept_screen(self, "runs", lambda: RunsScreen(mono=self.no_color))
        screen.current = self.runs.run_path
        screen.ascii_mode = self.ascii_mode
        self.push_screen(screen, self.runs.chosen)

    async def action_quit(self) -> None:
        self.runs.quit()  # while training: stop, keep running in the background, or cancel

    # -- closing --------------------------------------------------------------------------

    async def on_unmount(self) -> None:
        self.link.stop()
        if self._loop_monitor is not None:
            self._loop_monitor.stop()
