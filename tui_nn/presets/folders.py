"""Where presets live: the read-only built-in folder and the user's own folder.

The built-in presets are the repository's `presets/` folder; a wheel ships a copy of it as
`tui_nn/builtin_presets` (see `force-include` in pyproject.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = [
    "builtin_preset_folders",
    "builtin_presets_dir",
    "is_in_builtin_folder",
    "user_presets_dir",
]

_PACKAGE = Path(__file__).resolve().parent.parent  # the tui_nn folder


def builtin_preset_folders() -> list[Path]:
    """Where built-in presets may be, in order: the wheel's copy, then the source checkout's."""
    return [_PACKAGE / "builtin_presets", _PACKAGE.parent / "presets"]


def builtin_presets_dir() -> Path:
    """The folder of built-in presets (packaged copy first, then the source checkout's)."""
    candidates = builtin_preset_folders()
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


def user_presets_dir() -> Path:
    """The user's preset folder (honours XDG_CONFIG_HOME on Linux); may not exist yet."""
    return Path(platformdirs.user_config_path("tui-nn")) / "presets"


def is_in_builtin_folder(path: Path) -> bool:
    """Whether `path` is a built-in presets folder or lies inside one (links resolved)."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):
        target = Path(os.path.abspath(path))
    for c in builtin_preset_folders():
        try:
            base = c.resolve()
        except (OSError, RuntimeError):
            continue
        if target == base or target.is_relative_to(base):
            return True
    return False
