"""The run in progress in the trainer process: its folder (a `RunSession`, the lifecycle that
`tui-nn train` uses too) and its record (a `RunRecord`, which every newly attached app receives as
`History`, so that its plots start at the run's first step whenever it connects)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tui_nn.errors import TuiNnError
from tui_nn.runs.record import RunRecord
from tui_nn.trainer import protocol

if TYPE_CHECKING:  # both import torch, which loads once the trainer is up
    from tui_nn.runs.session import RunSession
    from tui_nn.training import Trainer

__all__ = ["RunKeeper"]


class RunKeeper:
    def __init__(self, send: Callable[[protocol.Event], None], socket_path: str | None) -> None:
        self.send = send
        self.socket_path = socket_path  # where `tui-nn attach` reaches this trainer
        self.session: RunSession | None = None  # made at the run's first start
        self.record = RunRecord()
        self.finished_path: Path | None = None  # a run that ended "done": `n` goes on in it
        self.last_path: Path | None = None  # the run's folder, also once it is closed
        self.in_app = False  # an app is connected (run.json's `in_app`)

    def is_folder(self, path: str) -> bool:
        session = self.session
        return session is not None and session.path.resolve() == Path(path).expanduser().resolve()

    def welcome(self) -> None:
        """What a newly attached app needs of the run: its folder and everything it recorded."""
        path = self.session.path if self.session is not None else self.last_path
        if path is not None:  # (a comparison's network that ended while others train on)
            self.send(protocol.RunOpened(str(path)))
        self.send(self.record.event())

    def forget(self) -> None:
        """A new run begins (a reset, another preset): nothing of the last one goes on."""
        self.record.clear()
        self.finished_path = self.last_path = None

    def starting(self, trainer: Trainer, out: Path | None = None) -> None:
        """The run starts or goes on: a run's first start makes its folder (`out`, else a new
        one in the runs folder)."""
        if self.session is not None:
            self.session.running()
            return
        from tui_nn.runs import RunSession

        session = RunSession.new(out, socket=self.socket_path)
        session.start(trainer)
        self._opened(session)

    def resume(self, path: str, load: Callable[[str], Trainer]) -> None:
        """Continue a run folder: `load` builds the trainer of its preset file, then the
        checkpoint is restored into it and the record read back from its metrics.jsonl."""
        session = self._resume_session(path)
        trainer = load(str(session.path / "preset.toml"))
        session.start(trainer, status="paused")  # restores the checkpoint first
        self.forget()
        self.record = RunRecord.read(session.path / "metrics.jsonl", trainer.state.step)
        self._opened(session)
        self.send(self.record.event())

    def extend(self, trainer: Trainer) -> bool:
        """A run that ended "done" trains on (`n` after DONE), in its own folder again."""
        path = self.finished_path
        if not trainer.extend():
            return False
        if path is not None and self.session is None:
            session = self._resume_session(path)
            session.start(trainer, status="paused")  # its checkpoint: the weights it ended with
            trainer.extend()  # the checkpoint said "done"
            self._opened(session)
        self.finished_path = None
        return True

    def app_attached(self, attached: bool) -> None:
        """An app connected or went away: the run's folder says so (see `RunSession`)."""
        self.in_app = attached
        if self.session is not None:
            self.session.app_attached(attached)

    def _resume_session(self, path: str | Path) -> RunSession:
        from tui_nn.runs import RunSession

        return RunSession.resume(path, socket=self.socket_path)

    def _opened(self, session: RunSession) -> None:
        self.session, self.last_path = session, session.path
        session.app_attached(self.in_app)
        self.send(protocol.RunOpened(str(session.path)))

    def metrics(self, event: protocol.Metrics) -> None:
        """The trainer's `on_event`: into the folder's metrics.jsonl, the record, and the app."""
        if self.session is not None:
            self.session.record(event)
        self.record.add(event)
        self.send(event)

    def epoch_ended(self, trainer: Trainer) -> None:
        if self.session is not None:
            self.session.epoch_ended(trainer)  # the periodic checkpoint

    def paused(self, trainer: Trainer) -> None:
        if self.session is not None:
            self.session.pause(trainer)  # a run the app sees paused has its checkpoint

    def close(
        self,
        trainer: Trainer | None,
        status: str,
        message: str = "",
        summary: protocol.Summary | None = None,
    ) -> None:
        """Close the run in progress: its summary, a checkpoint and the model (unless the trainer
        diverged or failed: the last good checkpoint stays), then its status in run.json."""
        session, self.session = self.session, None
        if session is None:
            return
        try:
            session.close(trainer, status, message, summary=summary)
        except TuiNnError as error:
            self.send(protocol.Error(str(error)))
        self.finished_path = session.path if status == "done" else None
