"""A run with a day of history: how fast it opens, and in how much memory.

    python benchmarks/long_history.py [--lines 1000000] [--keep DIR] [--only record,show,attach]

Makes a run folder as a day-long run leaves it (under a temporary folder, deleted afterwards):
the real preset mnist-like with a batch of 15 (96 steps an epoch, one step a line: a network
that trains ten steps a second), a real checkpoint at its last step, and `--lines` metric lines
written by the run folder itself (`RunFolder.append_metrics`, so metrics.jsonl and its index
curve.jsonl are what a trainer writes): mostly window-loss lines, ten a second of training
time, an epoch point and an evaluation at each epoch's end. Its last evaluation's test accuracy
is 97.31%, so the accuracy legend shows `97.3%` once both plots are drawn (the accuracy plot is
drawn after the loss plot). Then, each in a process of its own:

- record: `RunRecord.read` (what the trainer reads on resume): time and the process's peak
  memory (VmHWM), from the index and from metrics.jsonl alone (a folder from before curve.jsonl);
- show: `tui-nn show RUN` in a pseudo-terminal (120x40): launch to the legend on screen, and
  the UI process's memory then (VmRSS) and at most (VmHWM); again without the index;
- attach (on a copy of the folder): a trainer resumes the run (Resume to its History) and trains
  it on in the background at one step every 5 s (no evaluation for minutes: the legend stays);
  a connection attaches (connect to History: its size); then `tui-nn attach RUN` in a
  pseudo-terminal: launch to the legend (drawn from the trainer's History) and to the status
  note that the folder's own history is drawn, and the memory.

Targets: the curve on screen within 3 s, the UI process under 150 MB.
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pty_app import PtyApp  # noqa: E402

from tui_nn.runs.history_index import CURVE  # noqa: E402
from tui_nn.trainer import protocol as p  # noqa: E402

TARGET_S, TARGET_MB = 3.0, 150.0
LAST_ACC, LEGEND = 0.9731, "97.3%"
ATTACH_NOTE = "attached to run"
LINES_PER_S = 10.0
SIZE = (120, 40)


# -- the run folder ------------------------------------------------------------------------


def make_run(folder: Path, lines: int) -> dict[str, float]:
    """A day-long run's folder: preset, checkpoint at its last step, `lines` metric lines."""
    from tui_nn.presets import load_named
    from tui_nn.runs import RunFolder
    from tui_nn.training import Trainer

    base = load_named("mnist-like")
    train = replace(base.train, batch_size=15, epochs=10**6, device="cpu")
    preset = replace(base, train=train)
    trainer = Trainer(preset)
    spe = trainer.steps_per_epoch
    lines -= lines % spe  # the last line ends an epoch
    started = time.perf_counter()
    run = RunFolder(folder)
    run.start(preset, "cpu", status="running")
    for step in range(1, lines + 1):
        elapsed = step / LINES_PER_S
        loss = 0.02 + 2.3 * math.exp(-step / 150_000) * (1 + 0.1 * math.sin(step))
        epoch = step // spe
        if step % spe:
            run.append_metrics(p.Metrics(epoch, step, loss, 150.0, elapsed, 0.003, "running"))
            continue
        accuracy = LAST_ACC if step == lines else 0.9 + 0.05 * step / lines
        point = p.EvalPoint(epoch, step, loss * 0.9, loss * 1.2, 0.95, accuracy)
        run.append_metrics(
            p.Metrics(
                epoch,
                step,
                loss,
                150.0,
                elapsed,
                0.003,
                "running",
                point.train_loss,
                point.test_loss,
                point.train_acc,
                point.test_acc,
                evals=[point],
                epochs=[p.EpochLoss(epoch, step, loss)],
            )
        )
    state = trainer.state
    state.epoch, state.step, state.samples = lines // spe, lines, lines * 15
    state.elapsed_s = lines / LINES_PER_S
    run.save_checkpoint(trainer)
    run.update(status="stopped")
    run.close()
    return {
        "lines": lines,
        "steps_per_epoch": spe,
        "seconds": time.perf_counter() - started,
        "metrics_mb": (folder / "metrics.jsonl").stat().st_size / 2**20,
        "curve_mb": (folder / CURVE).stat().st_size / 2**20,
        "curve_lines": sum(1 for _ in open(folder / CURVE, "rb")),
    }


