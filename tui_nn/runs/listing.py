"""Reading run folders: where they are, what each run.json says, which trainer is alive.

No torch here: `tui-nn runs`, `tui-nn attach` and the app's runs screen read folders before (or
without) loading it.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from tui_nn.errors import TuiNnError

CHECKPOINT = "checkpoint.safetensors"
SWEEP_FILE = "sweep.json"  # marks a sweep's folder, whose run folders are inside it
COMPARE_PRESET = "preset.toml"  # in a comparison's folder: the preset that compares its runs


def comparison_preset(run: Path) -> Path | None:
    """The preset file of the comparison that the run at `run` is one network of, if any."""
    folder = Path(run).parent
    preset = folder / COMPARE_PRESET
    return preset if (folder / SWEEP_FILE).is_file() and preset.is_file() else None


def runs_root() -> Path:
    return platformdirs.user_data_path("tui-nn") / "runs"


def read_run_info(path: Path) -> dict[str, Any]:
    try:
        info = json.loads((Path(path) / "run.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TuiNnError(f"not a run folder (no run.json): {path}") from None
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise TuiNnError(f"cannot read {Path(path) / 'run.json'}: {error}") from None
    if not isinstance(info, dict):
        raise TuiNnError(f"{Path(path) / 'run.json'} is damaged")
    return info


def has_checkpoint(path: Path) -> bool:
    """True when the run at `path` has a checkpoint to resume from."""
    return (Path(path) / CHECKPOINT).is_file()


def resume_command(path: Path, root: Path | None = None) -> str:
    """The `tui-nn train --resume RUN` that continues the run at `path`: RUN is its id when the
    runs folder holds it (what `tui-nn runs` lists), else its absolute path."""
    path = Path(path)
    root = runs_root() if root is None else Path(root)
    try:
        listed = (root / path.name).resolve() == path.resolve()
    except OSError:
        listed = False
    return f"tui-nn train --resume {shlex.quote(path.name if listed else str(path.absolute()))}"


@dataclass
class RunSummary:
    id: str
    path: Path
    preset: str
    status: str  # run.json's; "interrupted" for a run whose trainer is gone, "damaged" for none
    epochs: int
    best_test_acc: float | None
    started: str
    problem: str = ""  # a damaged folder: why it is no run (run.json missing or unreadable)
    pid: int | None = None  # a live run: its trainer's process
    headless: bool = False  # a live run trained by `tui-nn train` (no app can attach to it)
    sweep: str = ""  # the sweep it belongs to (its folder's name), "" for a run of its own

    @property
    def damaged(self) -> bool:
        return self.status == "damaged"


def list_runs(root: Path | None = None) -> list[RunSummary]:
    """Runs, newest first; folders whose run.json cannot be read are listed as damaged, with
    the reason in `problem`. Hidden folders (a name starting with ".") are no runs. A sweep's
    folder (one with sweep.json) lists its runs, in its order, as `<sweep>/<run>`."""
    root = runs_root() if root is None else Path(root)
    if not root.is_dir():
        return []
    runs = []
    for folder in sorted(root.iterdir(), reverse=True):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        if (folder / SWEEP_FILE).is_file() and not (folder / "run.json").exists():
            members = sorted(p for p in folder.iterdir() if p.is_dir() and p.name[:1] != ".")
            runs += [_summary(p, f"{folder.name}/{p.name}", folder.name) for p in members]
        else:
            runs.append(_summary(folder, folder.name))
    return runs


def _summary(folder: Path, run_id: str, sweep: str = "") -> RunSummary:
    """One folder's entry: its run.json, or why it is damaged."""
    try:
        info = read_run_info(folder)
    except TuiNnError as error:
        return RunSummary(run_id, folder, "?", "damaged", 0, None, "", str(error), sweep=sweep)
    status = info.get("status", "?")
    pid = info.get("pid")
    live = status in ("running", "paused") and pid_alive(pid)
    if status == "running" and not live:
        status = "interrupted"
    best = info.get("best_test_acc")
    return RunSummary(
        run_id,
        folder,
        str(info.get("preset", "?")),
        str(status),
        int(info.get("epochs", 0) or 0),
        float(best) if isinstance(best, int | float) else None,
        str(info.get("started", "")),
        pid=pid if live and isinstance(pid, int) else None,
        headless=live and is_headless(info),
        sweep=sweep,
    )


def is_headless(info: dict[str, Any]) -> bool:
    """Whether run.json names a `tui-nn train` run (older folders: one without a socket)."""
    headless = info.get("headless")
    if isinstance(headless, bool):
        return headless
    return not info.get("socket")


def resolve_run(name: str | None, root: Path | None = None) -> Path:
    """A run folder from its id, a path, or the newest run when `name` is None or "latest"
    (damaged folders are skipped: they are no runs)."""
    root = runs_root() if root is None else Path(root)
    if name is None or name == "latest":
        listed = list_runs(root)
        runs = [run for run in listed if not run.damaged]
        if not runs:
            damaged = (
                f" (only damaged folders: {', '.join(run.id for run in listed)})" if listed else ""
            )
            raise TuiNnError(
                f"there are no runs in {root} yet{damaged}: train one with `tui-nn train PRESET`"
            )
        return runs[0].path
    for candidate in (Path(name).expanduser(), root / name):
        if (candidate / "run.json").is_file():
            return candidate
    raise TuiNnError(f"no run {name!r}: give a run id from `tui-nn runs` or a run folder's path")


def pid_alive(pid: Any) -> bool:
    """True when `pid` is a live process (and, where /proc tells, a tui-nn trainer)."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        text = cmdline.read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc on this system: trust kill(0)
    except OSError:
        return True
    if b"<defunct>" in text or not text:
        return False  # a zombie: it has ended, its parent has not reaped it yet
    return b"tui_nn" in text or b"tui-nn" in text
