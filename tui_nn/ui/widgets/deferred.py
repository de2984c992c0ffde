"""Panes whose fields are mounted just after the app's first frame.

The Network and Training panes start in hidden tabs, and mounting their inputs and selects first
made the first frame wait about 0.4 s. Such a pane keeps its state in plain attributes, so it can
be given a preset before its fields exist; `on_built` then shows that state.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.compose import compose
from textual.css.query import NoMatches
from textual.widget import Widget


class DeferredFields(Widget):
    built = False

    def compose(self) -> ComposeResult:
        return iter(())

    def compose_fields(self) -> ComposeResult:
        """The pane's fields (each pane composes its own)."""
        return iter(())

    def on_mount(self) -> None:
        self.call_after_refresh(self._build)

    async def _build(self) -> None:
        if self.built or not self.is_attached or self.app.return_code is not None:
            return  # built, or the app is exiting
        await self.mount_all(compose(self, self.compose_fields()))
        self.built = True
        try:
            await self.on_built()
        except NoMatches:
            if self.is_attached and self.app.return_code is None:
                raise
            # The app began to exit while the fields mounted: they are going (a quick quit).

    async def on_built(self) -> None:
        """Show the pane's state in its freshly mounted fields."""
