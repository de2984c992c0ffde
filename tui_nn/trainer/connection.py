"""How apps reach a trainer: one `AppConnection` per app (protocol lines in both directions), and
the Unix socket that `listen` serves for as long as the trainer lives (`tui-nn attach`)."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable
from typing import IO

from tui_nn.trainer import protocol
from tui_nn.trainer.protocol import Event


class AppConnection:
    """One app at the other end: commands come in, events go out, as protocol lines."""

    def __init__(self, reader: IO[str], writer: IO[str]) -> None:
        self.reader, self.writer = reader, writer
        self._lock = threading.Lock()

    def send(self, event: Event) -> bool:
        line = protocol.encode(event)
        with self._lock:
            try:
                self.writer.write(line)
                self.writer.flush()
            except (OSError, ValueError):
                return False
        return True

    def close(self) -> None:
        for stream in (self.reader, self.writer):
            with contextlib.suppress(OSError, ValueError):
                stream.close()


def listen(path: str, on_connect: Callable[[AppConnection], object]) -> None:
    """Accept apps on a Unix socket for as long as the process lives (`tui-nn attach`)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(2)

    def accept_forever() -> None:
        while True:
            connection, _ = listener.accept()
            stream = connection.makefile("rw", encoding="utf-8", newline="\n")
            on_connect(AppConnection(stream, stream))

    threading.Thread(target=accept_forever, daemon=True).start()
