"""`python -m tui_nn.trainer.server`'s command line: a socket trainer (`--socket PATH`) or one
on stdin/stdout, with its signals (SIGTERM and SIGINT save a checkpoint and end)."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from typing import Any

from tui_nn.trainer.connection import AppConnection, listen
from tui_nn.trainer.server import TrainerServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tui_nn.trainer.server")
    parser.add_argument("--socket", help="serve apps on this Unix socket instead of stdin/stdout")
    args = parser.parse_args(argv)
    if args.socket:
        server = TrainerServer(detachable=True, socket_path=args.socket)
        listen(args.socket, server.connect)
    else:
        # Events own the real stdout; anything else printed goes to stderr and cannot corrupt them.
        events = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
        sys.stdout = sys.stderr
        server = TrainerServer(AppConnection(sys.stdin, events))

    def request_stop(signum: int, frame: Any) -> None:
        server.request_stop()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a closed terminal must not end a run
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        if args.socket:
            with contextlib.suppress(OSError):
                os.unlink(args.socket)
