"""A comparison's speed in the app: two variants trained side by side by the real trainer process
against their two bare PyTorch loops run one after the other, measured alternately in one run.

    python benchmarks/compare_speed.py [--rounds 7] [--seconds 60] [--only xor|mnist-like]
                                       [--epochs N] [--app-threads N]

The target: the app's training throughput with two variants is >= 0.9x that of the two bare
loops run one after the other.

- in app: `python -m tui_nn.trainer.server --socket PATH`, started and driven through
  `tui_nn.trainer.client.TrainerProcess` as the app drives it (Load of the preset with its
  [compare] table, SetPace(None), Start; events read on a thread of their own), its run folders
  in a temporary folder. Samples a second of both variants together from the moment Start is
  sent to the State "done" that ends the race; also until both runs are closed (summary,
  checkpoint and model written), the engine's own time (the Summaries' samples over their
  elapsed_s: what happens between the variants' turns left out), and per CPU second of the
  trainer process (/proc; less swayed by other processes than the wall clock).
- bare: `engine_overhead.time_bare` (the same modules, tensors, optimizer and batch size, with
  an evaluation on the engine's schedule) for each variant in turn: total samples / total time,
  at 1 torch thread each round, and at 2 as well where a first probe finds 2 about as fast
  (within 5%): the faster of the two counts (the trainer process runs at the app's count).
- for reference, the engine alone (`engine_overhead.time_engine`, in this process), to tell the
  engine's own cost from that of the trainer process and the side-by-side turns.

The presets run with no stop rule (a fixed epoch budget) at full speed: xor compares its adam
with sgd, mnist-like its learning rate 0.003 with 0.01. Each round runs the three in turn, each
first in its turn; no new round starts once `--seconds` have passed for the preset (but at least
three rounds run), so that a loaded machine still finishes in about 3 minutes. This machine is
shared and noisy: the verdict is on the median of the rounds' ratios (in app over the bare loops
of the same round); the best over the best is printed too. Also checked: both variants started
from the same weights, as their first step's loss (before any update; kept in each run folder's
checkpoint as `start_loss`) is the same. Exits 1 on a MISS.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import torch  # noqa: E402
from engine_overhead import engine_preset, time_bare, time_engine  # noqa: E402

from tui_nn.presets import preset_to_dict  # noqa: E402
from tui_nn.presets.compare import variants  # noqa: E402
from tui_nn.spec import CompareSpec, Preset  # noqa: E402
from tui_nn.trainer import protocol  # noqa: E402
from tui_nn.trainer.client import TrainerProcess  # noqa: E402

TARGET = 0.9
COMPARED = {
    "xor": CompareSpec("train.optimizer", ["sgd"]),
    "mnist-like": CompareSpec("train.learning_rate", [0.01]),
}
EPOCHS = {"xor": 800, "mnist-like": 25}  # 1 to 2 s a variant on a 2-core machine
EVENT_TIMEOUT_S = 300.0
MIN_ROUNDS = 3


def compare_preset(name: str, epochs: int | None) -> Preset:
    """The preset with no stop rule, full speed, on the CPU, comparing two variants."""
    preset: Preset = engine_preset(name, "cpu", epochs)
    return dataclasses.replace(preset, compare=COMPARED[name])


def with_epochs(preset: Preset, epochs: int) -> Preset:
    return dataclasses.replace(preset, train=dataclasses.replace(preset.train, epochs=epochs))


@dataclass
class RaceResult:
    """One race in the trainer process: seconds from Start, samples, and what it reported."""

    to_running_s: float = 0.0  # the State "running": the runs' folders are made
    to_done_s: float = 0.0
    to_closed_s: float = 0.0
    cpu_s: float = 0.0  # the trainer process's CPU time from Start to both runs closed
    samples: int = 0
    engine_s: float = 0.0  # the Summaries' elapsed_s, summed
    metrics_events: int = 0
    start_losses: list[float | None] = field(default_factory=list)
    stop_reasons: list[str | None] = field(default_factory=list)


def process_cpu_s(pid: int) -> float:
    """A process's CPU time (all its threads, user and system) from /proc: 10 ms ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class AppTrainer:
    """The app's trainer process and a thread that reads its events, as the app's link does."""

    def __init__(self) -> None:
        self.process = TrainerProcess()
        self.events: queue.Queue[protocol.Event] = queue.Queue()
        self.process.start()
        assert self.process.pid is not None
        self.pid = self.process.pid
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(protocol.Ready)

    def _read(self) -> None:
        for event in self.process.events():
            self.events.put(event)

    def next_event(self) -> protocol.Event:
        event = self.events.get(timeout=EVENT_TIMEOUT_S)
        if isinstance(event, protocol.Error):
            raise SystemExit(f"the trainer said: {event.message}")
        if isinstance(event, protocol.Exited):
            raise SystemExit(f"the trainer ended ({event.returncode}): {event.stderr}")
        return event

    def wait_for(self, kind: type[protocol.Event]) -> protocol.Event:
        while not isinstance(event := self.next_event(), kind):
            pass
        return event

    def load(self, preset: Preset) -> protocol.Loaded:
        self.process.send(protocol.Load(preset_to_dict(preset)))
        self.process.send(protocol.SetPace(None))
        loaded = self.wait_for(protocol.Loaded)
        assert isinstance(loaded, protocol.Loaded)
        self.wait_for(protocol.State)  # the load's
        self.wait_for(protocol.State)  # SetPace's: the trainer has nothing more to do
        return loaded

    def race(self, preset: Preset) -> RaceResult:
        """Load `preset`, then time Start to "done" and to both runs closed."""
        loaded = self.load(preset)
        count = len(loaded.variants)
        race = RaceResult()
        folders: dict[int, str] = {}
        summaries: dict[int, protocol.Summary] = {}
        cpu = process_cpu_s(self.pid)
        started = time.perf_counter()
        self.process.send(protocol.Start())
        while len(summaries) < count or not race.to_done_s:
            event = self.next_event()
            now = time.perf_counter()
            if isinstance(event, protocol.Metrics):
                race.metrics_events += 1
            elif isinstance(event, protocol.State) and event.status == "running":
                race.to_running_s = now - started
            elif isinstance(event, protocol.State) and event.status == "done":
                race.to_done_s = now - started
            elif isinstance(event, protocol.RunOpened):
                folders[event.variant] = event.path
            elif isinstance(event, protocol.Summary):
                summaries[event.variant] = event
        self.process.send(protocol.Pause())  # its State comes once the last run has closed
        self.wait_for(protocol.State)
        race.to_closed_s = time.perf_counter() - started
        race.cpu_s = process_cpu_s(self.pid) - cpu
        for index in range(count):
            summary = summaries[index]
            race.samples += summary.epochs * loaded.n_train
            race.engine_s += summary.elapsed_s
            race.stop_reasons.append(summary.stop_reason)
            race.start_losses.append(start_loss(Path(folders[index])))
        return race

    def close(self) -> None:
        self.process.stop(timeout=10.0)


