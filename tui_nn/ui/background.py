"""Reading files off the UI thread: `in_thread` runs the work in a daemon thread and hands its
result to the UI thread, unless cancelled meanwhile (a run no longer shown)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual import events
from textual.app import App

T = TypeVar("T")

__all__ = ["in_thread"]


def in_thread(
    app: App[Any],
    work: Callable[[], T],
    done: Callable[[T], Any],
    *,
    name: str = "tui-nn-read",
    cancel: threading.Event | None = None,
) -> threading.Event:
    """`work()` in a daemon thread, then `done(result)` on the UI thread; set the returned event
    (`cancel`, when given: work that looks at it stops early) to cancel: `done` is then not
    called."""
    cancel = cancel if cancel is not None else threading.Event()

    def run() -> None:
        result = work()
        if cancel.is_set():
            return

        def deliver() -> None:
            if not cancel.is_set():
                done(result)

        with contextlib.suppress(Exception):  # the app may be gone
            app.post_message(events.Callback(callback=deliver))

    threading.Thread(target=run, daemon=True, name=name).start()
    return cancel
