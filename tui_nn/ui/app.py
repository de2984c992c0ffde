"""The tui-nn app: presets, network and training settings in a sidebar, live loss and accuracy
plots, a status bar.

Training runs in a separate process (`tui_nn.trainer.server`, driven through `TrainerProcess`): this
process never imports torch. A thread reads the trainer's events and posts them to the app as
messages; every widget update happens on the UI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import importlib
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.events import Resize
from textual.screen import Screen
from textual.widget import MountError
from textual.widgets import Input, Static, TabbedContent, TabPane

from tui_nn.errors import PresetError, TuiNnError
from tui_nn.presets import (
    load_named,
    load_preset,
    preset_from_dict,
    preset_to_dict,
    resolve_preset,
)
from tui_nn.trainer.client import TrainerProcess
from tui_nn.spec import Preset

from .deferred import DeferredFields
from .fields import NumberInput
from .key_bar import KeyBar
from .loop_monitor import LoopMonitor
from .messages import FieldsEdited, TrainerEvent
from .network_pane import NetworkPane
from .plots_pane import PlotsPane
from .presets_pane import PresetsPane
from .run_control import RunControl, exit_message
from .signals import SignalGuard
from .status_bar import StatusBar
from .training_pane import TrainingPane

# Imported a moment after startup, so that neither the first frame nor the first use of a
# dialog or screen waits for them.
LATER_MODULES = (
    "tui_nn.ui.dialogs",
    "tui_nn.ui.help_screen",
    "tui_nn.ui.history_loader",
    "tui_nn.ui.runs_pane",
)
LATER_IMPORT_DELAY_S = 1.0
LESSON_DELAY_S = 0.3
SETTLE_TIMEOUT_S = 2.0
MIN_WIDTH = 60
MIN_HEIGHT = 18
RESET_QUESTION = "This resets the current run. Continue?"

TrainerFactory = Callable[[], TrainerProcess]


def _stop_quietly(trainer: TrainerProcess) -> None:
    try:
        trainer.stop()
    except Exception:  # noqa: BLE001 - quitting must not fail
        pass


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


class TuiNnApp(App[int]):
    """The app. `trainer_factory=None` runs without a trainer process (snapshot tests); the
    `devices` list then stands in for the trainer's `ready` event."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-nn"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("space", "space_run", "Run", tooltip="start or pause training", priority=True),
        Binding(
            "f5",
            "toggle_run",
            "Run",
            tooltip="start or pause (also from a text field)",
            show=False,
            priority=True,
        ),
        Binding("n", "one_epoch", "Epoch", tooltip="train one more epoch"),
        Binding("r", "reset", "Reset", tooltip="reset the weights (a fresh run)"),
        Binding("l", "log_scale", "Log", tooltip="log scale for the loss plot (on/off)"),
        Binding("a", "ascii", "ASCII", tooltip="plain-ASCII plots (on/off)"),
        Binding("v", "lesson", "Lesson", tooltip="the lesson views (on/off)", show=False),
        Binding("c", "code", "Code", tooltip="the preset as plain PyTorch code", show=False),
        Binding(
            "ctrl+s",
            "save",
            "Save",
            tooltip="save the preset to your presets folder",
            priority=True,
        ),
        Binding("ctrl+o", "open", "Open", tooltip="open a preset file", priority=True),
        Binding("ctrl+r", "runs", "Runs", tooltip="runs: open, continue or attach to one"),
        Binding("f1", "help", "Help", tooltip="this key reference"),
        Binding("q", "quit", "Quit", tooltip="quit (stops training)"),
        Binding(
            "ctrl+c", "quit", "Quit", tooltip="quit (stops training)", show=False, priority=True
        ),
    ]

    def __init__(
        self,
        preset: Preset | None = None,
        preset_path: Path | None = None,
        *,
        trainer_factory: TrainerFactory | None = TrainerProcess,
        devices: list[dict[str, Any]] | None = None,
        ascii_mode: bool | None = None,
        handle_signals: bool = False,
        attach: str | Path | None = None,
        attach_factory: Callable[[str], TrainerProcess] | None = None,
    ) -> None:
        super().__init__()
        # run folders, quit/keep running, attach (`attach`: a trainer's socket), the runs screen
        self.runs = RunControl(self, attach=attach, attach_factory=attach_factory)
        if preset is None:
            preset_path = resolve_preset("xor")
            preset = load_named("xor")
        self.committed: Preset = preset  # what the trainer has (or will have) loaded
        self.preset_path: Path | None = preset_path
        self.trainer_factory = trainer_factory
        self.trainer: TrainerProcess | None = None
        self._trainers_stopping: set[TrainerProcess] = set()  # stopped from a thread
        self.generation = 0
        self.devices: list[dict[str, Any]] = list(devices or [])
        self.loaded: dict[str, Any] | None = None
        self.load_error: str | None = None  # why the trainer refused the committed preset
        self.state = "idle"
        self.epoch = 0
        self.step = 0
        self.trainer_lr: float | None = None  # the learning rate the trainer last reported
        self.ascii_mode = _env_flag("TUI_NN_ASCII") if ascii_mode is None else ascii_mode
        self.handle_signals = handle_signals
        self._freeze_gc = False  # the app's startup objects are frozen out of collections
        self._loop_monitor: LoopMonitor | None = None  # event-loop stall statistics (benchmarks)
        self.lesson: Any = None  # the LessonPane, mounted just after the first frame
        self._lesson_backlog: list[dict[str, Any]] = []  # trainer events that came before it
        self._lesson_mounting = False
        self.exit_status = 0
        self._stopping = False
        self._confirming = False
        self._rate_mark: tuple[float, float] | None = None  # (elapsed_s, step) of the last rate
        self.events_seen: list[str] = []  # kinds of trainer events handled (tests read it)

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
        yield Static("", id="too-small")
        yield KeyBar()

    async def on_mount(self) -> None:
        self._loop_monitor = LoopMonitor.from_environment()
        if self._loop_monitor is not None:
            self._loop_monitor.start()
        self._check_size(self.size.width, self.size.height)
        self.call_after_refresh(self._after_first_frame)
        self.set_timer(LESSON_DELAY_S, self._mount_lesson)  # after the panes' fields
        await self._show_preset(self.committed)
        if self.preset_path is not None:
            self.query_one(PresetsPane).highlight(self.preset_path)
        status = self.query_one(StatusBar)
        status.show(epochs=self.committed.train.epochs)
        if self.trainer_factory is None:
            self.query_one(TrainingPane).set_devices(self.devices)
            self._set_state("idle")
        elif self.runs.attach_socket is not None:
            self.runs.start_attached()
        else:
            self._start_trainer()
            self._send_load(self.committed)
        if self.handle_signals:
            self._install_signal_handlers()
        self.query_one("#preset-list").focus()

    def _after_first_frame(self) -> None:
        # `tui-nn` runs the startup with the cyclic garbage collector off (cli._load_app). What
        # startup makes lives as long as the app: frozen, later collections skip it, and a full
        # collection stays short (one over the whole heap took ~45 ms, an event-loop stall).
        self._freeze_gc = not gc.isenabled()
        if self._freeze_gc:
            gc.freeze()
            gc.enable()
        self.set_timer(LATER_IMPORT_DELAY_S, self._import_later_modules)

    async def _import_later_modules(self) -> None:
        for name in LATER_MODULES:
            importlib.import_module(name)
            await asyncio.sleep(0)  # one module per turn of the event loop
        if self._freeze_gc:
            gc.freeze()  # the panes mounted after the first frame and these modules

    def on_resize(self, event: Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        try:
            self.query_one("#main").display = not small
            self.query_one(KeyBar).display = not small
            notice = self.query_one("#too-small", Static)
        except Exception:  # noqa: BLE001 - before compose
            return
        notice.display = small
        text = f"terminal too small: need at least {MIN_WIDTH}x{MIN_HEIGHT}, have {width}x{height}"
        if len(text) > width:
            text = text.replace(": ", ":\n", 1)
        notice.update(Content(text + "\n(q quits)"))

    def _update_title(self) -> None:
        name = self.committed.name
        where = f" ({self.preset_path.name})" if self.preset_path is not None else ""
        parts: list[str | tuple[str, str]] = [
            (" tui-nn ", "bold reverse"),
            "  ",
            (name, "bold"),
            (where, "dim"),
        ]
        if self.committed.description:
            parts += [("  " + self.committed.description, "dim italic")]
        self.query_one("#title", Static).update(Content.assemble(*parts), layout=False)
        self.sub_title = name

    # -- the trainer process --------------------------------------------------------------

    def _start_trainer(self, attach: str | Path | None = None) -> bool:
        """Launch a trainer, or connect to the one serving the socket `attach`."""
        assert self.trainer_factory is not None
        self.generation += 1
        self._stopping = False
        trainer = self.runs.handle(attach) if attach is not None else self.trainer_factory()
        try:
            if attach is None:
                trainer.start()
        except (OSError, ValueError) as error:
            self.trainer = None
            self._set_state(
                "failed", message=f"cannot start the trainer process: {error}", error=True
            )
            return False
        self.trainer = trainer
        self.loaded = None
        self._pump(trainer, self.generation)
        return True

    def _pump(self, trainer: TrainerProcess, generation: int) -> None:
        # A daemon thread, not a Textual worker: the app's exit waits for a worker's thread,
        # and a trainer left running in the background must not hold up a quit.
        threading.Thread(
            target=self._pump_events, args=(trainer, generation), daemon=True, name="trainer-events"
        ).start()

    def _pump_events(self, trainer: TrainerProcess, generation: int) -> None:
        """Read the trainer's events (blocking) and post them to the UI thread."""
        try:
            for event in trainer.events():
                if not isinstance(event, dict):
                    continue
                self.post_message(TrainerEvent(event, generation))
        except Exception as error:  # noqa: BLE001 - a reader failure is a trainer failure
            with contextlib.suppress(Exception):  # the app may be gone
                self.post_message(
                    TrainerEvent(
                        {
                            "event": "exited",
                            "returncode": None,
                            "stderr": f"{type(error).__name__}: {error}",
                        },
                        generation,
                    )
                )

    def _send(self, command: str, **fields: Any) -> bool:
        trainer = self.trainer
        if trainer is None:
            return False
        return trainer.send(command, **fields)

    def _ensure_trainer(self) -> bool:
        """A live trainer with the committed preset loaded; restarts one after a failure."""
        if self.trainer_factory is None:
            self._set_state("idle", message="no trainer process in this mode")
            return False
        if self.trainer is not None and self.trainer.running:
            return True
        if self.trainer is not None:
            self._stop_trainer()
        if not self._start_trainer():
            return False
        self._send_load(self.committed)
        self._set_state("loading", message="trainer restarted")
        return True

    def _release_trainer(self) -> TrainerProcess | None:
        """Take the trainer out of the app; whatever it still says is ignored."""
        trainer, self.trainer = self.trainer, None
        self._stopping = True
        self.generation += 1
        return trainer

    def _stop_trainer(self) -> None:
        """Stop the trainer and wait for it (it saves a checkpoint: up to a few seconds), and
        for any still stopping in the background."""
        trainer = self._release_trainer()
        for stopping in [trainer, *self._trainers_stopping]:
            if stopping is not None:
                _stop_quietly(stopping)

    async def _stop_trainer_in_background(self) -> None:
        """The same, with the wait in a thread: the screen stays live meanwhile."""
        trainer = self._release_trainer()
        if trainer is None:
            return
        self._trainers_stopping.add(trainer)
        try:
            await asyncio.to_thread(_stop_quietly, trainer)
        finally:
            self._trainers_stopping.discard(trainer)

    def on_trainer_event(self, message: TrainerEvent) -> None:
        if message.generation != self.generation or not self.is_running:
            return
        event = message.event
        kind = str(event.get("event", ""))
        self.events_seen.append(kind)
        if isinstance(event.get("lr"), int | float):
            self.trainer_lr = float(event["lr"])
        handler = getattr(self, f"_on_{kind}_event", None)
        if handler is not None:
            try:
                handler(event)
            except Exception as error:  # noqa: BLE001 - a bad event must not kill the UI
                try:
                    self._set_state(
                        self.state, message=f"bad trainer event {kind!r}: {error}", error=True
                    )
                except Exception:  # noqa: BLE001 - e.g. the widgets are gone (shutting down)
                    pass
        if self.lesson is not None:
            self.lesson.trainer_event(event)
        else:
            self._lesson_backlog.append(event)

    def _on_ready_event(self, event: dict[str, Any]) -> None:
        devices = event.get("devices")
        if isinstance(devices, list):
            self.devices = [d for d in devices if isinstance(d, dict)]
            self.query_one(TrainingPane).set_devices(self.devices)

    def _on_loaded_event(self, event: dict[str, Any]) -> None:
        self.loaded = event
        self.load_error = None
        n_features = event.get("n_features")
        n_classes = event.get("n_classes")
        self.query_one(NetworkPane).set_io(n_features, n_classes)
        n_train = event.get("n_train")
        steps = None
        if isinstance(n_train, int) and n_train > 0:
            if self.committed.model.kind == "perceptron":
                steps = n_train
            else:
                steps = math.ceil(n_train / max(1, self.committed.train.batch_size))
        n_test = event.get("n_test")
        self.query_one(PlotsPane).set_shape(
            steps, event.get("task"), has_test=not (isinstance(n_test, int) and n_test == 0)
        )
        self.query_one(StatusBar).show(device=event.get("device"))

    def _on_state_event(self, event: dict[str, Any]) -> None:
        status = str(event.get("status", "idle"))
        self.epoch = int(event.get("epoch") or 0)
        self.step = int(event.get("step") or 0)
        fields: dict[str, Any] = {"epoch": self.epoch, "step": self.step}
        message = event.get("message")
        if message:
            fields["message"] = str(message)
        if self.epoch == 0 and self.step == 0:
            self._rate_mark = None
        self._set_state(status, **fields)

    def _on_run_event(self, event: dict[str, Any]) -> None:
        self.runs.on_run(event)

    def _on_metrics_event(self, event: dict[str, Any]) -> None:
        self.query_one(PlotsPane).add_metrics(event)
        self.runs.note_metrics(event)
        fields: dict[str, Any] = {}
        for key in ("epoch", "step"):
            if isinstance(event.get(key), int):
                fields[key] = event[key]
        self.epoch = fields.get("epoch", self.epoch)
        self.step = fields.get("step", self.step)
        if event.get("train_loss") is not None:
            fields["train_loss"] = event["train_loss"]
        elif event.get("eval_train_loss") is not None:
            fields["train_loss"] = event["eval_train_loss"]
        for key in ("test_loss", "train_acc", "test_acc"):
            if event.get(key) is not None:
                fields[key] = event[key]
        elapsed = event.get("elapsed_s")
        if isinstance(elapsed, int | float):
            fields["elapsed_s"] = elapsed
            if self._rate_mark is not None and elapsed > self._rate_mark[0]:
                fields["steps_per_s"] = (self.step - self._rate_mark[1]) / (
                    elapsed - self._rate_mark[0]
                )
            self._rate_mark = (elapsed, self.step)
        status = event.get("status")
        self._set_state(str(status) if status else self.state, **fields)

    def _on_summary_event(self, event: dict[str, Any]) -> None:
        message = str(event.get("message") or "finished")
        diverged = event.get("status") == "diverged"
        self.query_one(StatusBar).show(
            message=message, message_style="$error" if diverged else "$success"
        )
        if diverged:
            self.notify(message, title="diverged", severity="warning", markup=False)

    def _on_error_event(self, event: dict[str, Any]) -> None:
        message = str(event.get("message") or "unknown error")
        if self.loaded is None and self.state == "loading":
            self.load_error = message  # the last load failed
        self.notify(message, title="trainer error", severity="error", markup=False, timeout=8)
        self.query_one(StatusBar).show(message=f"error: {message}", message_style="$error")

    def _on_exited_event(self, event: dict[str, Any]) -> None:
        if self._stopping:
            return
        message = exit_message(event, attached=self.trainer is not None and not self.trainer.pid)
        self.trainer = None
        self.runs.trainer_gone()
        self._set_state("failed", message=message, error=True)
        self.notify(message, title="trainer failed", severity="error", markup=False, timeout=10)

    # -- state ----------------------------------------------------------------------------

    def _set_state(self, state: str, *, error: bool = False, **fields: Any) -> None:
        self.state = state
        if error and "message" in fields:
            fields["message_style"] = "$error"
        self.query_one(StatusBar).show(state=state, **fields)

    @property
    def run_exists(self) -> bool:
        return self.epoch > 0 or self.step > 0

    # -- presets and edits ----------------------------------------------------------------

    async def _show_preset(self, preset: Preset) -> None:
        """Fill every pane from `preset` (dropping edits)."""
        await self.query_one(NetworkPane).set_model(preset.model)
        self.query_one(TrainingPane).set_preset(preset.train, preset.data)
        self._update_title()

    def _candidate(self) -> tuple[Preset | None, list[str]]:
        """The preset the panes describe, or None and the reasons it is invalid."""
        network = self.query_one(NetworkPane)
        training = self.query_one(TrainingPane)
        errors = network.errors() + training.errors()
        if errors:
            return None, errors
        model = network.read_model()
        specs = training.read()
        if model is None or specs is None:
            return None, ["a field is invalid"]
        train, data = specs
        preset = dataclasses.replace(self.committed, model=model, train=train, data=data)
        try:
            preset = preset_from_dict(preset_to_dict(preset), source="the settings")
        except PresetError as error:
            return None, [str(error).removeprefix("the settings: ")]
        return preset, []

    def _pending(self, candidate: Preset) -> bool:
        return preset_to_dict(candidate) != preset_to_dict(self.committed)

    def _only_lr_differs(self, candidate: Preset) -> bool:
        a = preset_to_dict(candidate)
        b = preset_to_dict(self.committed)
        a["train"].pop("learning_rate", None)
        b["train"].pop("learning_rate", None)
        return a == b

    def _refuse(self, what: str, errors: list[str]) -> None:
        reason = errors[0] if errors else "a field is invalid"
        message = f"cannot {what}: {reason}"
        self.query_one(StatusBar).show(message=message, message_style="$error")
        self.notify(message, severity="error", markup=False)

    def _send_load(self, preset: Preset, resume: Path | None = None) -> None:
        """Load `preset` into the trainer (or `resume` a run folder: its preset and checkpoint)."""
        self.committed = preset
        self.load_error = None
        self.loaded = None
        if resume is not None:
            self._send("resume", path=str(resume))
        else:
            self._send("load", preset=preset_to_dict(preset))
        self.epoch = self.step = 0
        self._rate_mark = None
        self.query_one(PlotsPane).clear()
        status = self.query_one(StatusBar)
        status.clear_metrics()
        status.show(epochs=preset.train.epochs, message="")
        self._update_title()
        if self.trainer is not None:
            self._set_state("loading")

    def _apply(self, candidate: Preset, then: Callable[[], None] | None = None) -> None:
        """Make `candidate` the committed preset: the learning rate alone applies at once;
        anything else reloads (asking first when that discards a run)."""
        if not self._pending(candidate):
            if then is not None:
                then()
            return
        if self._only_lr_differs(candidate):
            self.committed = candidate
            self._send("lr", value=candidate.train.learning_rate)
            if then is not None:
                then()
            return
        if not self.run_exists:
            self._send_load(candidate)
            if then is not None:
                then()
            return
        if self._confirming:
            return
        self._confirming = True

        async def answered(yes: bool | None) -> None:
            self._confirming = False
            if yes:
                self._send_load(candidate)
                if then is not None:
                    then()
            else:
                await self._show_preset(self.committed)  # revert the edit

        self.confirm(RESET_QUESTION, answered)

    def on_fields_edited(self, message: FieldsEdited) -> None:
        if self._confirming or not message.commit:
            return
        status = self.query_one(StatusBar)
        candidate, errors = self._candidate()
        if candidate is None:
            status.show(message=f"not applied: {errors[0]}", message_style="$error")
            return
        if str(status.fields["message"]).startswith("not applied: "):
            status.show(message="")  # the field is valid again
        self._apply(candidate)

    @on(PresetsPane.Chosen)
    def _preset_chosen(self, message: PresetsPane.Chosen) -> None:
        info = message.info
        try:
            preset = load_preset(info.path)
        except PresetError as error:
            self.notify(str(error), title="cannot load preset", severity="error", markup=False)
            return
        self._offer_preset(preset, info.path)

    def _offer_preset(self, preset: Preset, path: Path | None) -> None:
        """Switch to another preset, asking first when a run would be lost."""

        async def use(yes: bool | None = True) -> None:
            self._confirming = False
            if not yes:
                return
            self.preset_path = path
            self.committed = preset
            await self._show_preset(preset)
            self._send_load(preset)
            if path is not None:
                self.query_one(PresetsPane).highlight(path)
            self.notify(f"loaded {preset.name}", markup=False, timeout=2)

        if self.run_exists:
            if self._confirming:
                return
            self._confirming = True
            self.confirm(f"Load {preset.name}? {RESET_QUESTION}", use)
        else:
            self.call_later(use, True)

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

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
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

    def _run_with_edits(self, what: str, then: Callable[[], None]) -> None:
        """Apply pending edits (asking when needed), then `then()`; refuse while invalid."""
        candidate, errors = self._candidate()
        if candidate is None:
            self._refuse(what, errors)
            return
        if not self._ensure_trainer():
            return
        if self.load_error and not self._pending(candidate):
            # The trainer could not load this preset (a missing data folder...): say why
            # rather than send a command it can only refuse.
            self._refuse(what, [self.load_error])
            return
        self._apply(candidate, then)

    def action_toggle_run(self) -> None:
        if self.state in ("running", "starting"):
            self._send("pause")
            return
        if self.state in ("done", "diverged") or (
            self.state == "failed" and self.trainer is not None and self.trainer.running
        ):  # ended; "failed" with a live trainer: out of memory
            message = "the run has ended: press r to reset the weights and train again"
            self.query_one(StatusBar).show(message=message)
            self.notify(message, markup=False, timeout=3)
            return

        def start() -> None:
            if self._send("start"):
                self._set_state("starting", message="")

        self._run_with_edits("start", start)

    def action_one_epoch(self) -> None:
        if self.state in ("running", "starting"):
            self.notify("training is running: pause first (space)", markup=False, timeout=3)
            return

        def epoch() -> None:
            if self._send("epoch"):
                self._set_state("starting", message="one more epoch")

        self._run_with_edits("train", epoch)

    def action_reset(self) -> None:
        candidate, errors = self._candidate()
        if candidate is None:
            self._refuse("reset", errors)
            return
        if self.trainer_factory is not None and (self.trainer is None or not self.trainer.running):
            self._ensure_trainer()
        if self._pending(candidate) and not self._only_lr_differs(candidate):
            self._send_load(candidate)  # a reset with the new settings
        else:
            if self._pending(candidate):
                self.committed = candidate
                self._send("lr", value=candidate.train.learning_rate)
            self._send("reset")
            self.epoch = self.step = 0
            self._rate_mark = None
            self.query_one(PlotsPane).clear()
            self.query_one(StatusBar).clear_metrics()
        self._set_state("idle", message="weights reset")

    def action_log_scale(self) -> None:
        plots = self.query_one(PlotsPane)
        plots.set_log_scale(not plots.log_scale)

    def action_ascii(self) -> None:
        self.ascii_mode = not self.ascii_mode
        self.query_one(PlotsPane).set_ascii(self.ascii_mode)
        if self.lesson is not None:
            self.lesson.set_ascii(self.ascii_mode)

    async def action_lesson(self) -> None:
        await self._mount_lesson()
        if self.lesson is not None:
            self.lesson.toggle()

    async def _mount_lesson(self) -> None:
        """The lesson views load after the first frame: their modules cost startup time."""
        if self.lesson is not None or self._lesson_mounting or self.return_code is not None:
            return  # mounted, or the app is exiting
        self._lesson_mounting = True
        from .lesson_pane import LessonPane

        pane = LessonPane(id="lesson")
        try:
            await self.query_one("#tab-lesson", TabPane).mount(pane)
        except (MountError, NoMatches):  # the app is closing already
            return
        self.lesson = pane
        backlog, self._lesson_backlog = self._lesson_backlog, []
        for event in backlog:
            pane.trainer_event(event)

    def action_code(self) -> None:
        from .lesson_code import show_code  # the exporter loads on first use

        show_code(self, self.committed, self.preset_path)

    def action_save(self) -> None:
        candidate, errors = self._candidate()
        if candidate is None:
            self._refuse("save", errors)
            return

        def saved(path: Path | None) -> None:
            if path is None:
                return
            try:
                name = load_preset(path).name
            except PresetError:
                name = candidate.name
            self.committed = dataclasses.replace(self.committed, name=name)
            self.preset_path = path
            self._update_title()
            self.query_one(PresetsPane).reload(current=path)
            self.query_one(StatusBar).show(message=f"saved {path}")
            self.notify(f"saved {path}", markup=False, timeout=3)

        from .dialogs import SaveDialog

        self.push_screen(SaveDialog(candidate), saved)

    def action_open(self) -> None:
        def opened(result: tuple[Preset, Path] | None) -> None:
            if result is not None:
                preset, path = result
                self._offer_preset(preset, path)

        from .dialogs import OpenDialog

        self.push_screen(self.kept_screen("open", OpenDialog), opened)

    def action_help(self) -> None:
        from .dialogs import ConfirmDialog
        from .help_screen import HelpScreen
        from .lesson_pane import LessonPane

        sections = [
            ("Keys", self.BINDINGS),
            ("Network tab", NetworkPane.BINDINGS),
            ("Lesson tab", LessonPane.BINDINGS),
            ("Dialogs", ConfirmDialog.BINDINGS),
        ]
        self.push_screen(self.kept_screen("help", lambda: HelpScreen(sections)))

    def confirm(self, question: str, answered: Callable[[bool | None], Any]) -> None:
        """Ask a yes/no question; `answered` gets True for yes."""
        from .dialogs import ConfirmDialog

        dialog = self.kept_screen("confirm", ConfirmDialog)
        self.push_screen(dialog.ask(question), answered)  # type: ignore[attr-defined]

    async def settle(self, timeout: float = SETTLE_TIMEOUT_S) -> None:
        """Wait for the panes that mount after the first frame (briefly): exiting while one is
        mounting breaks Textual's widgets mid-mount (a traceback on a quick quit)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._mounting_later() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)

    def _mounting_later(self) -> bool:
        try:
            plots = self.query_one(PlotsPane)
        except NoMatches:
            return False
        fields = [pane for pane in self.query(DeferredFields) if not pane.built]
        return bool(fields) or plots.plots is None or self.lesson is None

    def kept_screen(self, name: str, build: Callable[[], Screen[Any]]) -> Screen[Any]:
        """The screen `name`, built on first use and kept: building a screen costs tens of
        milliseconds of the UI thread, and a closed one leaves thousands of objects for the
        garbage collector."""
        if not self.is_screen_installed(name):
            self.install_screen(build(), name)
        return self.get_screen(name)

    async def action_quit(self) -> None:
        self.runs.quit()  # while training: stop, keep running in the background, or cancel

    def action_runs(self) -> None:
        if not self.screen.is_modal:
            self.runs.show_runs()

    async def on_unmount(self) -> None:
        self._stop_trainer()
        if self._loop_monitor is not None:
            self._loop_monitor.stop()

    # -- signals --------------------------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        # SIGHUP, SIGINT, SIGTERM -> _on_signal, with a watchdog (see signals.py)
        SignalGuard(self).install()

    def _on_signal(self, signum: int) -> None:
        """SIGHUP (the terminal went away) while training keeps the run going on its own;
        SIGHUP otherwise, SIGINT and SIGTERM stop it (after its checkpoint) and exit."""
        self.exit_status = 128 + signum
        if signum == signal.SIGHUP and self.state in ("running", "starting"):
            self.runs.keep_running()
        else:
            self.runs.stop_and_exit()


def run_app(
    preset: str | None = None, *, attach: str | Path | None = None, run: Path | None = None
) -> int:
    """Open the app with a preset name or file (default: xor), or attached to the trainer at
    the socket `attach` that trains the run folder `run`; returns the exit status."""
    try:
        if run is not None:
            path, loaded = None, load_preset(Path(run) / "preset.toml")
        else:
            path = resolve_preset(preset if preset is not None else "xor")
            loaded = load_named(str(path))
    except TuiNnError as error:
        print(f"tui-nn: error: {error}", file=sys.stderr)
        return 2
    app = TuiNnApp(loaded, path, handle_signals=True, attach=attach)
    try:
        app.run()
    finally:
        app._stop_trainer()
    if app.runs.farewell:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            print(app.runs.farewell, flush=True)
    code = app.return_code
    return code if code is not None else app.exit_status