def start_loss(folder: Path) -> float | None:
    """The first step's loss, before any update, that the run's checkpoint keeps."""
    from safetensors import safe_open

    with safe_open(str(folder / "checkpoint.safetensors"), framework="pt") as handle:
        metadata = handle.metadata() or {}
    loss = json.loads(metadata["run_state"])["start_loss"]
    return None if loss is None else float(loss)


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float
    samples: int

    @property
    def rate(self) -> float:
        return self.samples / self.wall_s

    @property
    def cpu_rate(self) -> float:
        return self.samples / self.cpu_s


@dataclass
class Bare:
    """The variants' bare loops, one after the other."""

    presets: list[Preset]
    n_train: int
    every: int  # epochs between evaluations, the engine's schedule

    def run(self, threads: int = 1, engine: bool = False) -> Timing:
        """Wall and CPU seconds and samples, at `threads` torch threads; `engine`: of the
        engine's `Trainer.run` instead, in this process (the engine's cost alone)."""
        torch.set_num_threads(threads)
        wall = 0.0
        cpu = time.process_time()
        for preset in self.presets:
            wall += (time_engine(preset) if engine else time_bare(preset, self.every))[0]
        samples = sum(preset.train.epochs * self.n_train for preset in self.presets)
        return Timing(wall, time.process_time() - cpu, samples)

    def shorter(self, divisor: int) -> Bare:
        presets = [with_epochs(p, max(1, p.train.epochs // divisor)) for p in self.presets]
        return Bare(presets, self.n_train, self.every)


def thread_counts(bare: Bare) -> tuple[list[int], str]:
    """The torch thread counts the bare loops run at each round: 1, and 2 where a probe (an
    eighth of the budget, twice each, alternately) finds 2 within 5% of 1 or faster; and what
    the probe found."""
    if (os.cpu_count() or 1) < 2:
        return [1], "1 core"
    short = bare.shorter(8)
    rates = {1: 0.0, 2: 0.0}
    for _ in range(2):
        for count in rates:
            rates[count] = max(rates[count], short.run(count).rate)
    found = f"probe: 1 thread {rates[1]:,.0f}, 2 threads {rates[2]:,.0f}"
    return ([1, 2] if rates[2] >= 0.95 * rates[1] else [1]), found


def bench(name: str, trainer: AppTrainer, rounds: int, epochs: int, seconds: float) -> bool:
    """Up to `rounds` rounds, fewer (at least `MIN_ROUNDS`) once `seconds` have passed."""
    from tui_nn.training import Trainer

    began = time.perf_counter()
    preset = compare_preset(name, epochs)
    compared = variants(preset)
    presets = [variant.preset for variant in compared]
    engine = Trainer(presets[0])
    bare = Bare(presets, engine.n_train, engine.eval_every_epochs)
    warm = bare.shorter(4)
    trainer.race(compare_preset(name, max(1, epochs // 4)))  # warm-ups
    warm.run(1), warm.run(1, engine=True)
    counts, probe = thread_counts(bare)
    races: list[RaceResult] = []
    loops: dict[int, list[Timing]] = {count: [] for count in counts}
    engines: list[Timing] = []
    turns = [("app", 1), ("engine", 1)] + [("bare", count) for count in counts]
    for index in range(rounds):  # each first in its turn
        if index >= MIN_ROUNDS and time.perf_counter() - began > seconds:
            rounds = index  # a loaded machine: the time is spent
            break
        shift = index % len(turns)
        for kind, count in turns[shift:] + turns[:shift]:
            if kind == "app":
                races.append(trainer.race(preset))
            elif kind == "engine":
                engines.append(bare.run(1, engine=True))
            else:
                loops[count].append(bare.run(count))
    done = [race.samples / race.to_done_s for race in races]
    closed = [race.samples / race.to_closed_s for race in races]
    engine_time = [race.samples / race.engine_s for race in races]
    app_cpu = [race.samples / race.cpu_s for race in races]
    # The best plain loop: each round's faster thread count.
    bare_wall = [max(loops[count][i].rate for count in counts) for i in range(rounds)]
    engine_wall = [timing.rate for timing in engines]
    paired = [app / loop for app, loop in zip(done, bare_wall, strict=True)]
    ratio, best = statistics.median(paired), max(done) / max(bare_wall)
    cpu_ratio = statistics.median(app_cpu) / statistics.median([t.cpu_rate for t in loops[1]])
    by_threads = ", ".join(
        f"{count} thread{'s' if count > 1 else ''} {statistics.median([t.rate for t in loops[count]]):,.0f}"
        for count in counts
    )
    same_start = all(len(set(race.start_losses)) == 1 for race in races)
    reasons = sorted({str(reason) for race in races for reason in race.stop_reasons})
    print(
        f"{name}: {' vs '.join(v.label for v in compared)}, {epochs} epochs each of "
        f"{engine.n_train} samples (stopped by: {', '.join(reasons)}), {rounds} rounds\n"
        f"  in app (python -m tui_nn.trainer.server via TrainerProcess, as the app runs it), "
        f"samples/s of both variants:\n"
        f"    Start to State done  {statistics.median(done):>9,.0f} median, {max(done):>9,.0f} best "
        f"({statistics.median([r.to_done_s for r in races]):.2f} s, of which "
        f"{statistics.median([r.to_running_s for r in races]) * 1000:.0f} ms to State running)\n"
        f"    Start to runs closed {statistics.median(closed):>9,.0f} median, {max(closed):>9,.0f} best\n"
        f"    engine time alone    {statistics.median(engine_time):>9,.0f} median (Summaries' elapsed_s); "
        f"{statistics.median([r.metrics_events / r.to_done_s for r in races]):.0f} Metrics events/s\n"
        f"    per CPU second       {statistics.median(app_cpu):>9,.0f} median (the trainer process's)\n"
        f"  bare loops one after the other, the faster thread count of each round "
        f"(medians: {by_threads}; {probe}):\n"
        f"    wall                 {statistics.median(bare_wall):>9,.0f} median, {max(bare_wall):>9,.0f} best\n"
        f"    per CPU second       {statistics.median([t.cpu_rate for t in loops[1]]):>9,.0f} median "
        f"(1 thread)\n"
        f"  for reference, the engine alone (Trainer.run in this process, one after the other): "
        f"{statistics.median(engine_wall):,.0f} median, {max(engine_wall):,.0f} best; best/best: "
        f"{max(engine_wall) / max(bare_wall):.3f} of bare, in app {max(done) / max(engine_wall):.3f}"
        f" of it\n"
        f"  ratio in app / bare: median of rounds {ratio:.3f} (min {min(paired):.3f}, max "
        f"{max(paired):.3f}), best/best {best:.3f}, per CPU second {cpu_ratio:.3f}   "
        f"{'PASS' if ratio >= TARGET else 'MISS'} (target >= {TARGET}, on the median)\n"
        f"  same initial weights (each variant's first loss, from its checkpoint): "
        f"{'yes' if same_start else 'NO'} "
        f"({', '.join(repr(x) for x in races[-1].start_losses)})"
    )
    return ratio >= TARGET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help=f"per preset: no new round after this many seconds (at least {MIN_ROUNDS} rounds)",
    )
    parser.add_argument("--only", choices=tuple(COMPARED))
    parser.add_argument("--epochs", type=int, help="each variant's budget (default: per preset)")
    parser.add_argument(
        "--app-threads",
        type=int,
        help="OMP_NUM_THREADS for the trainer process (default: the app's, which sets 1)",
    )
    args = parser.parse_args()
    names = [args.only] if args.only else list(COMPARED)
    with tempfile.TemporaryDirectory(prefix="compare-speed-") as temp:
        # The trainer inherits these: its run folders go to the temporary folder.
        os.environ["XDG_DATA_HOME"] = f"{temp}/data"
        os.environ["XDG_CONFIG_HOME"] = f"{temp}/config"
        if args.app_threads:
            os.environ["OMP_NUM_THREADS"] = str(args.app_threads)
        print(
            f"torch {torch.__version__}, {os.cpu_count()} cores, trainer threads: "
            f"{args.app_threads or 'the app default (OMP_NUM_THREADS=1)'}, up to {args.rounds} rounds"
        )
        trainer = AppTrainer()
        try:
            passed = [
                bench(name, trainer, args.rounds, args.epochs or EPOCHS[name], args.seconds)
                for name in names
            ]
        finally:
            trainer.close()
    return 0 if all(passed) else 1


if __name__ == "__main__":
    raise SystemExit(main())