class NoIndex:
    """The folder as an older tui-nn left it, for a while: curve.jsonl moved aside."""

    def __init__(self, folder: Path) -> None:
        self.curve, self.aside = folder / CURVE, folder / (CURVE + ".aside")

    def __enter__(self) -> None:
        self.curve.rename(self.aside)

    def __exit__(self, *exc: object) -> None:
        self.aside.rename(self.curve)


# -- (a) the record ------------------------------------------------------------------------


def child_record(folder: Path) -> None:
    from tui_nn.runs.record import RunRecord

    before = vm(os.getpid(), "VmRSS")
    started = time.perf_counter()
    record = RunRecord.read(folder / "metrics.jsonl")
    seconds = time.perf_counter() - started
    out = {"seconds": seconds, "peak_mb": vm(os.getpid(), "VmHWM"), "before_mb": before}
    print(json.dumps(out | {"epochs": len(record.epochs), "evals": len(record.evals)}))


def bench_record(folder: Path) -> None:
    for label, index in (("index", True), ("metrics.jsonl only", False)):
        if index:
            figures = run_child("record", folder)
        else:
            with NoIndex(folder):
                figures = run_child("record", folder)
        print(
            f"RunRecord.read ({label}): {figures['seconds']:.2f} s, process peak "
            f"{figures['peak_mb']:.0f} MB ({figures['before_mb']:.0f} MB before); "
            f"{figures['epochs']} epochs, {figures['evals']} evaluations"
        )


