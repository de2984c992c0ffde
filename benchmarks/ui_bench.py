"""The app's speed, measured in a pseudo-terminal as a user's terminal sees it.

    python benchmarks/ui_bench.py [--rounds 5] [--seconds 8] [--only startup|training]

Bytecode is compiled first, as `pip install` does: these machines set PYTHONDONTWRITEBYTECODE, so
an editable checkout would otherwise compile every tui_nn module at each start (~60 ms), which a
user's install does not.

- startup: launch to the first frame (the main screen's text on screen), tui-nn against a bare Textual
  app in the same run (target: <= 0.5 s and <= 2x the bare app), and the UI process's memory;
- training inside the app against a bare PyTorch loop on the same network and data (target >= 0.9x),
  for xor and mnist-like, read from the run folder's metrics.jsonl;
- responsiveness while training: key press (`a`, ASCII plots) to the changed legend on screen,
  p50/p95 (<= 50 ms), at full speed and then at each slower pace (`-`: 100, 30, 10, 3 and 1
  steps a second, where every step is sent), and F1 to the help screen shown;
- event-loop stalls while training (the app's own TUI_NN_LOOP_STATS monitor): p95 and max lag.
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_overhead import engine_preset, time_bare
from pty_app import PtyApp

HERE = Path(__file__).resolve().parent
PACE_STEPS = ("100", "30", "10", "3", "1")  # what `-` steps through from full speed
F1, ESCAPE, SPACE, CTRL_O, CTRL_R = b"\x1bOP", b"\x1b", b" ", b"\x0f", b"\x12"
# Screens opened (and closed) while training: key, name, text of the screen that shows it is up.
SCREENS = [
    (F1, "f1 help", "tui-nn keys (escape closes)"),
    (CTRL_O, "ctrl+o open", "Open a preset"),
    (CTRL_R, "ctrl+r runs", "Runs, newest first"),
]
SCREEN_ROUNDS = 3


def first_frame(argv: list[str], env: dict, marker: str) -> tuple[float, float]:
    app = PtyApp(argv, env=env)
    try:
        app.wait_for(marker, timeout=30)
        seconds = time.perf_counter() - app.started
        app.drain(1.0)
        return seconds, app.rss_mb()
    finally:
        app.close()


def bench_startup(rounds: int, env: dict) -> None:
    ours, bare, memory = [], [], []
    for _ in range(rounds):
        seconds, rss = first_frame([sys.executable, "-m", "tui_nn", "xor"], env, "Presets")
        ours.append(seconds)
        memory.append(rss)
        bare.append(
            first_frame([sys.executable, str(HERE / "bare_textual_app.py")], env, "bare")[0]
        )
    ratios = [a / b for a, b in zip(ours, bare, strict=True)]
    print(
        f"startup      tui-nn {statistics.median(ours) * 1000:6.0f} ms   bare textual "
        f"{statistics.median(bare) * 1000:6.0f} ms   ratio {statistics.median(ratios):.2f}   "
        f"UI process {statistics.median(memory):.0f} MB resident"
    )


def write_preset(folder: Path, name: str, epochs: int) -> Path:
    from tui_nn.presets import save_preset

    path = folder / f"bench-{name}.toml"
    save_preset(engine_preset(name, "cpu", epochs), path)
    return path


def bare_rate(name: str) -> float:
    """Steps a second of a bare PyTorch loop on the same network and data (after a warm-up)."""
    epochs = {"xor": 3000, "mnist-like": 10}[name]
    time_bare(engine_preset(name, "cpu", epochs // 3))
    seconds, steps = time_bare(engine_preset(name, "cpu", epochs))
    return steps / seconds


def bench_training(
    name: str, epochs: int, seconds: float, env: dict, folder: Path, keep_stats: Path | None
) -> None:
    preset_file = write_preset(folder, name, epochs)
    # This machine's speed drifts: the bare loop runs just before and just after the app.
    bare_before = bare_rate(name)
    stats_file = folder / f"loop-{name}.json"
    app = PtyApp(
        [sys.executable, "-m", "tui_nn", str(preset_file)],
        env={**env, "TUI_NN_LOOP_STATS": str(stats_file)},
    )
    latencies: list[float] = []
    paced: dict[str, list[float]] = {}
    screens: dict[str, list[float]] = {}
    actions: list[tuple[float, str]] = [(app.started, "launch")]

    def press(key: bytes, what: str) -> None:
        actions.append((time.perf_counter(), what))
        app.press(key)

    try:
        app.wait_for("Quit")
        app.drain(4.0)  # the trainer process imports torch and loads the preset
        press(SPACE, "space (start)")
        app.drain(1.0)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:  # toggle ASCII plots while it trains
            for shown in ("* train", "\u2022 train"):  # the legend's marker changes
                mark = len(app.output)
                press(b"a", "a")
                latencies.append(app.wait_for(shown, timeout=5, since=mark))
                app.drain(0.2)
        screens_from = time.perf_counter()
        for pace in PACE_STEPS:  # each slower pace in turn: every step reaches the app
            mark = len(app.output)
            press(b"-", f"- (pace {pace})")
            app.wait_for(f"pace {pace}/s", timeout=5, since=mark)
            for _ in range(2):
                for shown in ("* train", "\u2022 train"):
                    mark = len(app.output)
                    press(b"a", "a")
                    paced.setdefault(pace, []).append(app.wait_for(shown, timeout=5, since=mark))
                    app.drain(0.2)
        for _ in PACE_STEPS:
            press(b"+", "+")  # back to full speed for the screens
        app.drain(0.5)
        for _ in range(SCREEN_ROUNDS):  # open and close each screen while it trains
            for key, screen, title in SCREENS:
                mark = len(app.output)
                press(key, screen)
                screens.setdefault(screen, []).append(app.wait_for(title, timeout=5, since=mark))
                app.drain(0.3)
                press(ESCAPE, f"escape (closes {screen})")
                app.drain(0.3)
        rss = app.rss_mb()
        press(SPACE, "space (pause)")  # then quit and stop the run
        app.drain(0.5)
        press(b"q", "q (quit asks)")
        app.drain(0.5)
        press(b"s", "s (stop and quit)")
        app.process.wait(timeout=10)
    finally:
        app.close()
    loop = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    if keep_stats is not None:  # the stalls' stack samples, for a closer look
        keep_stats.mkdir(parents=True, exist_ok=True)
        (keep_stats / f"loop-{name}.json").write_text(json.dumps({**loop, "actions": actions}))
    runs = sorted(
        (Path(env["XDG_DATA_HOME"]) / "tui-nn" / "runs").iterdir(), key=lambda p: p.stat().st_mtime
    )
    events = [json.loads(line) for line in (runs[-1] / "metrics.jsonl").read_text().splitlines()]
    # The rate over the plotting phase (live plots, keys typed): from a second after space until
    # the screens open (their building takes a core of this 2-core machine for a moment).
    training_from = next(at for at, what in actions if what == "space (start)")
    window = (1.0, screens_from - training_from)
    events = [
        e
        for e in events
        if e.get("event") == "metrics" and window[0] <= e.get("elapsed_s", -1) <= window[1]
    ]
    first, last = events[0], events[-1]
    app_rate = (last["step"] - first["step"]) / (last["elapsed_s"] - first["elapsed_s"])
    bare_after = bare_rate(name)
    bare = (bare_before + bare_after) / 2
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    training_to = next(at for at, what in actions if what == "q (quit asks)")
    stalls = loop.get("stalls", [])
    while_training = [s for s in stalls if training_from <= s["at"] <= training_to]
    worst = max((s["ms"] for s in while_training), default=0.0)
    gc_ms = loop.get("gc_ms", [0.0, 0.0, 0.0])
    at_paces = "   ".join(
        f"{pace}/s p95 {max(times) * 1000:.0f} ms" for pace, times in paced.items()
    )
    opened = "   ".join(
        f"{screen} {statistics.median(times) * 1000:.0f} ms" for screen, times in screens.items()
    )
    print(
        f"{name:<12} in app {app_rate:9,.0f} steps/s   bare loop {bare:9,.0f} steps/s (before "
        f"{bare_before:,.0f}, after {bare_after:,.0f})   ratio {app_rate / bare:.2f}   "
        f"UI process {rss:.0f} MB\n"
        f"{'':<12} key a to screen p50 {statistics.median(latencies) * 1000:.0f} ms "
        f"p95 {p95 * 1000:.0f} ms (n={len(latencies)});   screen shown (median of "
        f"{SCREEN_ROUNDS}): {opened}\n"
        f"{'':<12} key a to screen at each pace (worst of {2 * 2}): {at_paces}\n"
        f"{'':<12} event loop while training (space to q): {len(while_training)} wake-ups over "
        f"50 ms, longest {worst:.0f} ms; all run: lag p95 {loop.get('p95_ms', float('nan')):.1f} ms "
        f"of {loop.get('samples', '?')} wake-ups; garbage collection {sum(gc_ms):.0f} ms "
        f"(generations {', '.join(f'{t:.0f}' for t in gc_ms)}; longest "
        f"{loop.get('gc_longest_ms', 0):.0f} ms)"
    )
    happenings = [(s["at"], f"stall {s['ms']:5.0f} ms") for s in stalls] + [
        (g["at"], f"gc{g['generation']} {g['ms']:6.0f} ms") for g in loop.get("long_gcs", [])
    ]
    for when, text in sorted(happenings):
        at, what = max((a for a in actions if a[0] <= when), default=(app.started, "launch"))
        print(f"{'':<12} {text}, {when - at:5.2f} s after {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--only", choices=("startup", "training"))
    parser.add_argument("--keep-stats", type=Path, help="folder for the event-loop statistics")
    parser.add_argument(
        "--preset", action="append", choices=("xor", "mnist-like"), help="(default: both)"
    )
    args = parser.parse_args()
    compileall.compile_dir(HERE.parent / "tui_nn", quiet=1)
    with tempfile.TemporaryDirectory() as temp:
        env = {
            "XDG_CONFIG_HOME": f"{temp}/config",
            "XDG_DATA_HOME": f"{temp}/data",
            "TEXTUAL_ANIMATIONS": "none",
        }
        if args.only in (None, "startup"):
            bench_startup(args.rounds, env)
        if args.only in (None, "training"):
            for name in args.preset or ("xor", "mnist-like"):
                epochs = {"xor": 10_000_000, "mnist-like": 100_000}[name]
                bench_training(name, epochs, args.seconds, env, Path(temp), args.keep_stats)


if __name__ == "__main__":
    main()
