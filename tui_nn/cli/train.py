"""`tui-nn train`: a preset, or a run continued, trained headless on the run lifecycle of
`tui_nn.runs.session`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tui_nn.cli.report import Reporter
from tui_nn.errors import TuiNnError

if TYPE_CHECKING:
    from tui_nn.spec import Preset
    from tui_nn.trainer.protocol import Metrics


def apply_overrides(preset: Preset, options: argparse.Namespace) -> Preset:
    """The preset with the command line's --device, --epochs, --seed, --lr and --data applied."""
    from dataclasses import replace

    train = preset.train
    if options.device is not None:
        train = replace(train, device=options.device)
    if options.epochs is not None:
        train = replace(train, epochs=options.epochs)
    if options.seed is not None:
        train = replace(train, seed=options.seed)
    if options.lr is not None:
        train = replace(train, learning_rate=options.lr)
    data = preset.data if options.data is None else replace(preset.data, path=options.data)
    return replace(preset, train=train, data=data)


def cmd_train(options: argparse.Namespace) -> int:
    """Train a preset, or continue a run, headless. SIGINT and SIGTERM, from the start of the
    command on, stop it with a checkpoint of that moment (the rule is `tui_nn.runs.session`'s),
    and it says "resume with" only when a checkpoint to resume from exists."""
    with _StopSignals() as stop:
        return _train(options, stop)


def _train(options: argparse.Namespace, stop: _StopSignals) -> int:
    from tui_nn.presets import load_named, load_preset, preset_from_dict, preset_to_dict
    from tui_nn.runs import RunSession, resolve_run

    every = options.checkpoint_every
    if options.resume is not None:
        if options.preset is not None:
            raise TuiNnError("give either PRESET_OR_FILE or --resume RUN, not both")
        session = RunSession.resume(resolve_run(options.resume), checkpoint_every_s=every)
        preset = load_preset(session.path / "preset.toml")
    elif options.preset is None:
        raise TuiNnError("name a preset to train (see `tui-nn presets`) or --resume RUN")
    else:
        preset = load_named(options.preset)
        session = RunSession.new(options.out, checkpoint_every_s=every)
    preset = apply_overrides(preset, options)
    preset = preset_from_dict(preset_to_dict(preset), source="command line")  # validates overrides
    import torch  # noqa: F401 - loaded here, after the cheap checks above

    from tui_nn.training import Trainer

    reporter: Reporter | None = None

    def on_event(event: Metrics) -> None:
        session.record(event)
        if reporter is not None:
            reporter.event(event)

    trainer = Trainer(preset, on_event=on_event, on_epoch_end=session.epoch_ended)
    if stop.signal_name is not None:  # while loading: nothing trained, no folder written
        if options.resume is None:
            note = "before training began; nothing was saved"
        else:
            note = (
                f"before training resumed; run {session.path.name} is as it was: "
                f"resume with `{session.resume_command}`"
            )
        print(f"tui-nn: stopped by {stop.signal_name} {note}", file=sys.stderr)
        return _signal_exit_status(stop.signal_name)
    session.start(trainer)  # a resumed run's checkpoint is restored into the trainer here
    reporter = Reporter(json_lines=options.json, epochs=preset.train.epochs)
    with session:  # an exception (a second signal) records "interrupted" or "failed"
        try:
            trainer.run(should_pause=stop.requested)
        finally:
            reporter.close()
        if not trainer.finished:  # paused: only a signal pauses this run
            signal_name = stop.signal_name or "a signal"
            session.stop(trainer, f"stopped by {signal_name}")
            where = f"at epoch {trainer.state.epoch}, step {trainer.state.step}"
            if session.resumable:
                note = f"resume with `{session.resume_command}`"
            else:
                note = "no checkpoint was saved, so there is nothing to resume"
            print(f"tui-nn: stopped by {signal_name} {where}; {note}", file=sys.stderr)
            return _signal_exit_status(signal_name)
        # Finished, even if a signal came as it did: a complete run is reported as one.
        summary = session.finish(trainer)
    reporter.summary(summary)
    if not options.json:
        print(f"  run folder: {session.path}")
    return 0


def _signal_exit_status(signal_name: str) -> int:
    return 130 if signal_name == "SIGINT" else 143


class _StopSignals:
    """SIGINT and SIGTERM ask the run to stop at the next check, so it can save a checkpoint;
    a second one stops at once (KeyboardInterrupt)."""

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self._previous: dict[int, Any] = {}

    def requested(self) -> bool:
        return self.signal_name is not None

    def _handle(self, signum: int, frame: object) -> None:
        import signal

        if self.signal_name is not None:  # a second signal: stop now
            raise KeyboardInterrupt
        self.signal_name = signal.Signals(signum).name

    def __enter__(self) -> _StopSignals:
        import signal

        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
