"""`tui-nn train`: a preset, or a run continued, trained headless on the run lifecycle of
`tui_nn.runs.session`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tui_nn.cli.report import EXIT_OUTPUT_CLOSED, Reporter
from tui_nn.cli.stop_signals import StopSignals, signal_exit_status
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
    preset = with_data_path(preset, options.data)
    return replace(preset, train=train)


def with_data_path(preset: Preset, path: str | None) -> Preset:
    """The preset reading its data from `path` (--data; relative to the working folder), or an
    error when its data set reads no file."""
    import os
    from dataclasses import replace

    from tui_nn.spec import PATH_SETS

    if path is None:
        return preset
    if preset.data.set not in PATH_SETS:
        raise TuiNnError(
            f"--data {path}: the preset {preset.name!r} trains on the built-in "
            f"{preset.data.set!r} set, which reads no file; to train on a CSV file, give the "
            f"file itself (`tui-nn train {path}`), or a preset whose data set is one of "
            f"{', '.join(PATH_SETS)}"
        )
    resolved = os.path.abspath(os.path.expanduser(path))
    return replace(preset, data=replace(preset.data, path=resolved))


def load_or_build(name: str) -> Preset:
    """The preset named on the command line, or one built from a CSV file (said on stderr)."""
    from tui_nn.presets import load_named
    from tui_nn.presets.from_csv import is_data_file, preset_from_csv

    if not is_data_file(name):
        return load_named(name)
    preset, summary = preset_from_csv(name)
    say(f"tui-nn: {summary}")
    return preset


# Exit statuses of a run that ended but did not succeed (README, "Exit status").
EXIT_DIVERGED = 3  # the loss blew up or turned NaN or infinite
EXIT_FAILED = 4  # the run failed (out of the device's memory)
END_STATUSES = {"diverged": EXIT_DIVERGED, "failed": EXIT_FAILED}


def cmd_train(options: argparse.Namespace) -> int:
    """Train a preset, or continue a run, headless. SIGINT, SIGTERM and SIGHUP, from the start of
    the command on, stop it with a checkpoint of that moment (the rule is `tui_nn.runs.session`'s),
    and so does a closed stdout (`tui-nn train ... | head`); it says "resume with" only when a
    checkpoint to resume from exists."""
    with StopSignals() as stop:
        return _train(options, stop)


def own_network(preset: Preset, named: str) -> Preset:
    """A preset that compares ([compare]) trains its own network here (variant 0), said on
    stderr; without its [compare] table, so that the run folder holds the network it trained."""
    import shlex
    from dataclasses import replace

    from tui_nn.presets.compare import compared_values, show_value

    compare = preset.compare
    if compare is None:
        return preset
    shown = ", ".join(show_value(v) for v in compared_values(preset))
    say(
        f"tui-nn: the preset compares {compare.key} = {shown}; this trains the first, its own "
        f"network; `tui-nn sweep {shlex.quote(named)}` trains all of them (the app trains them "
        "side by side)"
    )
    return replace(preset, compare=None)


def _train(options: argparse.Namespace, stop: StopSignals) -> int:
    from dataclasses import replace

    from tui_nn.presets import load_preset, preset_from_dict, preset_to_dict
    from tui_nn.runs import RunSession, resolve_run

    every = options.checkpoint_every
    if options.resume is not None:
        if options.preset is not None:
            raise TuiNnError("give either PRESET_OR_FILE or --resume RUN, not both")
        session = RunSession.resume(
            resolve_run(options.resume), headless=True, checkpoint_every_s=every
        )
        preset = replace(load_preset(session.path / "preset.toml"), compare=None)
    elif options.preset is None:
        raise TuiNnError("name a preset to train (see `tui-nn presets`) or --resume RUN")
    else:
        preset = own_network(load_or_build(options.preset), options.preset)
        session = RunSession.new(options.out, headless=True, checkpoint_every_s=every)
    preset = apply_overrides(preset, options)
    preset = preset_from_dict(preset_to_dict(preset), source="command line")  # validates overrides
    import torch  # loaded here, after the cheap checks above

    from tui_nn.devices import training_threads
    from tui_nn.training import Trainer

    threads = training_threads()  # as in the app's trainer (benchmarks/train_threads.py)
    if threads is not None:
        torch.set_num_threads(threads)

    reporter: Reporter | None = None

    def on_event(event: Metrics) -> None:
        session.record(event)
        if reporter is not None:
            reporter.event(event)

    def should_stop() -> bool:
        return stop.requested() or (reporter is not None and reporter.output_closed)

    trainer = Trainer(preset, on_event=on_event, on_epoch_end=session.epoch_ended)
    if trainer.dataset.note is not None:  # what the loader guessed or chose
        say(f"tui-nn: {trainer.dataset.note}")
    if stop.signal_name is not None:  # while loading: nothing trained, no folder written
        if options.resume is None:
            note = "before training began; nothing was saved"
        else:
            note = (
                f"before training resumed; run {session.path.name} is as it was: "
                f"resume with `{session.resume_command}`"
            )
        say(f"tui-nn: stopped by {stop.signal_name} {note}")
        return signal_exit_status(stop.signal_name)
    session.start(trainer)  # a resumed run's checkpoint is restored into the trainer here
    reporter = Reporter(json_lines=options.json, epochs=preset.train.epochs)
    with session:  # an exception (a second signal) records "interrupted" or "failed"
        try:
            trainer.run(should_pause=should_stop)
        finally:
            reporter.close()
        if not trainer.finished:  # paused: only a signal or a closed output pauses this run
            if stop.signal_name is None and reporter.output_closed:
                cause, code = "its output was closed", EXIT_OUTPUT_CLOSED
            else:
                signal_name = stop.signal_name or "a signal"
                cause, code = f"stopped by {signal_name}", signal_exit_status(signal_name)
            session.stop(trainer, cause)
            where = f"at epoch {trainer.state.epoch}, step {trainer.state.step}"
            if session.resumable:
                note = f"resume with `{session.resume_command}`"
            else:
                note = "no checkpoint was saved, so there is nothing to resume"
            say(f"tui-nn: {cause} {where}; {note}")
            return code
        # Finished, even if a signal came as it did: a complete run is reported as one.
        summary = session.finish(trainer)
    reporter.summary(summary)
    if not options.json:
        reporter.line(f"  run folder: {session.path}")
    if reporter.output_closed:
        return EXIT_OUTPUT_CLOSED
    return END_STATUSES.get(summary.status, 0)


def say(message: str) -> None:
    """A line on stderr, unless stderr is gone too (a hung-up terminal): the run is saved."""
    try:
        print(message, file=sys.stderr, flush=True)
    except OSError:
        pass
