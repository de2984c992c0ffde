"""What the trainer process trains: the loaded preset's network (the lead, which the lesson views
show) and, for a preset that compares variants, the others beside it (`Race`), each with its run
(`RunKeeper`). The server (`TrainerServer`) takes commands and drives the training loops; this
is their state, built, changed and closed together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui_nn.errors import TuiNnError
from tui_nn.trainer import protocol
from tui_nn.trainer.race import Race
from tui_nn.trainer.reports import loaded_event
from tui_nn.trainer.run_keeper import RunKeeper

if TYPE_CHECKING:  # imports torch, which loads once the trainer is up
    from tui_nn.training import Trainer

__all__ = ["Networks"]


class Networks:
    def __init__(self, send: Callable[[protocol.Event], None], socket_path: str | None) -> None:
        self.send = send
        self.lead: Trainer | None = None
        self.loaded: protocol.Loaded | None = None  # what a newly attached app is sent
        self.load_error: str | None = None  # why the last preset could not be loaded
        self.run = RunKeeper(send, socket_path)  # the lead's run: its folder and record
        self.race = Race(send, socket_path)  # a comparison's other networks, if any

    def require(self) -> Trainer:
        if self.lead is None:
            if self.load_error is not None:
                raise TuiNnError(f"the preset could not be loaded: {self.load_error}")
            raise TuiNnError("no preset is loaded in the trainer")
        return self.lead

    @property
    def others(self) -> list[Trainer]:
        """A comparison's networks besides the lead."""
        return [member.trainer for member in self.race.members]

    def pairs(self) -> list[tuple[Trainer, RunKeeper]]:
        """Every network and its run, the lead's first ([] before a preset is loaded)."""
        if self.lead is None:
            return []
        members = [(member.trainer, member.keeper) for member in self.race.members]
        return [(self.lead, self.run), *members]

    # -- loading ----------------------------------------------------------------------------

    def load(self, preset_dict: dict[str, Any]) -> protocol.Loaded:
        """Build the preset's networks in place of the last ones (whose runs are closed)."""
        from tui_nn.presets import preset_from_dict
        from tui_nn.presets.compare import variants
        from tui_nn.training import Trainer

        self.close_runs("stopped")
        self.run.forget()
        self._drop()
        try:
            preset = preset_from_dict(preset_dict, source="the app")
            compared = variants(preset)  # [] unless it compares variants
            lead = Trainer(
                compared[0].preset if compared else preset,
                on_event=self.run.metrics,
                on_epoch_end=self.run.epoch_ended,
            )
            if compared:
                self.race.build(preset, compared, lead)
        except TuiNnError as error:
            self.race.clear()
            self.load_error = str(error)
            raise
        self.load_error = None
        self.lead = lead
        race = self.race
        self.loaded = loaded_event(
            lead, name=preset.name, compared=race.compared, variants=race.labels
        )
        return self.loaded

    def resume(self, path: str) -> None:
        """Load a run folder's preset and last checkpoint; `Start` then continues that run."""
        from tui_nn.presets import load_preset, preset_to_dict

        if self.run.is_folder(path) or self.race.members:
            self.close_runs("stopped")  # its own run, continued: free its lock

        def load(preset_file: str) -> Trainer:
            self.send(self.load(preset_to_dict(load_preset(preset_file))))
            return self.require()

        self.run.resume(path, load)

    def _drop(self) -> None:
        self.race.clear()
        old, self.lead, self.loaded = self.lead, None, None
        if old is not None:
            from tui_nn.training import release_device_memory

            device = old.device
            del old
            release_device_memory(device)

    # -- changes ----------------------------------------------------------------------------

    def reset(self) -> None:
        """Fresh weights for every network; their runs so far are closed."""
        self.require()
        self.close_runs("stopped")
        for trainer, keeper in self.pairs():
            keeper.forget()
            trainer.reset()

    def set_learning_rate(self, value: float) -> None:
        """The preset's learning rate: every network's, except where the networks compare it."""
        self.require().set_learning_rate(value)
        if self.race.compared != "train.learning_rate":
            for trainer in self.others:
                trainer.set_learning_rate(value)

    def set_epochs(self, epochs: int) -> None:
        self.require()
        for trainer, keeper in self.pairs():
            trainer.set_epochs(epochs)
            state = trainer.state
            if state.status == "done" and state.stop_reason == "epochs" and epochs > state.epoch:
                keeper.extend(trainer)  # the budget had ended it: `Start` goes on

    def set_weights(self, layers: list[protocol.LayerWeights]) -> None:
        self.require().set_weights(layers)
        for trainer in self.others:  # those of the same shapes: all alike again
            with contextlib.suppress(TuiNnError):
                trainer.set_weights(layers)

    def refuse_one_network_step(self) -> None:
        """The Backprop view's step trains one network: not while several train side by side."""
        if self.race.members:
            raise TuiNnError(
                "the Backprop view steps one network and this preset compares "
                f"{len(self.race.labels)}: space trains them all side by side"
            )

    # -- runs -------------------------------------------------------------------------------

    def app_attached(self, attached: bool) -> None:
        self.run.app_attached(attached)  # the lead's, also before a preset is loaded
        for member in self.race.members:
            member.keeper.app_attached(attached)

    def welcome(self) -> None:
        """Each run's folder and record, for a newly attached app."""
        for _, keeper in self.pairs():
            keeper.welcome()

    def begin(self, go_on: bool) -> list[Trainer]:
        """The networks about to train (`go_on`: those that ended "done" too, in the same
        runs), their runs started (a first start makes the folders)."""
        pairs = self.pairs()
        for trainer, keeper in pairs:
            if trainer.finished and go_on:
                keeper.extend(trainer)
        folders = self.race.run_folders([keeper for _, keeper in pairs])
        training = []
        for (trainer, keeper), out in zip(pairs, folders, strict=True):
            if not trainer.finished:
                keeper.starting(trainer, out)
                training.append(trainer)
        return training

    def paused(self) -> None:
        """Each network that can go on has its checkpoint (before the app sees it paused)."""
        for trainer, keeper in self.pairs():
            if not trainer.finished:
                keeper.paused(trainer)

    def ended(self, trainer: Trainer) -> None:
        """`trainer`'s run ended (its stop rules or budget; the others may train on): its
        summary, then its run closed. Once all have ended, the comparison's folder says so."""
        for network, keeper in self.pairs():
            if network is trainer and keeper.session is not None:
                summary = trainer.summary()
                keeper.send(summary)
                keeper.close(trainer, summary.status, message=summary.message, summary=summary)
        if all(network.finished for network, _ in self.pairs()):
            self.race.finished()

    def close_runs(self, status: str) -> None:
        self.run.close(self.lead, status)
        self.race.close(status)
