"""The notice shown in place of the layout on a terminal below the minimum size."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

MIN_WIDTH = 60
MIN_HEIGHT = 18


class TooSmall(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def check(self, width: int, height: int) -> bool:
        """Shown (and False) when `width` x `height` is too small for the layout."""
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.display = small
        text = f"terminal too small: need at least {MIN_WIDTH}x{MIN_HEIGHT}, have {width}x{height}"
        if len(text) > width:
            text = text.replace(": ", ":\n", 1)
        self.update(Content(text + "\n(q quits)"))
        return not small
