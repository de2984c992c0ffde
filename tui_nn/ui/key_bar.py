"""`KeyBar`: the footer line. The keys of its screen's active bindings (those with `show`) as
`key Description`, disabled ones dim; clicking one presses its key.

Textual's `Footer` shows the same with one widget per key, all rebuilt whenever the bindings
change (each focus move, each screen opened or closed): a dozen widgets mounted, and later
collected, every time. On a 2-core machine that alone stalled the event loop over 50 ms when a
dialog opened; this bar redraws one line of text instead.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("", id=id, markup=False)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.show_keys)  # the focus, hence the bindings, settle first

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen:
            self.show_keys()

    def show_keys(self) -> None:
        self.update(self.keys_content(), layout=False)

    def keys_content(self) -> Content:
        items: list[str] = []
        actions: set[str] = set()
        for binding, enabled in (
            (active.binding, active.enabled) for active in self.screen.active_bindings.values()
        ):
            if not binding.show or binding.action in actions:
                continue  # one entry per action, as Textual's footer does
            actions.add(binding.action)
            key = escape(self.app.get_key_display(binding))
            click = f"@click=app.simulate_key({binding.key!r})"
            style = f"bold $footer-key-foreground {click}" if enabled else f"dim {click}"
            text = f"[{style}]{key}[/]"
            if binding.description:
                text += f" [{'' if enabled else 'dim '}{click}]{escape(binding.description)}[/]"
            items.append(text)
        return Content.from_markup(" ".join(items))
