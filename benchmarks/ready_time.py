"""From launching `tui-nn xor` to its trainer being ready, against the bare `import torch` time
(target: no more than that time plus 0.5 s, on a quiet machine).

    python benchmarks/ready_time.py [--rounds 5]

Each round measures, one after the other (so that a busy moment of the machine hits all three):
(a) `python -c "import torch"`, wall time of the subprocess;
(b) `tui-nn xor` in a pseudo-terminal, from the spawn until the app has the trainer's `Ready`
    (the trainer is up, torch loaded; the app notes it in TUI_NN_TIMING_LOG, as it notes when it
    spawned the trainer), and until the status line shows IDLE (the preset is loaded too: space
    starts training at once); the app is then quit with q, and a trainer it left running is
    reported;
(c) the trainer alone, `python -m tui_nn.trainer.server` on stdin/stdout: from the spawn to its
    `Ready` line, then to the `Loaded` line of xor.
Prints the medians and (b) - (a) against the 0.5 s target, for Ready and for IDLE.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_app import PtyApp

TARGET_S = 0.5


def import_torch() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - start


def app_ready(env: dict[str, str], timing: Path) -> tuple[float, float, float]:
    """Seconds from spawning `tui-nn xor` to its spawning the trainer, to the trainer's Ready
    reaching it, and to IDLE on its status line."""
    tui_nn = str(Path(sys.executable).with_name("tui-nn"))
    timing.unlink(missing_ok=True)
    launched = time.time()
    app = PtyApp([tui_nn, "xor"], size=(100, 30), env=dict(env, TUI_NN_TIMING_LOG=str(timing)))
    try:
        app.wait_for("IDLE", timeout=60)
        idle = time.perf_counter() - app.started
        marks = dict(line.split() for line in timing.read_text().splitlines())
        spawn, ready = (float(marks[name]) - launched for name in ("spawn", "ready"))
        app.press(b"q")
        deadline = time.perf_counter() + 10
        while app.process.poll() is None and time.perf_counter() < deadline:
            app.read(0.05)
        leftover = trainers_of(app.process.pid)
        if leftover:
            print(f"  warning: the app left trainer(s) running: {leftover}", file=sys.stderr)
        return spawn, ready, idle
    finally:
        app.close()


def trainers_of(app_pid: int) -> list[int]:
    """Trainer processes started by the app `app_pid` (their socket is named after it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"tui_nn.trainer.server" in argv and any(
            f"trainer-{app_pid}-".encode() in part for part in argv
        ):
            found.append(int(entry.name))
    return found


def trainer_alone(env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawning the trainer on stdin/stdout to its Ready line, and to Loaded (xor)."""
    from tui_nn.presets import load_named, preset_to_dict
    from tui_nn.trainer import protocol

    load = protocol.encode(protocol.Load(preset=preset_to_dict(load_named("xor"))))
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_nn.trainer.server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, **env),
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(load)  # read once the trainer is up, as the app's first command is
    process.stdin.flush()
    ready = loaded = float("nan")
    for line in process.stdout:
        event = protocol.decode_event(line)
        if isinstance(event, protocol.Ready):
            ready = time.perf_counter() - start
        elif isinstance(event, protocol.Loaded):
            loaded = time.perf_counter() - start
            break
        elif isinstance(event, protocol.Error):
            process.kill()
            raise RuntimeError(f"the trainer refused xor: {event.message}")
    process.stdin.close()
    process.wait(timeout=10)
    return ready, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        env = {"XDG_CONFIG_HOME": f"{temp}/config", "XDG_DATA_HOME": f"{temp}/data"}
        rows: list[tuple[float, ...]] = []
        for round_ in range(args.rounds):
            torch_s = import_torch()
            spawn, ready, idle = app_ready(env, Path(temp) / "timing.log")
            alone_ready, alone_loaded = trainer_alone(env)
            rows.append((torch_s, spawn, ready, idle, alone_ready, alone_loaded))
            print(
                f"round {round_ + 1}: import torch {torch_s:.2f} s; tui-nn xor: trainer spawned "
                f"{spawn:.2f} s, Ready {ready:.2f} s, IDLE {idle:.2f} s; trainer alone: Ready "
                f"{alone_ready:.2f} s, Loaded {alone_loaded:.2f} s",
                flush=True,
            )
    names = (
        "`python -c 'import torch'`",
        "tui-nn xor: trainer spawned",
        "tui-nn xor: Ready in the app",
        "tui-nn xor: IDLE on screen",
        "trainer alone: Ready",
        "trainer alone: Loaded",
    )
    medians = [statistics.median(column) for column in zip(*rows, strict=True)]
    for name, median in zip(names, medians, strict=True):
        print(f"median {name + ':':<31} {median:.2f} s")
    for name, median in (("Ready", medians[2]), ("IDLE", medians[3])):
        over = median - medians[0]
        verdict = "meets" if over <= TARGET_S else "misses"
        print(f"launch to {name} - import torch: {over:+.2f} s ({verdict} the {TARGET_S} s target)")


if __name__ == "__main__":
    main()
