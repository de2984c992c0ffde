"""Atomic file writes: a temp file in the same folder, flushed and fsynced, then os.replace."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomic", "write_text_atomic"]


def write_atomic(
    path: Path,
    write: Callable[[Path], None],
    *,
    overwrite: bool = True,
    mode: int | None = None,
) -> None:
    """Call `write(temp_path)` and move the result over `path` in one step.

    Either the old file or the complete new one is on disk at every moment; the temp file lives in
    the same folder because a rename across file systems is not atomic. With `overwrite=False` an
    existing `path` is left alone and `FileExistsError` raised (atomically where the file system has
    hard links). `mode` sets the new file's permission bits (else the temp file's 0o600 stays)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        write(temp)
        with open(temp, "rb+") as handle:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, path)
        else:
            _move_no_clobber(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_folder(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` as UTF-8 to `path` atomically (see `write_atomic`)."""

    def write(temp: Path) -> None:
        temp.write_text(text, encoding="utf-8")

    write_atomic(path, write)


def _move_no_clobber(temp: Path, path: Path) -> None:
    """Move `temp` to `path` unless `path` exists: a hard link where the file system allows one,
    else a check and a replace (not atomic, but no file system is left without a way to save)."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError:
        if path.exists():
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(temp, path)
        return
    temp.unlink()


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
