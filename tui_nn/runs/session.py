"""One run's lifecycle in its folder: the same rules for `tui-nn train` and the app's trainer.

    session = RunSession.new()             # or .new(out) / .resume(path): nothing written yet
    session.start(trainer)                 # resume: the checkpoint first; then the folder's
                                           # lock, preset.toml and run.json ("running", pid,
                                           # device, socket, headless)
    session.record(metrics)                # the trainer's on_event: a line in metrics.jsonl;
                                           # run.json's epochs at most once a second
    session.epoch_ended(trainer)           # the trainer's on_epoch_end: the periodic checkpoint
    session.pause(trainer)                 # the app paused: a checkpoint, "paused"
    session.finish(trainer)                # the run ended: summary, checkpoint, model, its status
    session.stop(trainer, "stopped by SIGTERM")   # or close(trainer, status, message)

The checkpoint rule. A checkpoint is the trainer's exact position, mid-epoch included (the epoch's
order and the position in it are part of it), so a run resumed from one continues bit for bit. One
is written at an epoch's end once `checkpoint_every_s` have passed since the last, on every pause,
and whenever the session closes (stopped, finished, reset), together with the model, unless the
trainer diverged or failed: a network of NaNs, or one whose step an out-of-memory error cut short,
is no point to resume from, and the last good checkpoint stays. So a run stopped at any moment
while training has a checkpoint of that moment, and `resumable` says whether a checkpoint exists:
the only ground on which to tell anyone to resume.

Leaving `with session:` on an exception before it closed records "interrupted" (a second signal,
KeyboardInterrupt) or "failed" in run.json and writes no checkpoint: the trainer may be mid-step.

One trainer per folder. From `start` to its close a session holds the folder's lock
(`tui_nn.runs.lock`, a `flock` that no crash leaves stale): a second session of the same run,
from `tui-nn train --resume` or an app, is refused with where the run is training (`resume` asks
before anything is loaded, `start` again as it takes the lock). A new run's folder exists only
once its session started: a start that fails removes what it made, and `new(out)` refuses a
folder that is not empty (a run is continued with `resume`, never overwritten).
"""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tui_nn.errors import TuiNnError
from tui_nn.runs.folder import RunFolder, make_folder
from tui_nn.runs.history_index import CURVE
from tui_nn.runs.listing import CHECKPOINT, has_checkpoint, read_run_info, resume_command
from tui_nn.runs.lock import LOCK, RunBusy, RunLock, holder_of
from tui_nn.trainer.protocol import Metrics, Summary

if TYPE_CHECKING:
    from tui_nn.training import Trainer

CHECKPOINT_EVERY_S = 30.0
INFO_EVERY_S = 1.0  # run.json's epochs while training: one small atomic write (~3 ms)
UNRESUMABLE = ("diverged", "failed")  # trainer states whose position is no checkpoint


def can_checkpoint(trainer: Trainer) -> bool:
    """True when the trainer's position is one to resume from (see the module's docstring)."""
    return trainer.state.status not in UNRESUMABLE


