"""Messages the panes and the trainer thread send to the app."""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.widget import Widget


class FieldsEdited(Message):
    """A pane's field changed. `commit` is true when the edit is complete (Enter, leaving the
    field, picking a choice, a button); false while typing (validation marks only)."""

    def __init__(self, pane: Widget, commit: bool) -> None:
        super().__init__()
        self.pane = pane
        self.commit = commit


class TrainerEvent(Message):
    """One event from the trainer process (sent from the reader thread)."""

    def __init__(self, event: dict[str, Any], generation: int) -> None:
        super().__init__()
        self.event = event
        self.generation = generation
