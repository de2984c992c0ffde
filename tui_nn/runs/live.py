"""Runs that are still training in a trainer process of their own (started by an app that went
away, or still open in one): what `tui-nn attach` and the app's runs screen reconnect to.

A run is live when its run.json names a trainer's pid that is alive and a socket that exists;
it can be attached to only while no app is connected to that trainer (run.json's `in_app`: a
trainer serves one app at a time).
No torch and no Textual here: the command line checks this before it opens the app.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_nn.errors import TuiNnError
from tui_nn.runs.listing import (
    has_checkpoint,
    is_headless,
    list_runs,
    pid_alive,
    read_run_info,
    resolve_run,
    resume_command,
    runs_root,
)

LISTED_RUNS = 4  # runs named in the one-line message when none is live


@dataclass
class LiveRun:
    path: Path
    socket: str
    pid: int
    status: str  # "running" (in the background, or in an app) or "paused" (open in an app)
    info: dict[str, Any]
    in_app: bool = False  # an app is connected to its trainer now

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def attachable(self) -> bool:
        """Training in the background: no app has it open."""
        return self.status == "running" and not self.in_app


def live_run(path: Path) -> LiveRun | None:
    """The run at `path` when a trainer process still serves it, else None."""
    try:
        info = read_run_info(path)
    except TuiNnError:
        return None
    socket, pid, status = info.get("socket"), info.get("pid"), str(info.get("status", ""))
    if status not in ("running", "paused") or not isinstance(socket, str) or not socket:
        return None
    if not isinstance(pid, int) or not pid_alive(pid) or not os.path.exists(socket):
        return None
    return LiveRun(Path(path), socket, pid, status, info, in_app=info.get("in_app") is True)


def describe_runs(root: Path | None = None, limit: int = LISTED_RUNS) -> str:
    """What `tui-nn runs` shows, on one line: "id (status, N epochs), ..."."""
    runs = list_runs(root)
    if not runs:
        return f"there are no runs yet in {runs_root() if root is None else root}"
    shown = ", ".join(f"{run.id} ({run.status}, {run.epochs} epochs)" for run in runs[:limit])
    more = f" and {len(runs) - limit} more" if len(runs) > limit else ""
    return f"`tui-nn runs` lists {shown}{more}"


def find_live_run(name: str | None = None, root: Path | None = None) -> LiveRun:
    """The run `tui-nn attach [RUN]` reconnects to: RUN (an id or a folder), or the newest run
    training in the background. Raises `TuiNnError` with a one-line reason otherwise (a run
    that a headless `tui-nn train` trains is named, with its pid, as one no app can attach to)."""
    if name is None:
        headless = None
        for run in list_runs(root):
            if run.status != "running":
                continue
            live = live_run(run.path)
            if live is not None and live.attachable:
                return live
            if run.headless and headless is None:
                headless = run
        if headless is not None:
            raise TuiNnError(
                f"no run is training in an app's trainer; {_headless_note(headless.id, headless.pid)}"
            )
        raise TuiNnError(f"no run is training in the background; {describe_runs(root)}")
    path = resolve_run(name, root)
    live = live_run(path)
    if live is None:
        try:
            info = read_run_info(path)
            status = str(info.get("status", "?"))
        except TuiNnError:
            info, status = {}, "damaged"
        pid = info.get("pid")
        if status == "running" and is_headless(info) and pid_alive(pid):
            raise TuiNnError(_headless_note(path.name, pid))
        if status == "running":
            status = "interrupted: its trainer is gone"
        hint = (
            f"; `{resume_command(path, root)}` continues it from its last checkpoint"
            if status not in ("done", "damaged") and has_checkpoint(path)
            else ""
        )
        raise TuiNnError(f"run {path.name} is not training ({status}){hint}")
    if not live.attachable:
        raise TuiNnError(
            f"run {path.name} is open in another app (trainer pid {live.pid}, {live.status}); "
            "quit that app with `keep running` to attach here"
        )
    return live


def _headless_note(run_id: str, pid: object) -> str:
    """Why a headless run cannot be attached to, and what can be done instead."""
    return (
        f"run {run_id} is training headless in `tui-nn train` (pid {pid}), which no app can "
        f"attach to: follow its metrics.jsonl, or stop it with `kill -TERM {pid}` (it saves a "
        "checkpoint) and continue it from the app's runs screen"
    )
