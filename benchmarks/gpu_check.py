"""The GPU check: everything tui-nn does on a CUDA device, in one script, one line per figure.

    python benchmarks/gpu_check.py [--mnist DIR] [--budget 240]

On a machine without a CUDA GPU it says so and exits 0 (CI runs it that way). On one with a GPU,
in under 5 minutes, it
  1. times the engine against a bare PyTorch loop on `cuda` for xor, mnist-like and real MNIST
     (the IDX files from --mnist, $TUI_NN_MNIST, ~/.cache/tui-nn/MNIST or shared/data/mnist-t10k;
     skipped with a line when none is there);
  2. counts host syncs (`torch.cuda.set_sync_debug_mode("warn")`) in training steps, which
     should wait for the GPU never, and in a metrics event, which reads the loss back once;
  3. trains xor in the app, over a pseudo-terminal, on `cuda`, and reads the run folder;
  4. reads each GPU through NVML as `tui-nn devices` does (the app's device panel is not built
     yet: that part says so and is skipped);
  5. runs the out-of-memory path: a batch too big for the card, in the app's trainer (which
     must then train the next preset on the same GPU) and in `tui-nn train` (exit status 4).
Each part is timed and bounded; a part that fails prints why and the others still run. The
exit status is 1 when a check failed, else 0.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

RESULTS: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0}


def say(line: str) -> None:
    print(line, flush=True)


def passed(what: str, figures: str) -> None:
    RESULTS["passed"] += 1
    say(f"PASS  {what}: {figures}")


def failed(what: str, why: str) -> None:
    RESULTS["failed"] += 1
    say(f"FAIL  {what}: {why}")


def skipped(what: str, why: str) -> None:
    RESULTS["skipped"] += 1
    say(f"SKIP  {what}: {why}")


class Budget:
    """The script's time: a part that would start after `seconds` is skipped."""

    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.seconds = seconds

    @property
    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)


def within(budget: Budget, most: float = 120.0) -> float:
    """A subprocess's timeout: at most `most` seconds, and no later than the budget's end."""
    return max(10.0, min(most, budget.left))


@contextlib.contextmanager
def part(what: str, budget: Budget, needs_s: float) -> Iterator[bool]:
    """Run a part unless too little time is left; an exception fails it, with its reason."""
    if budget.left < needs_s:
        skipped(what, f"{budget.left:.0f} s left of the budget, the part needs about {needs_s:.0f}")
        yield False
        return
    started = time.monotonic()
    try:
        yield True
    except Exception as error:  # noqa: BLE001 - one part failing must not stop the others
        failed(what, f"{type(error).__name__}: {error}")
        if os.environ.get("TUI_NN_DEBUG"):
            traceback.print_exc()
    finally:
        say(f"      ({what}: {time.monotonic() - started:.1f} s)")


# -- 1. engine against a bare loop -----------------------------------------------------------


def on_cuda(preset: Any, epochs: int) -> Any:
    train = dataclasses.replace(
        preset.train,
        device="cuda",
        epochs=epochs,
        target_loss=None,
        target_accuracy=None,
        patience=None,
    )
    return dataclasses.replace(preset, train=train)


def find_mnist(given: str | None) -> Path | None:
    candidates = [given, os.environ.get("TUI_NN_MNIST")]
    candidates += [
        str(Path("~/.cache/tui-nn/MNIST").expanduser()),
        str(REPO / "shared" / "data" / "mnist-t10k"),
        str(REPO.parent / "shared" / "data" / "mnist-t10k"),
    ]
    for candidate in candidates:
        if candidate and any(Path(candidate).glob("*-images-idx3-ubyte*")):
            return Path(candidate)
    return None


