"""`tui-nn sweep` against separate `tui-nn train` runs, as a user would run them: each command a
process of its own, timed from start to exit, measured in one run of this script.

    python benchmarks/sweep_speed.py [--device auto|cpu|cuda] [--seeds 16] [--rates 8]
                                     [--mnist-epochs 10]

1. xor, 16 seeds, the preset's 500 epochs with its stop rule off (a fixed budget): one
   `tui-nn sweep --seeds 0-15` against 16 `tui-nn train --seed N` one after another; the
   target is a ratio <= 0.1x.
2. mnist-like (8x8 digits), 8 learning rates, fewer epochs: one `tui-nn sweep --set
   train.learning_rate=...` against 8 `tui-nn train --lr ...`.

For each, also the largest difference between a sweep run's final training loss and that of the
single run with the same seed and settings (the target is <= 1e-4). Run folders go to a temporary
folder, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_overhead import engine_preset

from tui_nn.presets import dump_preset


def fixed_budget_preset(name: str, folder: Path, device: str, epochs: int | None) -> Path:
    """The preset as a file with no stop rule (its epoch budget only), on `device`."""
    path = folder / f"{name}-fixed.toml"
    path.write_text(dump_preset(engine_preset(name, device, epochs)), encoding="utf-8")
    return path


def timed(args: list[str], env: dict[str, str]) -> tuple[float, list[str]]:
    """Seconds from start to exit of `tui-nn ARGS`, and its stdout lines."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tui_nn", *args], capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"tui-nn {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return wall, done.stdout.splitlines()


def compare(
    tag: str,
    label: str,
    preset: Path,
    variants: list[tuple[list[str], str]],
    sweep_args: list[str],
    folder: Path,
    env: dict[str, str],
) -> float:
    """Time the sweep and the single runs; print the figures; return the ratio.
    `variants`: per run, its `tui-nn train` arguments and its key in the sweep's results."""
    singles: dict[str, float] = {}
    single_wall = 0.0
    for index, (train_args, key) in enumerate(variants):
        out = folder / f"single-{tag}-{index}"
        wall, lines = timed(["train", str(preset), *train_args, "--out", str(out), "--json"], env)
        single_wall += wall
        singles[key] = json.loads(lines[-1])["train_loss"]
    out = folder / f"sweep-{tag}"
    sweep_wall, lines = timed(["sweep", str(preset), *sweep_args, "--out", str(out), "--json"], env)
    runs = json.loads(lines[-1])["runs"]
    differences = []
    for run in runs:
        if "train.learning_rate" in run["overrides"]:
            key = repr(run["overrides"]["train.learning_rate"])
        else:
            key = str(run["seed"])
        differences.append(abs(run["train_loss"] - singles[key]))
    count = len(variants)
    ratio = sweep_wall / single_wall
    print(f"{label}")
    print(f"  {count} x `tui-nn train`: {single_wall:7.2f} s ({single_wall / count:.2f} s each)")
    print(f"  1 x `tui-nn sweep`:   {sweep_wall:7.2f} s")
    print(f"  ratio sweep / separate runs: {ratio:.3f}x")
    print(f"  max |train_loss(sweep run) - train_loss(single run)|: {max(differences):.2e}")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--rates", type=int, default=8)
    parser.add_argument("--mnist-epochs", type=int, default=10)
    parser.add_argument("--skip-mnist", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sweep-speed-") as temp:
        folder = Path(temp)
        env = {**os.environ, "XDG_DATA_HOME": str(folder / "data")}
        xor = fixed_budget_preset("xor", folder, options.device, None)
        seeds = list(range(options.seeds))
        ratio = compare(
            "xor",
            f"xor: {len(seeds)} seeds, 500 epochs, no stop rule (device {options.device})",
            xor,
            [(["--seed", str(seed)], str(seed)) for seed in seeds],
            ["--seeds", f"0-{len(seeds) - 1}"],
            folder,
            env,
        )
        print(f"  target: ratio <= 0.1x: {'met' if ratio <= 0.1 else 'NOT met'}")
        if not options.skip_mnist:
            digits = fixed_budget_preset("mnist-like", folder, options.device, options.mnist_epochs)
            rates = [round(0.0005 * 1.6**i, 6) for i in range(options.rates)]
            compare(
                "mnist-like",
                f"mnist-like: {len(rates)} learning rates, {options.mnist_epochs} epochs "
                f"(device {options.device})",
                digits,
                [(["--lr", repr(rate)], repr(rate)) for rate in rates],
                ["--set", "train.learning_rate=" + ",".join(repr(rate) for rate in rates)],
                folder,
                env,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
