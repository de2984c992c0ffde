"""Messages of the app: the panes' edits, and one Textual message per trainer event.

The trainer's events (`tui_nn.trainer.protocol`) become Textual messages in one place,
`trainer_message`, called by the reader thread of `TrainerLink`: each kind of event has its
message class here, so a handler is named after what it handles (`on_trainer_metrics`) and reads
the event's typed fields (`message.event.train_loss`).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from textual.message import Message
from textual.widget import Widget

from tui_nn.trainer import protocol

E = TypeVar("E", bound=protocol.Event)


class FieldsEdited(Message):
    """A pane's field changed. `commit` is true when the edit is complete (Enter, leaving the
    field, picking a choice, a button); false while typing (validation marks only)."""

    def __init__(self, pane: Widget, commit: bool) -> None:
        super().__init__()
        self.pane = pane
        self.commit = commit


class TrainerMessage(Message, Generic[E]):
    """One event of the trainer. `generation` names the trainer connection it came from: the
    link drops the events of a trainer it has let go (`TrainerLink.accept`)."""

    def __init__(self, event: E, generation: int) -> None:
        super().__init__()
        self.event = event
        self.generation = generation


class TrainerReady(TrainerMessage[protocol.Ready]):
    """The trainer is up: its devices (and its pid)."""


class TrainerLoaded(TrainerMessage[protocol.Loaded]):
    """A preset is loaded: data and network sizes, steps per epoch."""


class TrainerRunOpened(TrainerMessage[protocol.RunOpened]):
    """The run folder of the run in the trainer."""


class TrainerState(TrainerMessage[protocol.State]):
    """The trainer's state (after every command and whenever it changes)."""


class TrainerMetrics(TrainerMessage[protocol.Metrics]):
    """Training progress (about 10 a second while training)."""


class TrainerHistory(TrainerMessage[protocol.History]):
    """What the run in progress has recorded, for an app that attached to it."""


class TrainerDeviceStats(TrainerMessage[protocol.DeviceStats]):
    """The trainer process and its device (about once a second)."""


class TrainerSnapshot(TrainerMessage[protocol.Snapshot]):
    """What the lesson views draw."""


class TrainerBackprop(TrainerMessage[protocol.Backprop]):
    """One sample's backpropagation, for the Backprop lesson view."""


class TrainerSummary(TrainerMessage[protocol.Summary]):
    """The end of a run."""


class TrainerError(TrainerMessage[protocol.Error]):
    """A command failed."""


class TrainerExited(TrainerMessage[protocol.Exited]):
    """The connection to the trainer ended."""


MESSAGES: dict[type[Any], type[TrainerMessage[Any]]] = {
    protocol.Ready: TrainerReady,
    protocol.Loaded: TrainerLoaded,
    protocol.RunOpened: TrainerRunOpened,
    protocol.State: TrainerState,
    protocol.Metrics: TrainerMetrics,
    protocol.History: TrainerHistory,
    protocol.DeviceStats: TrainerDeviceStats,
    protocol.Snapshot: TrainerSnapshot,
    protocol.Backprop: TrainerBackprop,
    protocol.Summary: TrainerSummary,
    protocol.Error: TrainerError,
    protocol.Exited: TrainerExited,
}


def trainer_message(event: protocol.Event, generation: int) -> TrainerMessage[Any]:
    """The Textual message for one trainer event (the only place events become messages)."""
    return MESSAGES[type(event)](event, generation)