def engine_against_bare(mnist: Path | None, budget: Budget) -> None:
    import engine_overhead  # benchmarks/engine_overhead.py: the same two loops as on the CPU

    from tui_nn.presets import load_named

    presets = [("xor", load_named("xor"), 2000), ("mnist-like", load_named("mnist-like"), 10)]
    if mnist is None:
        skipped(
            "engine vs bare, cuda, MNIST",
            "no MNIST IDX files (give --mnist DIR or set TUI_NN_MNIST)",
        )
    else:
        mnist_preset = load_named("mnist")
        data = dataclasses.replace(mnist_preset.data, path=str(mnist))
        presets.append(("MNIST", dataclasses.replace(mnist_preset, data=data), 2))
    for name, preset, epochs in presets:
        what = f"engine vs bare, cuda, {name}"
        with part(what, budget, 20) as go:
            if not go:
                continue
            preset = on_cuda(preset, epochs)
            engine_overhead.time_engine(preset)  # warm-up: kernels, allocator, caches
            engine_overhead.time_bare(preset)
            engine, bare = [], []
            for _ in range(3):
                seconds, steps = engine_overhead.time_engine(preset)
                engine.append(steps / seconds)
                seconds, steps = engine_overhead.time_bare(preset)
                bare.append(steps / seconds)
            ratio = statistics.median(e / b for e, b in zip(engine, bare, strict=True))
            figures = (
                f"engine {statistics.median(engine):,.0f} steps/s, bare "
                f"{statistics.median(bare):,.0f} steps/s, ratio {ratio:.3f} (target >= 0.95)"
            )
            (passed if ratio >= 0.95 else failed)(what, figures)


# -- 2. host syncs ---------------------------------------------------------------------------


def count_syncs(action: Callable[[], object]) -> int:
    """Host syncs `action` makes, as torch's sync debug mode reports them."""
    import torch

    torch.cuda.synchronize()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            action()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    return sum("synchroniz" in str(warning.message) for warning in caught)


def host_syncs(budget: Budget) -> None:
    from tui_nn.presets import load_named
    from tui_nn.training import Trainer

    what = "host syncs, cuda, mnist-like"
    with part(what, budget, 15) as go:
        if not go:
            return
        trainer = Trainer(on_cuda(load_named("mnist-like"), 100))
        trainer.run(until_epoch=1)  # warm-up, and the first step's loss is taken
        per_epoch = trainer.steps_per_epoch
        first = count_syncs(trainer.step_batch)  # an epoch's first step: its order is drawn
        steps = per_epoch - 2  # the rest but the last (which ends the epoch and evaluates)
        rest = count_syncs(lambda: [trainer.step_batch() for _ in range(steps)])
        emit = count_syncs(trainer._emit)  # a metrics event: the window's loss read back
        figures = (
            f"{rest} in {steps} steps inside an epoch, {first} in an epoch's first step, "
            f"{emit} in a metrics event (about 10 a second)"
        )
        (passed if rest == 0 and emit <= 1 else failed)(what, figures)


# -- 3. the app over a pseudo-terminal -------------------------------------------------------


def app_on_cuda(budget: Budget) -> None:
    from pty_app import PtyApp  # benchmarks/pty_app.py

    from tui_nn.presets import dump_preset, load_named

    what = "the app trains xor on cuda over a pseudo-terminal"
    with part(what, budget, 60) as go:
        if not go:
            return
        with tempfile.TemporaryDirectory() as temp:
            preset = load_named("xor")
            preset = dataclasses.replace(
                preset, train=dataclasses.replace(preset.train, device="cuda")
            )
            preset_file = Path(temp) / "xor-cuda.toml"
            preset_file.write_text(dump_preset(preset), encoding="utf-8")
            env = {"XDG_CONFIG_HOME": f"{temp}/config", "XDG_DATA_HOME": f"{temp}/data"}
            runs = Path(temp) / "data" / "tui-nn" / "runs"
            app = PtyApp([sys.executable, "-m", "tui_nn", str(preset_file)], env=env)
            try:
                drawn_by = time.monotonic() + 30
                while not app.output and app.process.poll() is None:
                    if time.monotonic() > drawn_by:
                        raise TimeoutError("the app drew nothing in 30 s")
                    app.read(0.5)  # the first frame is on its way
                pressed = time.monotonic()
                info = wait_for_run(app, runs, pressed, timeout=min(60.0, budget.left))
            finally:
                app.close()
            seconds = time.monotonic() - pressed
            if info.get("status") != "done" or not str(info.get("device", "")).startswith("cuda"):
                failed(what, f"run.json says {json.dumps(info)[:300]}")
                return
            passed(
                what,
                f"done on {info['device']} in {info.get('epochs')} epochs, "
                f"{seconds:.1f} s from the first space to run.json saying done",
            )