class RunSession:
    def __init__(
        self,
        path: Path | None = None,
        *,
        resume: bool = False,
        root: Path | None = None,
        socket: str | None = None,
        headless: bool = False,
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
        info_every_s: float = INFO_EVERY_S,
    ) -> None:
        """Use `new` or `resume`. `path` None: a new folder under `root` (the user's runs)."""
        self._path = None if path is None else Path(path).expanduser()
        self._resuming = resume
        self._root = root
        self.socket = socket  # where `tui-nn attach` reaches the trainer (in run.json)
        self.headless = headless  # `tui-nn train`: no app can attach (in run.json)
        self.checkpoint_every_s = checkpoint_every_s
        self.info_every_s = info_every_s
        self._folder: RunFolder | None = None
        self._lock: RunLock | None = None
        self._next_checkpoint = math.inf
        self._next_info = 0.0
        self.status: str | None = None  # run.json's status as this session last wrote it
        self.closed = False

    @classmethod
    def new(
        cls,
        out: Path | str | None = None,
        *,
        root: Path | None = None,
        socket: str | None = None,
        headless: bool = False,
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
        info_every_s: float = INFO_EVERY_S,
    ) -> RunSession:
        """A new run: in the folder `out` (which must be new or empty), else in a new folder
        named at `start`. Cheap (no torch): callers check this before loading anything."""
        path = None if out is None else Path(out).expanduser()
        if path is not None:
            _check_new_folder(path, root)
        return cls(
            path,
            root=root,
            socket=socket,
            headless=headless,
            checkpoint_every_s=checkpoint_every_s,
            info_every_s=info_every_s,
        )

    @classmethod
    def resume(
        cls,
        path: Path | str,
        *,
        root: Path | None = None,
        socket: str | None = None,
        headless: bool = False,
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
        info_every_s: float = INFO_EVERY_S,
    ) -> RunSession:
        """The run at `path`, to go on from its checkpoint; a one-line error when it has none,
        or when another trainer trains it now (`RunBusy`, saying where). Cheap (no torch):
        callers check this before loading anything."""
        folder = Path(path).expanduser()
        read_run_info(folder)  # a run folder, or the reason it is not one
        holder = holder_of(folder)
        if holder is not None:
            raise RunBusy(folder, holder)
        if not has_checkpoint(folder):
            raise TuiNnError(f"run {folder.name} has no checkpoint to resume from")
        return cls(
            folder,
            resume=True,
            root=root,
            socket=socket,
            headless=headless,
            checkpoint_every_s=checkpoint_every_s,
            info_every_s=info_every_s,
        )

    # -- where ------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._folder is not None

    @property
    def path(self) -> Path:
        if self._folder is not None:
            return self._folder.path
        if self._path is None:
            raise TuiNnError("a new run's folder is named when the run starts")
        return self._path

    @property
    def checkpoint_path(self) -> Path:
        return self.path / CHECKPOINT

    @property
    def resumable(self) -> bool:
        """True when the run has a checkpoint that `tui-nn train --resume` continues from."""
        return (self._folder is not None or self._path is not None) and has_checkpoint(self.path)

    @property
    def resume_command(self) -> str:
        return resume_command(self.path, self._root)

    # -- the run ----------------------------------------------------------------------------

    def start(self, trainer: Trainer, *, status: str = "running") -> None:
        """Take the folder's lock and open it for `trainer`: a resumed run restores its
        checkpoint into the trainer first (a bad checkpoint raises before anything is written).
        A start that fails leaves no new folder behind (nor files in an `out` that was empty)."""
        if self._folder is not None or self.closed:
            raise TuiNnError("a run session starts once")
        self.closed = True  # until the start is complete: a failed start is the session's end
        made: Path | None = None  # a folder this start made, removed again when it fails
        if self._resuming:
            path = self.path
        elif self._path is not None:
            path = self._path
            _check_new_folder(path, self._root)  # again: another process may have begun in it
            made = _make_folder(path)
        else:
            path = made = make_folder(trainer.preset, self._root)
        try:
            self._lock = RunLock.acquire(path, headless=self.headless, socket_path=self.socket)
        except RunBusy:
            raise  # another trainer's folder: nothing in it is touched
        except BaseException:
            if made is not None:
                shutil.rmtree(made, ignore_errors=True)
            raise
        fields: dict[str, Any] = {"headless": self.headless}
        if self.socket is not None:
            fields["socket"] = self.socket
        try:
            if self._resuming:
                from tui_nn.checkpoint import restore_checkpoint

                restore_checkpoint(trainer, self.checkpoint_path)
            self._folder = RunFolder(path, resume=self._resuming)
            self._folder.start(trainer.preset, str(trainer.device), status=status, **fields)
        except BaseException:
            if self._folder is not None:
                self._folder.close()
                self._folder = None
            if not self._resuming:
                _remove_new_run(path, made)
            self._release()
            raise
        self.closed = False
        self.status = status
        self._next_checkpoint = time.monotonic() + self.checkpoint_every_s
        self._next_info = time.monotonic() + self.info_every_s

    def record(self, event: Metrics | Summary) -> None:
        """A metrics line (the trainer's `on_event`), and run.json's epochs at most every
        `info_every_s`; nothing once the session closed."""
        if self._folder is not None and not self.closed:
            self._folder.append_metrics(event)
            now = time.monotonic()
            if now >= self._next_info:
                self._next_info = now + self.info_every_s
                epoch = event.epoch if isinstance(event, Metrics) else event.epochs
                self._folder.update(epochs=epoch)  # "steps" stays the checkpoint's

    def epoch_ended(self, trainer: Trainer) -> None:
        """The trainer's `on_epoch_end`: a checkpoint when the last is `checkpoint_every_s` old."""
        if time.monotonic() >= self._next_checkpoint:
            self.checkpoint(trainer)

    def checkpoint(self, trainer: Trainer) -> bool:
        """Save the trainer's position now; False (and the last good one kept) when it diverged
        or failed, or the session is not open."""
        if self._folder is None or self.closed or not can_checkpoint(trainer):
            return False
        self._folder.save_checkpoint(trainer)
        self._next_checkpoint = time.monotonic() + self.checkpoint_every_s
        return True

    def running(self) -> None:
        """Training (again): run.json says so, for `tui-nn attach` and the runs screen."""
        self._set_status("running")

    def app_attached(self, attached: bool) -> None:
        """An app's trainer: whether an app is connected to it now (run.json's `in_app`). A
        trainer serves one app at a time, so only a run no app has open can be attached to."""
        folder = self._folder
        if folder is not None and not self.closed and folder.info.get("in_app") != attached:
            folder.update(in_app=attached)

    def pause(self, trainer: Trainer) -> None:
        self.checkpoint(trainer)
        self._set_status("paused")

    def finish(self, trainer: Trainer) -> Summary:
        """The run ended (a stop rule, its budget, divergence, a failure): its summary ends
        metrics.jsonl, and the session closes with the summary's status and message."""
        summary = trainer.summary()
        self.close(trainer, summary.status, summary.message, summary=summary)
        return summary

    def stop(self, trainer: Trainer, message: str = "") -> None:
        self.close(trainer, "stopped", message)

    def close(
        self,
        trainer: Trainer | None,
        status: str,
        message: str = "",
        *,
        summary: Summary | None = None,
    ) -> None:
        """The one end of a session: the summary (if any), a checkpoint and the model (unless the
        trainer diverged or failed), then run.json's status, message and epochs. The status is
        written even when the checkpoint cannot be; that error is raised after it."""
        folder = self._folder
        if folder is None or self.closed:
            self.closed = True
            return
        self.closed = True
        failure: TuiNnError | None = None
        try:
            if summary is not None:
                folder.append_metrics(summary)
            if trainer is not None and can_checkpoint(trainer):
                folder.save_checkpoint(trainer)
                folder.save_model(trainer.network.state_dict())
        except TuiNnError as error:
            failure = error
        fields: dict[str, Any] = {
            "status": status,
            "message": message
            if failure is None
            else "; ".join(filter(None, [message, str(failure)])),
        }
        if trainer is not None:
            fields["epochs"] = trainer.state.epoch
        try:
            folder.update(**fields)
            self.status = status
        finally:
            folder.close()
            self._release()
        if failure is not None:
            raise failure

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def _set_status(self, status: str) -> None:
        if self._folder is not None and not self.closed and self.status != status:
            self._folder.update(status=status)
            self.status = status

    # -- `with session:` --------------------------------------------------------------------

    def __enter__(self) -> RunSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """An exception left the run: say so in run.json, with no checkpoint (the trainer may be
        mid-step; the last periodic one stays). A session left without one is closed "stopped"."""
        folder = self._folder
        if folder is None or self.closed:
            return
        self.closed = True
        if error is None:
            status, message = "stopped", ""
        elif isinstance(error, KeyboardInterrupt):
            status, message = "interrupted", "interrupted"
        else:
            status = "failed"
            message = (
                str(error) if isinstance(error, TuiNnError) else f"{type(error).__name__}: {error}"
            )
        try:
            folder.update(status=status, message=message)
            self.status = status
        except TuiNnError:
            pass  # the exception on its way out says more than this one
        finally:
            folder.close()
            self._release()


