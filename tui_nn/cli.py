"""The `tui-nn` command: opens the app, or runs `train`, `presets`, `devices`, `code`.

Heavy imports (torch, textual) happen inside the commands that need them, so that `--help` is
instant and the app can draw before torch is loaded.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tui_nn import __version__
from tui_nn.errors import TuiNnError
from tui_nn.trainer.protocol import Metrics, Summary, encode

if TYPE_CHECKING:
    from tui_nn.spec import Preset

COMMANDS = ("train", "presets", "devices", "runs", "attach", "code")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    from tui_nn.presets.limits import MAX_SEED

    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_SEED}, got {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tui-nn",
        description="Learn and try neural networks in a terminal. "
        "Without a command, opens the app (with PRESET_OR_FILE loaded if given).",
        epilog="Commands: train, presets, devices, runs, attach, code. `tui-nn COMMAND --help` for each.",
    )
    parser.add_argument("--version", action="version", version=f"tui-nn {__version__}")
    parser.add_argument(
        "preset", nargs="?", metavar="PRESET_OR_FILE", help="preset name or .toml file"
    )
    return parser


def build_command_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tui-nn")
    parser.add_argument("--version", action="version", version=f"tui-nn {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    train = commands.add_parser("train", help="train a preset headless and print its metrics")
    train.add_argument(
        "preset",
        nargs="?",
        metavar="PRESET_OR_FILE",
        help="preset name (see `tui-nn presets`) or file",
    )
    train.add_argument(
        "--resume", metavar="RUN", help="continue a run (id from `tui-nn runs`, path, or latest)"
    )
    train.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (default: the preset's)")
    train.add_argument("--epochs", type=_positive_int, help="epoch budget")
    train.add_argument("--seed", type=_seed, help="random seed")
    train.add_argument("--lr", type=_positive_float, help="learning rate")
    train.add_argument("--data", metavar="PATH", help="data folder or file (overrides data.path)")
    train.add_argument(
        "--out",
        metavar="DIR",
        help="the run folder (default: a new folder in the user's runs folder)",
    )
    train.add_argument(
        "--checkpoint-every",
        type=_positive_float,
        default=30.0,
        metavar="SECONDS",
        help="seconds between checkpoints (default 30; also at the end)",
    )
    train.add_argument(
        "--json", action="store_true", help="one JSON object a line; the last is the summary"
    )

    commands.add_parser("presets", help="list built-in and user presets")
    commands.add_parser("devices", help="list the devices training can use")
    commands.add_parser("runs", help="list training runs, newest first")
    attach = commands.add_parser(
        "attach", help="open the app on a run that trains in the background"
    )
    attach.add_argument(
        "run",
        nargs="?",
        metavar="RUN",
        help="run id (see `tui-nn runs`) or folder; default: the newest run training",
    )
    code = commands.add_parser("code", help="print the preset as a standalone PyTorch script")
    code.add_argument("preset", metavar="PRESET_OR_FILE", help="preset name or .toml file")
    code.add_argument("--data", metavar="PATH", help="data folder or file (overrides data.path)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in COMMANDS:
            options = build_command_parser().parse_args(args)
            handler = {
                "train": cmd_train,
                "presets": cmd_presets,
                "devices": cmd_devices,
                "runs": cmd_runs,
                "attach": cmd_attach,
                "code": cmd_code,
            }
            return handler[options.command](options)
        options = build_parser().parse_args(args)
        return cmd_app(options)
    except TuiNnError as error:
        print(f"tui-nn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tui-nn: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if os.environ.get("TUI_NN_DEBUG"):
            raise
        print(
            f"tui-nn: unexpected error: {type(error).__name__}: {error} "
            "(set TUI_NN_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 1


def _load_app() -> Any:
    """The app's `run_app`. Its imports and first frame allocate much and free little, so the
    cyclic garbage collector only costs time there (~30 ms): it is off until the first frame is
    drawn (`TuiNnApp._after_first_frame` turns it back on)."""
    gc.disable()
    from tui_nn.ui.app import run_app

    return run_app


def cmd_app(options: argparse.Namespace) -> int:
    return _load_app()(options.preset)


def cmd_attach(options: argparse.Namespace) -> int:
    from tui_nn.runs import find_live_run

    live = find_live_run(options.run)  # a one-line error (exit status 2) when there is none
    return _load_app()(attach=live.socket, run=live.path)


def cmd_presets(options: argparse.Namespace) -> int:
    from tui_nn.presets import list_presets

    infos = list_presets()
    width = max((len(info.name) for info in infos), default=0)
    for info in infos:
        origin = "built-in" if info.builtin else "user"
        print(f"{info.name:<{width}}  {origin:<8}  {info.description}")
    return 0


def cmd_devices(options: argparse.Namespace) -> int:
    from tui_nn.devices import format_memory, list_devices

    for device in list_devices():
        print(f"{device.name:<8}  {format_memory(device.memory_bytes):>9}  {device.description}")
    return 0


def cmd_code(options: argparse.Namespace) -> int:
    from dataclasses import replace

    from tui_nn.codegen import export_script
    from tui_nn.presets import load_named, preset_from_dict, preset_to_dict

    preset = load_named(options.preset)
    if options.data is not None:
        preset = replace(preset, data=replace(preset.data, path=options.data))
        preset = preset_from_dict(preset_to_dict(preset), source="command line")
    sys.stdout.write(export_script(preset))
    return 0


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


def cmd_runs(options: argparse.Namespace) -> int:
    from tui_nn.runs import list_runs, runs_root

    runs = list_runs()
    if not runs:
        print(f"no runs yet in {runs_root()}")
        return 0
    print(f"{'run':<40} {'preset':<22} {'status':<11} {'epochs':>7} {'best test':>9}  started")
    for run in runs:
        best = f"{run.best_test_acc:.1%}" if run.best_test_acc is not None else "-"
        print(
            f"{run.id:<40} {run.preset[:22]:<22} {run.status:<11} {run.epochs:>7} {best:>9}  {run.started}"
        )
    return 0


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

    reporter: _Reporter | None = None

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
    reporter = _Reporter(json_lines=options.json, epochs=preset.train.epochs)
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


class _Reporter:
    """Progress as a bar on a terminal, plain lines when piped, or JSON lines."""

    def __init__(self, *, json_lines: bool, epochs: int) -> None:
        self.json_lines = json_lines
        self.epochs = epochs
        self.progress: Any = None
        self._last_line = 0.0
        if not json_lines and sys.stdout.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("epoch {task.completed:>6.0f}/{task.total:.0f}"),
                BarColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                transient=True,
            )
            self.task = self.progress.add_task("", total=epochs)
            self.progress.start()

    def event(self, event: Metrics) -> None:
        if self.json_lines:
            sys.stdout.write(encode(event))
            sys.stdout.flush()
            return
        line = _describe(event)
        if self.progress is not None:
            self.progress.update(self.task, completed=event.epoch, description=line)
        elif time.monotonic() - self._last_line >= 1.0:
            self._last_line = time.monotonic()
            print(f"epoch {event.epoch}/{self.epochs}  {line}", flush=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()

    def summary(self, summary: Summary) -> None:
        if self.json_lines:
            sys.stdout.write(encode(summary))
            sys.stdout.flush()
            return
        print(
            f"{summary.preset}: {summary.message} on {summary.device}; "
            f"{summary.epochs} epochs, {summary.steps} steps in {summary.elapsed_s:.2f} s "
            f"({summary.samples_per_s:,.0f} samples/s)"
        )
        print("  " + _describe(summary))


def _describe(metrics: Metrics | Summary) -> str:
    parts = []
    for value, label in ((metrics.train_loss, "train loss"), (metrics.test_loss, "test loss")):
        if value is not None:
            parts.append(f"{label} {value:.4g}")
    for value, label in ((metrics.train_acc, "train acc"), (metrics.test_acc, "test acc")):
        if value is not None:
            parts.append(f"{label} {value:.1%}")
    return "  ".join(parts)
