"""The universal-approximation pair (`sine`, `sine-wide`) against scikit-learn's MLPRegressor.

Each width is trained on the same data and split, for several seeds (each seed draws the noisy
samples, the split and the initial weights): tui-nn with the preset as it is, tui-nn with ten times
its epochs, and scikit-learn's MLPRegressor of the same width (tanh, lbfgs, up to 20,000
iterations: the budget is not the limit). Width 2 is `sine` with two units, the narrowest network
that can make the one bump y = sin(x) has on [-pi, pi]. Printed: the mean test MSE over the seeds
(and its spread) next to the noise floor, the test MSE of sin(x) itself on the same noisy test
points. For one unit, "monotone" is the least test MSE any rising or falling curve can reach on
those points (isotonic regression): a tanh unit's curve is monotone, so no training beats it.

Exit status 0 when the narrow preset stays above 3 times the floor in every run and sine-wide
ends, on average, within 1.5 times the floor.

scikit-learn is a benchmark-only dependency: `pip install scikit-learn`.

    python benchmarks/universal_approx.py [--seeds 5] [--long 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
import warnings

import torch

from tui_nn.presets.library import load_named
from tui_nn.spec import Preset
from tui_nn.training import Trainer

ROWS = (("sine", None), ("sine, 2 units", 2), ("sine-wide", None))


def monotone_mse(ys: list[float]) -> float:
    """The least mean squared error of a non-decreasing fit to `ys` (pool adjacent violators)."""
    blocks: list[tuple[float, int]] = []  # (sum, count) of each pooled run
    for y in ys:
        total, count = y, 1
        while blocks and blocks[-1][0] * count > total * blocks[-1][1]:
            s, n = blocks.pop()
            total, count = total + s, count + n
        blocks.append((total, count))
    fitted = [total / count for total, count in blocks for _ in range(count)]
    return sum((y - f) ** 2 for y, f in zip(ys, fitted, strict=True)) / len(ys)


def variant(name: str, units: int | None, seed: int, epochs_factor: int = 1) -> Preset:
    preset = load_named(name.split(",")[0])
    if units is not None:
        layers = [
            dataclasses.replace(preset.model.layers[0], units=units),
            *preset.model.layers[1:],
        ]
        preset = dataclasses.replace(preset, model=dataclasses.replace(preset.model, layers=layers))
    train = dataclasses.replace(
        preset.train, seed=seed, device="cpu", epochs=preset.train.epochs * epochs_factor
    )
    return dataclasses.replace(preset, train=train)


def tui_nn_mse(preset: Preset) -> tuple[float, Trainer]:
    trainer = Trainer(preset)
    trainer.run()
    loss = trainer.summary().test_loss  # torch's mse: the mean squared error, no 1/2
    assert loss is not None
    return loss, trainer


def sklearn_mse(trainer: Trainer, seed: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(
        hidden_layer_sizes=(trainer.preset.model.layers[0].units,),
        activation="tanh",
        solver="lbfgs",
        alpha=0.0,
        max_iter=20_000,
        max_fun=40_000,
        tol=1e-12,
        random_state=seed,
    )
    x_train, x_test = trainer.x_train.double().numpy(), trainer.x_test.double().numpy()
    y_train, y_test = trainer.y_train.double().numpy(), trainer.y_test.double().numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y_train.ravel())
    return float(((model.predict(x_test) - y_test.ravel()) ** 2).mean())


def floors(trainer: Trainer) -> tuple[float, float]:
    """The noise floor and the monotone bound on this run's test points."""
    x = trainer.raw_x[trainer.test_idx].double().ravel()
    y = trainer.y_test.double().ravel()
    noise = float(((y - torch.sin(x)) ** 2).mean())
    ys = y[torch.argsort(x)].tolist()
    return noise, min(monotone_mse(ys), monotone_mse([-v for v in ys]))


def spread(values: list[float]) -> str:
    return f"{statistics.mean(values):.4f} ±{statistics.pstdev(values):.4f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--long", type=int, default=10, help="epoch factor of the long runs")
    args = parser.parse_args()
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("needs scikit-learn: pip install scikit-learn", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    print(
        f"{'preset':<14} {'units':>5} {'epochs':>6}  {'tui-nn':>15}  {'tui-nn long':>15}  "
        f"{'sklearn lbfgs':>15}  {'noise floor':>15}  {'monotone':>15}  {'closest':>8}"
    )
    narrow_worst, wide_mean = 0.0, 0.0
    for name, units in ROWS:
        started = time.perf_counter()
        columns: dict[str, list[float]] = {k: [] for k in ("short", "long", "sk", "noise", "mono")}
        ratios: list[float] = []
        for seed in range(args.seeds):
            short, trainer = tui_nn_mse(variant(name, units, seed))
            long, _ = tui_nn_mse(variant(name, units, seed, args.long))
            sk = sklearn_mse(trainer, seed)
            noise, mono = floors(trainer)
            for key, value in zip(columns, (short, long, sk, noise, mono), strict=True):
                columns[key].append(value)
            ratios.append(min(short, long, sk) / noise)
        preset = trainer.preset
        cells = "  ".join(spread(columns[k]) for k in ("short", "long", "sk", "noise"))
        monotone = spread(columns["mono"]) if preset.model.layers[0].units == 1 else "-"
        print(
            f"{name:<14} {preset.model.layers[0].units:>5} {preset.train.epochs:>6}  "
            f"{cells}  {monotone:>15}  "
            f"{min(ratios):>7.1f}x  ({time.perf_counter() - started:.0f} s)"
        )
        if name == "sine":
            narrow_worst = min(ratios)
        if name == "sine-wide":
            wide_mean = statistics.mean(columns["short"]) / statistics.mean(columns["noise"])
    print(
        f"test MSE, mean ± spread over {args.seeds} seeds (data, split and weights); long: "
        f"{args.long}x the preset's epochs; closest: the nearest any run came to its seed's noise "
        "floor, as a multiple of it"
    )
    print(f"sine: at least {narrow_worst:.1f}x the floor; sine-wide: {wide_mean:.2f}x on average")
    return 0 if narrow_worst > 3.0 and wide_mean < 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