def _check_new_folder(path: Path, root: Path | None) -> None:
    """A new run's folder must be new or empty: a run is continued (`--resume`), never reused."""
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_dir():
        raise TuiNnError(f"cannot make the run folder {path}: a file of that name exists")
    try:
        empty = next(path.iterdir(), None) is None
    except OSError as error:
        raise TuiNnError(f"cannot read the folder {path}: {error.strerror or error}") from None
    if empty:
        return
    if (path / "run.json").is_file():
        raise TuiNnError(
            f"{path} holds a run already: continue it with `{resume_command(path, root)}`, "
            "or give --out a new or empty folder"
        )
    raise TuiNnError(f"{path} is not empty: give --out a new or empty folder for the run")


def _make_folder(path: Path) -> Path | None:
    """Make `path` (with its parents); the path when this call made it, None when it existed."""
    try:
        path.mkdir(parents=True)
    except FileExistsError:
        return None
    except OSError as error:
        raise TuiNnError(f"cannot make the run folder {path}: {error.strerror or error}") from None
    return path


RUN_FILES = ("metrics.jsonl", CURVE, "preset.toml", "run.json", LOCK)  # what a start writes


def _remove_new_run(path: Path, made: Path | None) -> None:
    """Undo a new run's failed start: the folder it made, or the files it wrote into an empty one."""
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
        return
    for name in RUN_FILES:
        with contextlib.suppress(OSError):
            (path / name).unlink()
