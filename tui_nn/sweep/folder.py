"""A sweep's folder: its runs' folders side by side, and sweep.json, which says what was swept.
The app's comparisons ([compare]) keep their networks' runs in one too (kind "compare").

    <runs>/<stamp>-sweep-<preset>/sweep.json         preset, seeds, --set keys, runs, status
    <runs>/<stamp>-compare-<preset>/preset.toml      a comparison's preset, [compare] and all
                                  /000-seed-0/...     one normal run folder per run
                                  /001-seed-1/...

`tui-nn runs` lists the runs of a sweep as `<sweep>/<run>` (`tui_nn.runs.listing`). The folder is
checked before anything is made (`plan_folder`) and made once the sweep begins. No torch.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from tui_nn.atomic import write_text_atomic
from tui_nn.errors import TuiNnError
from tui_nn.presets import slugify
from tui_nn.runs.listing import COMPARE_PRESET, SWEEP_FILE, runs_root
from tui_nn.spec import Preset

__all__ = ["SWEEP_FILE", "SweepFolder", "plan_folder"]


def plan_folder(out: str | None, preset_name: str, kind: str = "sweep") -> Path:
    """The sweep's folder: `out` (new or empty), else a new name in the user's runs folder
    (`<stamp>-<kind>-<preset>`; the app's comparisons are kind "compare"). Nothing is made yet."""
    if out is not None:
        path = Path(out).expanduser().absolute()
        if path.exists() and not path.is_dir():
            raise TuiNnError(f"--out {out}: a file of that name exists")
        if path.is_dir() and next(path.iterdir(), None) is not None:
            raise TuiNnError(f"--out {out}: the folder is not empty; give a new or empty folder")
        return path
    root = runs_root()
    base = f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{kind}-{slugify(preset_name)}"
    name, counter = base, 1
    while (root / name).exists():
        counter += 1
        name = f"{base}-{counter}"
    return root / name


class SweepFolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.info: dict[str, Any] = {}

    def start(self, **fields: Any) -> None:
        """Make the folder and write sweep.json ("running", with `fields`)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TuiNnError(
                f"cannot make the sweep folder {self.path}: {error.strerror or error}"
            ) from None
        started = datetime.now().isoformat(timespec="seconds")
        self.update(started=started, status="running", pid=os.getpid(), **fields)

    def write_preset(self, preset: Preset) -> None:
        """The preset the runs were made of (a comparison's, with its [compare] table)."""
        from tui_nn.presets import dump_preset

        try:
            write_text_atomic(self.path / COMPARE_PRESET, dump_preset(preset))
        except OSError as error:
            raise TuiNnError(
                f"cannot write {self.path / COMPARE_PRESET}: {error.strerror or error}"
            ) from None

    def update(self, **fields: Any) -> None:
        self.info.update(fields, updated=time.time())
        try:
            write_text_atomic(self.path / SWEEP_FILE, json.dumps(self.info, indent=1))
        except OSError as error:
            raise TuiNnError(
                f"cannot write {self.path / SWEEP_FILE}: {error.strerror or error}"
            ) from None
