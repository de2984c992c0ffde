"""F1: every key with what it does, built from the BINDINGS of the app and its panes."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ..widgets.key_bar import KeyBar

TEXT_DELAY_S = 0.03
GENERAL_KEYS = [
    ("tab / shift+tab", "move between fields, buttons and lists"),
    ("left / right", "switch sidebar tabs (when the tab bar has focus)"),
    ("up / down", "move in lists; open a choice list"),
    ("enter", "pick, press, confirm a field (sends the change)"),
    ("escape", "close a dialog or this help; leave a text field"),
    ("right (at the end)", "take the grey completion (open dialog)"),
    ("ctrl+p", "command palette: every action by name"),
]

NOTES = (
    "Space starts or pauses from anywhere, number fields included (a number you typed is "
    "applied first). In a field where a space is text (the data path) it types a space: use "
    "F5 there. Changing the learning rate applies at once, also while training; other changes "
    "ask before resetting a run."
)


def _bindings(items: Iterable[BindingType]) -> list[Binding]:
    out: list[Binding] = []
    for item in items:
        if isinstance(item, Binding):
            out.append(item)
        else:
            key, action, *rest = item
            out.append(Binding(key, action, rest[0] if rest else ""))
    return out


class HelpScreen(ModalScreen[None]):
    """The key reference."""

    BINDINGS = [Binding("escape,f1,q", "dismiss_help", "Close help")]

    def __init__(self, sections: list[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def _key_text(self, binding: Binding) -> str:
        keys = []
        for key in binding.key.split(","):
            key = key.strip()
            try:
                shown = self.app.get_key_display(Binding(key, binding.action))
            except Exception:  # noqa: BLE001 - fall back to the raw key name
                shown = key
            keys.append(shown)
        return " / ".join(keys)

    def reference(self) -> Content:
        rows: list[Content] = []
        for title, items in self.sections:
            rows.append(Content.assemble((title, "bold underline")))
            for binding in _bindings(items):
                description = binding.tooltip or binding.description or binding.action
                rows.append(
                    Content.assemble((f"  {self._key_text(binding):<18}", "bold"), description)
                )
            rows.append(Content(""))
        rows.append(Content.assemble(("Everywhere", "bold underline")))
        for key, description in GENERAL_KEYS:
            rows.append(Content.assemble((f"  {key:<18}", "bold"), description))
        rows.append(Content(""))
        rows.append(Content(NOTES))
        return Content("\n").join(rows)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog"):
            yield Label("tui-nn keys (escape closes)", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static("", id="help-text")
        yield KeyBar()

    def on_mount(self) -> None:
        # The text a moment after the frame: drawing both at once stalled the UI thread ~60 ms.
        self.set_timer(TEXT_DELAY_S, self._show_reference)

    def _show_reference(self) -> None:
        self.query_one("#help-text", Static).update(self.reference())

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
