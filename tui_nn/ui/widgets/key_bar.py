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
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.show_keys)  # the focus, hence the bindings, settle first

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen:
            self.show_keys()

    def on_resize(self) -> None:
        self.show_keys()

    def show_keys(self) -> None:
        self.update(self.keys_content(self.size.width or None), layout=False)

    def keys_content(self, width: int | None = None) -> Content:
        """The keys as one line; narrower than `width` where given: descriptions go first from
        the right, the last two (help and quit, by the app's order) last of all."""
        keys: list[tuple[str, str, bool, str]] = []  # (key, description, enabled, key name)
        actions: set[str] = set()
        for binding, enabled in (
            (active.binding, active.enabled) for active in self.screen.active_bindings.values()
        ):
            if not binding.show or binding.action in actions:
                continue  # one entry per action, as Textual's footer does
            actions.add(binding.action)
            keys.append(
                (self.app.get_key_display(binding), binding.description, enabled, binding.key)
            )
        described = [bool(description) for _, description, _, _ in keys]
        order = [*range(len(keys) - 3, -1, -1), *range(len(keys) - 1, len(keys) - 3, -1)]
        for index in [None, *order]:
            if index is not None and index >= 0:
                described[index] = False
            content = _line(keys, described)
            if width is None or content.cell_length <= width:
                break
        return content


def _line(keys: list[tuple[str, str, bool, str]], described: list[bool]) -> Content:
    items: list[str] = []
    for (key, description, enabled, name), show in zip(keys, described, strict=True):
        click = f"@click=app.simulate_key({name!r})"
        style = f"bold $footer-key-foreground {click}" if enabled else f"dim {click}"
        text = f"[{style}]{escape(key)}[/]"
        if show:
            text += f" [{'' if enabled else 'dim '}{click}]{escape(description)}[/]"
        items.append(text)
    return Content.from_markup(" ".join(items))
