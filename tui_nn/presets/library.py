"""The presets a user can name: the built-in ones and the user's own, found by file stem.

A user preset shadows a built-in one of the same stem. `slugify` turns a typed title into the
stem a new user preset is saved under.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tui_nn.errors import PresetError
from tui_nn.spec import Preset

from .files import load_preset
from .folders import builtin_presets_dir, user_presets_dir
from .messages import did_you_mean, listing, one_line, show

__all__ = ["PresetInfo", "list_presets", "load_named", "resolve_preset", "slugify"]


@dataclass
class PresetInfo:
    """One preset file found on disk."""

    name: str  # the file stem, used on the command line
    title: str  # the preset's own `name`
    description: str
    path: Path
    builtin: bool


def _preset_files(folder: Path) -> list[Path]:
    try:
        found = [f for f in folder.glob("*.toml") if not f.name.startswith(".") and f.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda f: f.stem)


def _info(path: Path, builtin: bool) -> PresetInfo:
    try:
        preset = load_preset(path)
    except PresetError as exc:
        return PresetInfo(path.stem, path.stem, f"(invalid: {exc})", path, builtin)
    return PresetInfo(path.stem, preset.name, preset.description, path, builtin)


def list_presets() -> list[PresetInfo]:
    """Built-in presets (by stem), then the user's; broken files are listed as invalid."""
    out = [_info(f, True) for f in _preset_files(builtin_presets_dir())]
    out += [_info(f, False) for f in _preset_files(user_presets_dir())]
    return out


def resolve_preset(name_or_path: str | os.PathLike[str]) -> Path:
    """A preset's file: an existing path or a `.toml` path, else a user or built-in stem."""
    text = os.fspath(name_or_path)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    if not text.strip():
        raise PresetError("empty preset name")
    p = Path(text).expanduser()
    looks_like_path = (
        text.lower().endswith(".toml") or "/" in text or (os.sep != "/" and os.sep in text)
    )
    try:
        if p.is_file():
            return p
    except (OSError, ValueError):
        pass
    if looks_like_path:
        raise PresetError(f"preset file not found: {p}")
    for folder in (user_presets_dir(), builtin_presets_dir()):
        candidate = folder / f"{text}.toml"
        try:
            if candidate.is_file():
                return candidate
        except (OSError, ValueError):
            continue
    names = sorted({info.name for info in list_presets()})
    hint = did_you_mean(text, names)
    available = listing(names) if names else "(none found)"
    raise PresetError(
        one_line(
            f"unknown preset {show(text)}; {hint}available: {available} "
            "(or give the path of a .toml file)"
        )
    )


def load_named(name_or_path: str | os.PathLike[str]) -> Preset:
    """Load a preset by stem (user first, then built-in) or by path."""
    return load_preset(resolve_preset(name_or_path))


_RESERVED_STEMS = {"con", "prn", "aux", "nul"} | {
    f"{d}{i}" for d in ("com", "lpt") for i in range(10)
}


def slugify(title: str) -> str:
    """A safe file stem for a typed preset name: lower-case ASCII letters, digits and '-'."""
    text = unicodedata.normalize("NFKD", str(title)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")
    if not slug:
        return "preset"
    if slug in _RESERVED_STEMS:
        slug += "-preset"
    return slug
