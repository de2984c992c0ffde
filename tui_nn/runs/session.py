"""One run's lifecycle in its folder: the same rules for `tui-nn train` and the app's trainer.

    session = RunSession.new()             # or .new(out) / .resume(path): nothing written yet
    session.start(trainer)                 # resume: the checkpoint first; then preset.toml and
                                           # run.json ("running", pid, device, socket)
    session.record(metrics)                # the trainer's on_event: a line in metrics.jsonl
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
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tui_nn.errors import TuiNnError
from tui_nn.runs.folder import RunFolder
from tui_nn.runs.listing import CHECKPOINT, has_checkpoint, read_run_info, resume_command
from tui_nn.trainer.protocol import Metrics, Summary

if TYPE_CHECKING:
    from tui_nn.training import Trainer

CHECKPOINT_EVERY_S = 30.0
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
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
    ) -> None:
        """Use `new` or `resume`. `path` None: a new folder under `root` (the user's runs)."""
        self._path = None if path is None else Path(path).expanduser()
        self._resuming = resume
        self._root = root
        self.socket = socket  # where `tui-nn attach` reaches the trainer (in run.json)
        self.checkpoint_every_s = checkpoint_every_s
        self._folder: RunFolder | None = None
        self._next_checkpoint = math.inf
        self.status: str | None = None  # run.json's status as this session last wrote it
        self.closed = False

    @classmethod
    def new(
        cls,
        out: Path | str | None = None,
        *,
        root: Path | None = None,
        socket: str | None = None,
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
    ) -> RunSession:
        """A new run: in the folder `out`, else in a new folder named at `start`."""
        path = None if out is None else Path(out)
        return cls(path, root=root, socket=socket, checkpoint_every_s=checkpoint_every_s)

    @classmethod
    def resume(
        cls,
        path: Path | str,
        *,
        root: Path | None = None,
        socket: str | None = None,
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
    ) -> RunSession:
        """The run at `path`, to go on from its checkpoint; a one-line error when it has none.
        Cheap (no torch): callers check this before loading anything."""
        folder = Path(path).expanduser()
        read_run_info(folder)  # a run folder, or the reason it is not one
        if not has_checkpoint(folder):
            raise TuiNnError(f"run {folder.name} has no checkpoint to resume from")
        return cls(
            folder, resume=True, root=root, socket=socket, checkpoint_every_s=checkpoint_every_s
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
        """Open the folder for `trainer`: a resumed run restores its checkpoint into the trainer
        first (a bad checkpoint raises before anything is written)."""
        if self._folder is not None or self.closed:
            raise TuiNnError("a run session starts once")
        if self._resuming:
            from tui_nn.checkpoint import restore_checkpoint

            restore_checkpoint(trainer, self.checkpoint_path)
            folder = RunFolder(self.path, resume=True)
        elif self._path is not None:
            folder = RunFolder(self._path)
        else:
            folder = RunFolder.create(trainer.preset, self._root)
        self._folder = folder
        fields: dict[str, Any] = {} if self.socket is None else {"socket": self.socket}
        try:
            folder.start(trainer.preset, str(trainer.device), status=status, **fields)
        except BaseException:
            self.closed = True
            folder.close()
            raise
        self.status = status
        self._next_checkpoint = time.monotonic() + self.checkpoint_every_s

    def record(self, event: Metrics | Summary) -> None:
        """A metrics line (the trainer's `on_event`); nothing once the session closed."""
        if self._folder is not None and not self.closed:
            self._folder.append_metrics(event)

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
        if failure is not None:
            raise failure

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