def wait_for_run(app: Any, runs: Path, pressed: float, timeout: float = 60.0) -> dict[str, Any]:
    """Press space until the run folder appears (the trainer may still be loading), then wait
    for its run.json to say it has ended; press space again should it say paused."""
    next_press = 0.0
    info: dict[str, Any] = {}
    while time.monotonic() - pressed < timeout:
        folders = sorted(runs.glob("*/run.json")) if runs.is_dir() else []
        if folders:
            try:
                info = json.loads(folders[-1].read_text())
            except (OSError, ValueError):
                info = {}
            if info.get("status") in ("done", "stopped", "diverged", "failed"):
                return info
        if (not folders or info.get("status") == "paused") and time.monotonic() >= next_press:
            app.press(b" ")
            next_press = time.monotonic() + 3.0
        app.read(0.2)
    raise TimeoutError(f"no finished run within {timeout:.0f} s (run.json: {info})")


# -- 4. NVML and the device panel ------------------------------------------------------------


def nvml(budget: Budget) -> None:
    from tui_nn.devices import device_usage

    with part("NVML readings (tui-nn devices)", budget, 5) as go:
        if not go:
            return
        gpus = [usage for usage in device_usage() if usage.name.startswith("cuda")]
        for usage in gpus:
            what = f"NVML, {usage.name} ({usage.description})"
            if usage.memory_used_bytes is None or usage.utilisation_percent is None:
                skipped(what, usage.note or "no reading")
                continue
            total = usage.memory_total_bytes or 0
            temperature = "-" if usage.temperature_c is None else f"{usage.temperature_c:.0f} C"
            passed(
                what,
                f"{usage.utilisation_percent:.0f}% busy, {usage.memory_used_bytes / 2**30:.1f} "
                f"of {total / 2**30:.1f} GiB in use, {temperature}",
            )
    skipped("the app's device panel", "not built yet (issue 14, 'A device panel')")


# -- 5. out of memory ------------------------------------------------------------------------


def oom_preset() -> Any:
    """A batch whose first layer's output alone is twice the card's memory (100,000 units)."""
    import torch

    from tui_nn.presets import preset_from_dict

    total = torch.cuda.get_device_properties(0).total_memory
    units = 100_000
    samples = min(10_000_000, math.ceil(2 * total / (units * 4)))
    return preset_from_dict(
        {
            "schema": 1,
            "name": "too big for the card",
            "data": {"set": "gaussian", "samples": samples, "test_fraction": 0.0},
            "model": {
                "layers": [
                    {"units": units, "activation": "relu"},
                    {"units": 1, "activation": "sigmoid"},
                ]
            },
            "train": {
                "loss": "bce",
                "optimizer": "sgd",
                "batch_size": samples,
                "epochs": 1,
                "device": "cuda",
            },
        },
        source="gpu_check",
    )


