"""What the trainer's main thread takes from its inbox besides commands: the transport's own
notes from the accept and reader threads of `tui_nn.trainer.server`."""

from __future__ import annotations

from dataclasses import dataclass

from tui_nn.trainer.connection import AppConnection
from tui_nn.trainer.protocol import Command


@dataclass(frozen=True)
class Attached:
    """An app connected: welcome it before any of its commands."""


@dataclass(frozen=True)
class Gone:
    """An app's connection ended."""

    connection: AppConnection


@dataclass(frozen=True)
class Wake:
    """A signal asked the trainer to stop: wakes the main loop when it is idle."""


Inbox = Command | Attached | Gone | Wake
