"""Preset files on disk: read one (size-capped, UTF-8) and write one atomically.

Every failure, from a missing file to a full disk, is a one-line `PresetError` naming the path.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import partial
from pathlib import Path

from tui_nn.atomic import write_atomic
from tui_nn.errors import PresetError
from tui_nn.spec import Preset

from .convert import dump_preset, parse_preset
from .folders import is_in_builtin_folder, user_presets_dir
from .limits import MAX_FILE_BYTES
from .messages import one_line

__all__ = ["load_preset", "save_preset", "with_resolved_path"]

_NEW_FILE_MODE = 0o644  # a saved preset is the user's to share: readable by all, like a text file


def load_preset(path: str | os.PathLike[str]) -> Preset:
    """Read and validate a preset file; a relative `data.path` in it is relative to the file."""
    p = Path(os.fspath(path)).expanduser()
    try:
        with open(p, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise PresetError(f"preset file not found: {p}") from None
    except IsADirectoryError:
        raise PresetError(f"preset path is a folder, not a file: {p}") from None
    except PermissionError:
        raise PresetError(f"cannot read preset file {p}: permission denied") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PresetError(one_line(f"cannot read preset file {p}: {reason}")) from None
    if len(data) > MAX_FILE_BYTES:
        raise PresetError(f"{p}: preset file is too large (over {MAX_FILE_BYTES} bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PresetError(
            f"{p}: line {line}: not a UTF-8 text file (invalid byte at offset {exc.start})"
        ) from None
    return with_resolved_path(parse_preset(text, source=str(p)), p.parent)


def with_resolved_path(preset: Preset, folder: str | os.PathLike[str]) -> Preset:
    """The preset with a relative `data.path` made absolute against `folder` (a preset file's:
    its data lies beside it, wherever tui-nn runs from). `~` paths stay as written."""
    path = preset.data.path
    if path is None or path.startswith("~") or os.path.isabs(path):
        return preset
    resolved = os.path.normpath(os.path.join(os.path.abspath(folder), path))
    return replace(preset, data=replace(preset.data, path=resolved))


def save_preset(preset: Preset, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write the preset atomically to `path` (a .toml file); return the absolute path.

    An existing file keeps its permissions; with `overwrite=False` an existing file is an error.
    The built-in presets folder is refused."""
    p = Path(os.path.abspath(Path(os.fspath(path)).expanduser()))
    if is_in_builtin_folder(p):
        raise PresetError(
            f"cannot save into the built-in presets folder: {p}; save to {user_presets_dir()} "
            "or another folder"
        )
    text = dump_preset(preset)
    exists = f"preset file already exists: {p} (choose another name)"
    if not overwrite and p.exists():
        raise PresetError(exists)
    try:
        try:
            mode = p.stat().st_mode & 0o777
        except OSError:
            mode = _NEW_FILE_MODE
        write_atomic(p, partial(_write_utf8, text=text), overwrite=overwrite, mode=mode)
    except (OSError, ValueError) as exc:
        if isinstance(exc, FileExistsError) and not overwrite and p.exists():
            raise PresetError(exists) from None  # saved by someone else since the check above
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise PresetError(one_line(f"cannot save preset to {p}: {reason}")) from None
    return p


def _write_utf8(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))  # bytes: no newline translation on any system