def out_of_memory(budget: Budget) -> None:
    from tui_nn.presets import dump_preset, load_named, preset_to_dict
    from tui_nn.trainer import protocol

    with tempfile.TemporaryDirectory() as temp:
        env = dict(os.environ, XDG_DATA_HOME=f"{temp}/data", XDG_CONFIG_HOME=f"{temp}/config")
        big = oom_preset()
        what = "out of memory in the app's trainer, then xor on the same GPU"
        with part(what, budget, 60) as go:
            if go:
                xor = load_named("xor")
                xor = dataclasses.replace(xor, train=dataclasses.replace(xor.train, device="cuda"))
                commands = [
                    protocol.Load(preset_to_dict(big)),
                    protocol.Start(),
                    protocol.Load(preset_to_dict(xor)),
                    protocol.Start(),
                ]
                summaries = trainer_summaries(commands, env, count=2, timeout=within(budget))
                first, second = summaries
                ok = (
                    first.status == "failed"
                    and "out of memory" in first.message
                    and second.status == "done"
                )
                figures = f"{first.status}: {first.message!r}; then xor {second.status}"
                (passed if ok else failed)(what, figures)
        what = "out of memory in tui-nn train"
        with part(what, budget, 40) as go:
            if go:
                preset_file = Path(temp) / "big.toml"
                preset_file.write_text(dump_preset(big), encoding="utf-8")
                out = Path(temp) / "big-run"
                result = subprocess.run(
                    [sys.executable, "-m", "tui_nn", "train", str(preset_file), "--json"]
                    + ["--out", str(out)],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=within(budget),
                )
                info = json.loads((out / "run.json").read_text()) if out.is_dir() else {}
                ok = result.returncode == 4 and info.get("status") == "failed"
                figures = (
                    f"exit status {result.returncode}, run.json {info.get('status')!r}: "
                    f"{str(info.get('message', result.stderr.strip()))[:200]!r}"
                )
                (passed if ok else failed)(what, figures)


def trainer_summaries(
    commands: list[Any], env: dict[str, str], count: int, timeout: float
) -> list[Any]:
    """Send `commands` to a trainer process over its stdin, as the app does; its summaries."""
    from tui_nn.trainer import protocol

    server = subprocess.Popen(
        [sys.executable, "-m", "tui_nn.trainer.server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert server.stdin is not None and server.stdout is not None
    summaries = []
    deadline = time.monotonic() + timeout
    try:
        for command in commands:
            server.stdin.write(protocol.encode(command))
        server.stdin.flush()
        for line in server.stdout:
            event = protocol.decode_event(line)
            if isinstance(event, protocol.Summary):
                summaries.append(event)
                if len(summaries) == count:
                    return summaries
            if isinstance(event, protocol.Error):
                raise RuntimeError(f"the trainer said: {event.message}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(summaries)} of {count} summaries in {timeout:.0f} s")
        raise RuntimeError(f"the trainer ended after {len(summaries)} of {count} summaries")
    finally:
        with contextlib.suppress(OSError):
            server.stdin.write(protocol.encode(protocol.Quit()))
            server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- the script ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", metavar="DIR", help="a folder with MNIST's IDX files")
    parser.add_argument(
        "--budget", type=float, default=240.0, help="seconds for all parts (default 240)"
    )
    args = parser.parse_args()
    budget = Budget(args.budget)
    import torch

    if not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        say(f"gpu check: no CUDA GPU here (torch {torch.__version__}, {build}): nothing to check")
        return 0
    try:
        import tui_nn.training  # noqa: F401 - tui-nn and its dependencies must be installed
    except ImportError as error:
        say(f"gpu check: tui-nn cannot be imported here ({error}): `pip install -e .` first")
        return 2
    props = torch.cuda.get_device_properties(0)
    say(
        f"gpu check: {props.name}, {props.total_memory / 2**30:.0f} GiB, "
        f"{torch.cuda.device_count()} GPU(s); torch {torch.__version__}, CUDA {torch.version.cuda}"
    )
    engine_against_bare(find_mnist(args.mnist), budget)
    host_syncs(budget)
    app_on_cuda(budget)
    nvml(budget)
    out_of_memory(budget)
    seconds = time.monotonic() - budget.started
    say(
        f"gpu check: {RESULTS['passed']} passed, {RESULTS['failed']} failed, "
        f"{RESULTS['skipped']} skipped in {seconds:.0f} s"
    )
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
