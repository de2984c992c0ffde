"""CPU threads for training: the engine's steps/s at each thread count, then the same preset
trained through both paths, `tui-nn train` and the app's trainer process, side by side.

    python benchmarks/train_threads.py [--preset mnist-like] [--epochs 10] [--rounds 5] [--load N]

The first part is the measurement behind `tui_nn.devices.training_threads` (which both paths
use): steps/s of the engine with 1, 2, ... threads, alternated round by round, medians. The second
runs `tui-nn train PRESET --json` and the trainer process (`python -m tui_nn.trainer.server`,
driven over its stdin as the app drives it) and prints each one's training time from its summary,
plus `tui-nn train` with torch's default thread count (OMP_NUM_THREADS set to every core).
`--load N` keeps N busy-looping processes running meanwhile: a shared machine under load.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from tui_nn.devices import training_threads
from tui_nn.presets import load_named, preset_to_dict
from tui_nn.spec import Preset
from tui_nn.trainer import protocol
from tui_nn.training import Trainer


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def bench_preset(name: str, epochs: int) -> Preset:
    preset = load_named(name)
    train = dataclasses.replace(
        preset.train,
        device="cpu",
        epochs=epochs,
        target_loss=None,
        target_accuracy=None,
        patience=None,
    )
    return dataclasses.replace(preset, train=train)


def engine_rate(preset: Preset, threads: int) -> float:
    torch.set_num_threads(threads)
    trainer = Trainer(preset)
    started = time.perf_counter()
    trainer.run()
    return trainer.state.step / (time.perf_counter() - started)


def busy_loop() -> None:
    while True:
        pass


def cli_seconds(preset_file: Path, env: dict[str, str]) -> float:
    """`tui-nn train FILE --json`: the training time its summary reports."""
    result = subprocess.run(
        [sys.executable, "-m", "tui_nn", "train", str(preset_file), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return float(summary["elapsed_s"])


def trainer_seconds(preset: Preset, env: dict[str, str]) -> float:
    """The app's trainer process, sent Load and Start as the app sends them: its summary's time."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tui_nn.trainer.server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        server.stdin.write(protocol.encode(protocol.Load(preset_to_dict(preset))))
        server.stdin.write(protocol.encode(protocol.Start()))
        server.stdin.flush()
        for line in server.stdout:
            event = protocol.decode_event(line)
            if isinstance(event, protocol.Error):
                raise RuntimeError(f"the trainer said: {event.message}")
            if isinstance(event, protocol.Summary):
                return event.elapsed_s
        raise RuntimeError("the trainer ended without a summary")
    finally:
        server.stdin.write(protocol.encode(protocol.Quit()))
        server.stdin.close()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="mnist-like")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--load", type=int, default=0, help="busy processes meanwhile")
    args = parser.parse_args()
    preset = bench_preset(args.preset, args.epochs)
    n = cores()
    chosen = training_threads()
    print(
        f"torch {torch.__version__}, {n} cores, training_threads() = {chosen}, "
        f"{args.load} busy processes, {args.preset} for {args.epochs} epochs"
    )
    load = [multiprocessing.Process(target=busy_loop, daemon=True) for _ in range(args.load)]
    for process in load:
        process.start()
    try:
        counts = sorted({1, 2, max(1, n // 2), max(1, n - 1), n})
        engine_rate(preset, 1)  # warm-up
        rates: dict[int, list[float]] = {count: [] for count in counts}
        for _ in range(args.rounds):
            for count in counts:
                rates[count].append(engine_rate(preset, count))
        for count in counts:
            mark = "  <- training_threads()" if count == chosen else ""
            print(
                f"engine, {count:>2} threads: {statistics.median(rates[count]):>8,.0f} steps/s "
                f"(min {min(rates[count]):,.0f}, max {max(rates[count]):,.0f}){mark}"
            )
        with tempfile.TemporaryDirectory() as temp:
            env = dict(os.environ, XDG_DATA_HOME=f"{temp}/data", XDG_CONFIG_HOME=f"{temp}/config")
            env.pop("OMP_NUM_THREADS", None)
            preset_file = Path(temp) / "bench.toml"
            from tui_nn.presets import dump_preset

            preset_file.write_text(dump_preset(preset), encoding="utf-8")
            default_env = dict(env, OMP_NUM_THREADS=str(n))  # torch's default: every core
            paths = {
                "tui-nn train": lambda: cli_seconds(preset_file, env),
                "app's trainer": lambda: trainer_seconds(preset, env),
                f"tui-nn train, torch's default {n} threads": lambda: cli_seconds(
                    preset_file, default_env
                ),
            }
            seconds: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(args.rounds):
                for name, measure in paths.items():
                    seconds[name].append(measure())
            for name, values in seconds.items():
                print(
                    f"{name + ':':<36} {statistics.median(values):6.3f} s training "
                    f"(min {min(values):.3f}, max {max(values):.3f})"
                )
    finally:
        for process in load:
            process.terminate()


if __name__ == "__main__":
    main()
