"""Preset files: load, validate, save and find the TOML files that describe an experiment.

A preset file mirrors the dataclasses in `tui_nn.spec` (top-level `schema`, `name`,
`description`, then `[data]`, `[model]`, `[[model.layers]]` and `[train]` tables). Loading is
strict: every problem becomes a one-line `PresetError` naming the file, the line (when it can
be found), the dotted field, what is wrong and what is allowed. Nothing in a file is ever
executed, and no input whatsoever raises anything but `PresetError`.

The modules, one job each:

- `limits`: the numeric limits of the fields (shared with the UI and the CLI)
- `schema`: validation of a raw dict into the dataclasses
- `messages`: the wording of error messages
- `toml_lines`: the line of each key in TOML text, for those messages
- `convert`: a Preset to and from TOML text and plain dicts
- `files`: reading and (atomically) writing preset files
- `folders`: the built-in and the user's preset folders
- `library`: the presets found there, by name

This package must not import torch or textual.
"""

from __future__ import annotations

from .convert import dump_preset, parse_preset, preset_from_dict, preset_to_dict
from .files import load_preset, save_preset
from .folders import builtin_presets_dir, user_presets_dir
from .library import PresetInfo, list_presets, load_named, resolve_preset, slugify

__all__ = [
    "PresetInfo",
    "builtin_presets_dir",
    "dump_preset",
    "list_presets",
    "load_named",
    "load_preset",
    "parse_preset",
    "preset_from_dict",
    "preset_to_dict",
    "resolve_preset",
    "save_preset",
    "slugify",
    "user_presets_dir",
]
