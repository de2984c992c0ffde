"""The baseline for the startup benchmark: a bare Textual app with a header, a label and a footer."""

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Label


class BareApp(App):
    BINDINGS = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("bare")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
