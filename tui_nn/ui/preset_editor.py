"""The preset the trainer has (the committed one) and the one the panes describe (the candidate).

An edit in the Network or Training pane applies when it is complete (`FieldsEdited` with
`commit`): the learning rate and the epoch budget go to the trainer at once, also while training
(raising the epochs of a run that its budget ended lets it go on); any other change reloads the
preset, asking first when that discards a run (and putting the panes back
when the answer is no). Another preset (from the list, a file, a run folder) is offered the same
way. While a field is invalid nothing is applied, and what would start, train or save says why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.content import Content
from textual.widgets import Static

from tui_nn.errors import PresetError
from tui_nn.presets import load_preset, preset_from_dict, preset_to_dict
from tui_nn.presets.compare import rebased
from tui_nn.spec import Preset
from tui_nn.trainer import protocol

from .panes.network import NetworkPane
from .panes.plots import PlotsPane
from .panes.presets import PresetsPane
from .panes.race_line import RaceLine
from .panes.status_bar import StatusBar
from .panes.training import TrainingPane
from .trainer_link import TrainerLink

RESET_QUESTION = (
    "This starts a fresh run (only the learning rate and the epochs change a run as it goes). "
    "Continue?"
)
NOT_APPLIED = "not applied: "


LIVE_SETTINGS = ("learning_rate", "epochs")  # what changes a run in progress without a reset


class PresetEditor:
    """See the module docstring. `committed` is what the trainer has (or will have) loaded;
    `path` the file it came from (None: not from a file)."""

    def __init__(self, app: App[Any], link: TrainerLink, preset: Preset, path: Path | None) -> None:
        self.app = app
        self.link = link
        self.committed = preset
        self.path = path
        self._asking = False  # a yes/no question about discarding the run is open
        self.on_load: Callable[[Preset], None] | None = None  # after each Load it sends

    @property
    def asking(self) -> bool:
        return self._asking

    # -- the panes ------------------------------------------------------------------------

    def candidate(self) -> tuple[Preset | None, list[str]]:
        """The preset the panes describe, or None and the reasons it is invalid."""
        network = self.app.query_one(NetworkPane)
        training = self.app.query_one(TrainingPane)
        errors = network.errors() + training.errors()
        if errors:
            return None, errors
        model = network.read_model()
        specs = training.read()
        if model is None or specs is None:
            return None, ["a field is invalid"]
        train, data = specs
        edited = dataclasses.replace(self.committed, model=model, train=train, data=data)
        preset = rebased(edited, self.committed)
        try:
            preset = preset_from_dict(preset_to_dict(preset), source="the settings")
        except PresetError as error:
            return None, [str(error).removeprefix("the settings: ")]
        return preset, []

    def pending(self, candidate: Preset) -> bool:
        return preset_to_dict(candidate) != preset_to_dict(self.committed)

    def live_changes(self, candidate: Preset) -> list[protocol.Command] | None:
        """The commands that change the run in progress to `candidate` without a reset, when
        only the settings that can change live differ: the learning rate and the epoch budget
        (None: anything else differs). The rest changes the network, its data or its batches
        (the batch size, the optimizer and its moments, the loss), so it starts a fresh run."""
        a = preset_to_dict(candidate)
        b = preset_to_dict(self.committed)
        for key in LIVE_SETTINGS:
            a["train"].pop(key, None)
            b["train"].pop(key, None)
        if a != b:
            return None
        new, old = candidate.train, self.committed.train
        compared = candidate.compare.key if candidate.compare is not None else ""
        if compared == "train.learning_rate" and new.learning_rate != old.learning_rate:
            return None  # the networks are named by their learning rates: a fresh comparison
        commands: list[protocol.Command] = []
        if new.learning_rate != old.learning_rate:
            commands.append(protocol.SetLearningRate(value=new.learning_rate))
        if new.epochs != old.epochs:
            commands.append(protocol.SetEpochs(value=new.epochs))
        return commands

    async def show(self, preset: Preset) -> None:
        """Fill every pane from `preset` (dropping edits)."""
        await self.app.query_one(NetworkPane).set_model(preset.model)
        self.app.query_one(TrainingPane).set_preset(preset.train, preset.data)
        self.show_title()

    def show_title(self) -> None:
        name = self.committed.name
        where = f" ({self.path.name})" if self.path is not None else ""
        parts: list[str | tuple[str, str]] = [
            (" tui-nn ", "bold reverse"),
            "  ",
            (name, "bold"),
            (where, "dim"),
        ]
        if self.committed.description:
            parts += [("  " + self.committed.description, "dim italic")]
        self.app.query_one("#title", Static).update(Content.assemble(*parts), layout=False)
        self.app.sub_title = name

    def commit(self, preset: Preset, path: Path | None = None) -> None:
        """Make `preset` (from `path`) the committed one, without loading it (a run's own)."""
        self.committed, self.path = preset, path

    async def adopt(self, preset: Preset, path: Path | None = None) -> None:
        """Commit `preset` and show it in the panes."""
        self.commit(preset, path)
        await self.show(preset)

    def save(self) -> None:
        """Ask a name and save the edited preset to the user's presets folder (not while a field
        is invalid); it is then the committed preset's name and file."""
        from .screens.dialogs import SaveDialog

        candidate, errors = self.candidate()
        if candidate is None:
            self.refuse("save", errors)
            return

        def saved(path: Path | None) -> None:
            if path is None:
                return
            try:
                name = load_preset(path).name
            except PresetError:
                name = candidate.name
            self.committed = dataclasses.replace(self.committed, name=name)
            self.path = path
            self.show_title()
            self.app.query_one(PresetsPane).reload(current=path)
            self.app.query_one(StatusBar).show(message=f"saved {path}")
            self.app.notify(f"saved {path}", markup=False, timeout=3)

        self.app.push_screen(SaveDialog(candidate), saved)

    def open(self) -> None:
        """Ask for a preset file and offer it."""
        from .screens import kept_screen
        from .screens.dialogs import OpenDialog

        def opened(result: tuple[Preset, Path] | None) -> None:
            if result is not None:
                self.offer(*result)

        self.app.push_screen(kept_screen(self.app, "open", OpenDialog), opened)

    # -- committing -----------------------------------------------------------------------

    def load(self, preset: Preset, resume: Path | None = None) -> None:
        """Load `preset` into the trainer (or `resume` a run folder: its preset and checkpoint)."""
        self.committed = preset
        self.link.loading()
        if resume is not None:
            self.link.send(protocol.Resume(path=str(resume)))
        else:
            self.link.send(protocol.Load(preset=preset_to_dict(preset)))
        if self.on_load is not None:
            self.on_load(preset)
        self._clear_progress()
        self.app.query_one(StatusBar).show(epochs=preset.train.epochs, message="")
        self.show_title()
        if self.link.process is not None:
            self.link.set_status("loading")

    def _clear_progress(self) -> None:
        """A fresh run: no curves, no figures."""
        self.app.query_one(PlotsPane).clear()
        self.app.query_one(RaceLine).clear()
        self.app.query_one(StatusBar).clear_metrics()

    def ensure_trainer(self) -> bool:
        """A live trainer with the committed preset loaded; restarts one after a failure."""
        return self.link.ensure(lambda: self.load(self.committed))

    def apply(self, candidate: Preset, then: Callable[[], None] | None = None) -> None:
        """Make `candidate` the committed preset: the learning rate alone applies at once;
        anything else reloads (asking first when that discards a run)."""
        if not self.pending(candidate):
            if then is not None:
                then()
            return
        live = self.live_changes(candidate)
        if live is not None:
            self.committed = candidate
            for command in live:
                self.link.send(command)
            self.app.query_one(StatusBar).show(epochs=candidate.train.epochs)
            if then is not None:
                then()
            return
        if not self.link.run_exists:
            self.load(candidate)
            if then is not None:
                then()
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                self.load(candidate)
                if then is not None:
                    then()
            else:
                await self.show(self.committed)  # revert the edit

        self._ask(RESET_QUESTION, answered)

    def edited(self) -> None:
        """A pane's edit is complete: apply it, or say why it cannot be."""
        if self._asking:
            return
        status = self.app.query_one(StatusBar)
        candidate, errors = self.candidate()
        if candidate is None:
            status.show(message=NOT_APPLIED + errors[0], message_style="$error")
            return
        if str(status.fields["message"]).startswith(NOT_APPLIED):
            status.show(message="")  # the field is valid again
        self.apply(candidate)

    def with_edits(self, what: str, then: Callable[[], None]) -> None:
        """Apply pending edits (asking when needed), then `then()`; refuse while invalid."""
        candidate, errors = self.candidate()
        if candidate is None:
            self.refuse(what, errors)
            return
        if not self.ensure_trainer():
            return
        if self.link.load_error and not self.pending(candidate):
            # The trainer could not load this preset (a missing data folder...): say why
            # rather than send a command it can only refuse.
            self.refuse(what, [self.link.load_error])
            return
        self.apply(candidate, then)

    def reset(self) -> None:
        """Fresh weights: with the edited settings when they differ (a reload)."""
        candidate, errors = self.candidate()
        if candidate is None:
            self.refuse("reset", errors)
            return
        if self.link.available and not self.link.running:
            self.ensure_trainer()
        live = self.live_changes(candidate)
        if self.pending(candidate) and live is None:
            self.load(candidate)  # a reset with the new settings
        else:
            if self.pending(candidate):
                self.committed = candidate
                for command in live or []:
                    self.link.send(command)
            self.link.send(protocol.Reset())
            self.link.reset_progress()
            self._clear_progress()
        self.link.set_status("idle", message="weights reset")

    def offer(self, preset: Preset, path: Path | None) -> None:
        """Switch to another preset, asking first when a run would be lost."""

        async def use(yes: bool | None = True) -> None:
            if not yes:
                return
            await self.adopt(preset, path)
            self.load(preset)
            if path is not None:
                self.app.query_one(PresetsPane).highlight(path)
            self.app.notify(f"loaded {preset.name}", markup=False, timeout=2)

        if self.link.run_exists:
            self._ask(f"Load {preset.name}? {RESET_QUESTION}", use)
        else:
            self.app.call_later(use, True)

    def ask_if_run(self, question: str, then: Callable[[], Awaitable[Any]]) -> None:
        """Run `then()` at once, or after a yes when that ends the run in this app."""
        if not self.link.run_exists:
            self.app.call_later(then)
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                await then()

        self._ask(question, answered)

    def refuse(self, what: str, errors: list[str]) -> None:
        reason = errors[0] if errors else "a field is invalid"
        message = f"cannot {what}: {reason}"
        self.app.query_one(StatusBar).show(message=message, message_style="$error")
        self.app.notify(message, severity="error", markup=False)

    def _ask(self, question: str, answered: Callable[[bool | None], Awaitable[Any]]) -> None:
        """Ask `question` unless a question is open already, then `answered(yes)`."""
        if self._asking:
            return
        self._asking = True

        async def reply(yes: bool | None) -> None:
            self._asking = False
            await answered(yes)

        from .screens.dialogs import confirm

        confirm(self.app, question, reply)
