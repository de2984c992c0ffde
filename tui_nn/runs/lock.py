"""One trainer per run folder: an exclusive `flock` on the folder's `trainer.lock`, held by the
run's session from its start to its close.

The kernel drops a `flock` when its holder's file is closed, however the process ends (a crash,
`kill -9`), so a lock is never left stale: the file stays behind, but no one holds it. The holder
writes who it is into the file (pid, host, headless or an app's trainer, its socket), so that a
refused trainer can say where the run is training.

No torch here: `tui-nn train --resume` asks before it loads anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_nn.errors import TuiNnError

__all__ = ["LOCK", "Holder", "RunBusy", "RunLock", "holder_of"]

LOCK = "trainer.lock"


@dataclass(frozen=True)
class Holder:
    """Who trains a run: what its lock file says (fields are None where it says nothing)."""

    pid: int | None
    host: str | None
    headless: bool | None
    socket: str | None

    def where(self) -> str:
        """Where the run trains, for a message: "in process 123 (headless `tui-nn train`)"."""
        if self.pid is None:
            return "in another process"
        if self.headless is None:
            kind = "a trainer"
        else:
            kind = "headless `tui-nn train`" if self.headless else "an app's trainer"
        here = self.host is None or self.host == socket.gethostname()
        host = "" if here else f" on host {self.host}"
        return f"in process {self.pid}{host} ({kind})"


class RunBusy(TuiNnError):
    """Another trainer holds the run folder."""

    def __init__(self, path: Path, holder: Holder) -> None:
        self.path, self.holder = path, holder
        super().__init__(_busy_message(path, holder))


def _busy_message(path: Path, holder: Holder) -> str:
    if holder.headless is False:  # an app's trainer holds it while the app has it open
        message = f"run {path.name} is open {holder.where()}; a run has one trainer at a time"
        if holder.socket:
            return (
                f"{message}: `tui-nn attach {path.name}` reaches it while it trains in the "
                "background; else quit that app first"
            )
        return f"{message}: quit that app first"
    message = (
        f"run {path.name} is already training {holder.where()}; a run has one trainer at a time"
    )
    if holder.pid is not None and (holder.host is None or holder.host == socket.gethostname()):
        return (
            f"{message}: let it finish, or stop it with `kill -TERM {holder.pid}` "
            "(it saves a checkpoint) and resume it then"
        )
    return f"{message}: let it finish, or stop it first"


class RunLock:
    """The held lock of one run folder; `release` (or the end of the process) lets it go."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(
        cls, folder: Path, *, headless: bool = False, socket_path: str | None = None
    ) -> RunLock:
        """Lock `folder` (which exists) for this process's session, or raise `RunBusy`."""
        folder = Path(folder)
        fd = _open(folder)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunBusy(folder, holder) from None
        except OSError as error:
            os.close(fd)
            raise TuiNnError(f"cannot lock the run folder {folder}: {error.strerror}") from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "headless": headless,
            "socket": socket_path,
        }
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
        except OSError:
            pass  # the lock holds without its note; a refused trainer then says less
        return cls(folder, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __del__(self) -> None:
        self.release()


def holder_of(folder: Path) -> Holder | None:
    """Who holds `folder`'s lock now, or None when no trainer does.

    Asking takes the lock for an instant when it is free, so only a would-be trainer asks (the
    listings read run.json): a trainer starting in that instant would be refused."""
    path = Path(folder) / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise TuiNnError(f"cannot read {path}: {error.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _open(folder: Path) -> int:
    path = folder / LOCK
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as error:
        raise TuiNnError(f"cannot lock the run folder {folder}: {error.strerror}") from None


def _read_holder(fd: int) -> Holder:
    try:
        info: Any = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict):
        info = {}
    pid, host, headless, where = (info.get(k) for k in ("pid", "host", "headless", "socket"))
    return Holder(
        pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
        host if isinstance(host, str) else None,
        headless if isinstance(headless, bool) else None,
        where if isinstance(where, str) else None,
    )