def run_child(mode: str, folder: Path) -> dict[str, float]:
    command = [sys.executable, __file__, f"--child-{mode}", str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- (b) tui-nn show, (c) tui-nn attach, in a pseudo-terminal ------------------------------


def vm(pid: int, key: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def open_app(argv: list[str], env: dict[str, str], notes: tuple[str, ...] = ()) -> dict[str, float]:
    """Launch to the legend that shows the run's last evaluation (then to each of `notes`), and
    the UI process's memory."""
    app = PtyApp([sys.executable, "-m", "tui_nn", *argv], size=SIZE, env=env)
    try:
        app.wait_for(LEGEND, timeout=60)
        figures = {"seconds": time.perf_counter() - app.started}
        figures["rss_mb"] = vm(app.process.pid, "VmRSS")
        for note in notes:
            app.wait_for(note, timeout=60)
            figures[note] = time.perf_counter() - app.started
        app.drain(1.0)  # a moment on: the plots redrawn, the trainer loaded
        figures["rss_later_mb"] = vm(app.process.pid, "VmRSS")
        figures["peak_mb"] = vm(app.process.pid, "VmHWM")
        return figures
    finally:
        app.close()


def report_app(label: str, figures: dict[str, float], notes: tuple[str, ...] = ()) -> None:
    ok = figures["seconds"] <= TARGET_S and figures["peak_mb"] <= TARGET_MB
    shown = "".join(f"; {note!r} {figures[note]:.2f} s" for note in notes)
    print(
        f"{label}: curve on screen {figures['seconds']:.2f} s (target {TARGET_S:g} s){shown}; UI "
        f"process {figures['rss_mb']:.0f} MB then, {figures['rss_later_mb']:.0f} MB 1 s on, "
        f"peak {figures['peak_mb']:.0f} MB (target {TARGET_MB:g} MB){'' if ok else '  MISSED'}"
    )


def bench_show(folder: Path, env: dict[str, str]) -> None:
    report_app("tui-nn show (index)", open_app(["show", str(folder)], env))
    with NoIndex(folder):
        report_app("tui-nn show (metrics.jsonl only)", open_app(["show", str(folder)], env))


def bench_attach(folder: Path, env: dict[str, str]) -> None:
    """The run trains in the background (a trainer resumed it, started it and its app went
    away): attach to it, by hand and with `tui-nn attach`."""
    from tui_nn.trainer.client import TrainerProcess

    trainer = TrainerProcess()
    trainer.start()
    events: queue.Queue[p.Event] = queue.Queue()
    threading.Thread(target=lambda: [events.put(e) for e in trainer.events()], daemon=True).start()
    try:
        wait_event(events, p.Ready, 120)
        started = time.perf_counter()
        trainer.send(p.Resume(path=str(folder)))
        wait_event(events, p.History, 120)
        resumed = time.perf_counter() - started
        assert trainer.pid is not None and trainer.socket_path is not None
        trainer_mb = vm(trainer.pid, "VmRSS")
        print(f"trainer resumes the run: Resume to History {resumed:.2f} s, {trainer_mb:.0f} MB")
        trainer.send(p.SetPace(0.2))
        trainer.send(p.Start())
        wait_event(events, p.Metrics, 60)
        trainer.detach()  # the run goes on in the background, as `q` then "keep running" leaves it

        deadline = time.monotonic() + 30
        while True:  # until the trainer has seen the first connection go
            second = TrainerProcess.attach(trainer.socket_path)
            started = time.perf_counter()
            kinds = p.History | p.Exited | p.Error
            history = next(e for e in second.events() if isinstance(e, kinds))
            took = time.perf_counter() - started
            second.detach()
            if isinstance(history, p.History) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert isinstance(history, p.History), history
        size = len(p.encode(history)) / 2**20
        print(
            f"attach: connect to History {took:.2f} s: {len(history.epochs)} epochs, "
            f"{len(history.evals)} evaluations, {size:.1f} MB on the socket"
        )
        time.sleep(0.5)  # the trainer sees that connection go too
        notes = (ATTACH_NOTE,)
        report_app("tui-nn attach", open_app(["attach", str(folder)], env, notes), notes)
    finally:
        trainer.signal(signal.SIGTERM)  # saves a checkpoint and ends
        if trainer.wait(timeout=30) is None:
            trainer.stop(timeout=1)


def wait_event(events: queue.Queue[p.Event], kind: type, timeout: float) -> p.Event:
    deadline = time.monotonic() + timeout
    while True:
        event = events.get(timeout=max(0.0, deadline - time.monotonic()))
        if isinstance(event, p.Exited):
            raise RuntimeError(f"the trainer ended: {event.stderr}")
        if isinstance(event, p.Error):
            raise RuntimeError(f"the trainer says: {event.message}")
        if isinstance(event, kind):
            return event


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", metavar="DIR", help="make the run here and keep it")
    parser.add_argument("--only", default="record,show,attach")
    parser.add_argument("--child-record", metavar="RUN", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child_record:
        child_record(Path(options.child_record))
        return
    compileall.compile_dir(HERE.parent / "tui_nn", quiet=1)  # as an install has it
    temp = Path(tempfile.mkdtemp(prefix="tui-nn-long-"))
    try:
        env = {f"XDG_{kind}_HOME": str(temp / kind.lower()) for kind in ("CONFIG", "DATA")}
        env.update(XDG_CACHE_HOME=str(temp / "cache"), NO_COLOR="1")
        os.environ.update(env)  # the trainers started here too
        folder = Path(options.keep) if options.keep else temp / "20260101-000000-day-long"
        if not (folder / "metrics.jsonl").is_file():
            made = make_run(folder, options.lines)
            print(
                f"made {folder.name}: {made['lines']:,} lines in {made['seconds']:.0f} s, "
                f"metrics.jsonl {made['metrics_mb']:.0f} MB, curve.jsonl {made['curve_mb']:.1f} "
                f"MB ({made['curve_lines']:,} lines); {made['steps_per_epoch']} steps an epoch"
            )
        only = set(options.only.split(","))
        if "record" in only:
            bench_record(folder)
        if "show" in only:
            bench_show(folder, env)
        if "attach" in only:  # it trains the run on: a copy of it
            copy = temp / folder.name
            shutil.copytree(folder, copy)
            bench_attach(copy, env)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
