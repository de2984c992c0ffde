"""The app's screens and dialogs, each imported on first use (after the first frame)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen

S = TypeVar("S", bound=Screen[Any])


def kept_screen(app: App[Any], name: str, build: Callable[[], S]) -> S:
    """The screen `name`, built on first use and kept: building a screen costs tens of
    milliseconds of the UI thread, and a closed one leaves thousands of objects for the
    garbage collector."""
    if not app.is_screen_installed(name):
        app.install_screen(build(), name)
    screen = app.get_screen(name)
    return screen  # type: ignore[return-value] # installed under `name` by `build` above
