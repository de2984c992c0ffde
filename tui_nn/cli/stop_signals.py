"""The signals that stop a headless command (`tui-nn train`, `tui-nn sweep`) the way a user
expects: at the next check, with a checkpoint saved, and the exit status a shell gives them."""

from __future__ import annotations

from typing import Any

__all__ = ["StopSignals", "signal_exit_status"]


def signal_exit_status(signal_name: str) -> int:
    """The exit status of a command a signal stopped, as a shell reports it (128 + signal)."""
    return {"SIGINT": 130, "SIGHUP": 129}.get(signal_name, 143)


class StopSignals:
    """SIGINT, SIGTERM and SIGHUP (the terminal hung up) ask the run to stop at the next check,
    so it can save a checkpoint; a second one stops at once (KeyboardInterrupt)."""

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self._previous: dict[int, Any] = {}

    def requested(self) -> bool:
        return self.signal_name is not None

    def _handle(self, signum: int, frame: object) -> None:
        import signal

        if self.signal_name is not None:  # a second signal: stop now
            if signum == signal.SIGHUP:
                return  # a hang-up comes from the kernel and the shell alike: not a second ask
            raise KeyboardInterrupt
        self.signal_name = signal.Signals(signum).name

    def __enter__(self) -> StopSignals:
        import signal

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
