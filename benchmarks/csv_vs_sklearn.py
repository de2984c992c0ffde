"""tui-nn's CSV path against scikit-learn's MLPClassifier of the same size, on the same split.

scikit-learn's bundled iris, wine and breast-cancer data are written as CSV files; each is trained
the way `tui-nn train FILE.csv` trains it (the preset built from the file, read back by the CSV
loader, the engine) and by scikit-learn (StandardScaler, then MLPClassifier with the same hidden
layer), on the training part of the very same split, for 5 seeds (each seed draws the split and the
initial weights). scikit-learn trains twice: with tui-nn's training (adam at the same learning rate,
the same batch size and epochs, no L2 penalty, no early stop: "same") and with its own defaults
(adam at 0.001, alpha 1e-4, batches of 200, stopping when the training loss stalls) given up to
2,000 epochs to converge ("default"). Printed: the mean test accuracy over the seeds (and its
spread), tui-nn's with its default `data.standardize = true` and with it off ("raw"); the gap is
the better scikit-learn figure less tui-nn's, in points.

scikit-learn is a benchmark-only dependency: `pip install scikit-learn`.

    python benchmarks/csv_vs_sklearn.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch

from tui_nn.presets.from_csv import preset_from_csv
from tui_nn.spec import Preset
from tui_nn.training import Trainer


def write_csv(name: str, folder: Path) -> Path:
    """scikit-learn's data set as a CSV file: a header of feature names and "target"."""
    from sklearn import datasets

    loaded = {
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "breast-cancer": datasets.load_breast_cancer,
    }[name]()
    path = folder / f"{name}.csv"
    names = [str(n).replace(",", " ") for n in loaded.feature_names]
    lines = [",".join([*names, "target"])]
    for row, target in zip(loaded.data.tolist(), loaded.target.tolist(), strict=True):
        lines.append(",".join([*(repr(float(v)) for v in row), str(int(target))]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seeded(preset: Preset, seed: int, standardize: bool) -> Preset:
    data = dataclasses.replace(preset.data, standardize=standardize)
    train = dataclasses.replace(preset.train, seed=seed, device="cpu")
    return dataclasses.replace(preset, data=data, train=train)


def tui_nn_run(preset: Preset) -> tuple[float, Trainer]:
    trainer = Trainer(preset)
    trainer.run()
    accuracy = trainer.summary().test_acc
    assert accuracy is not None
    return accuracy, trainer


def sklearn_run(trainer: Trainer, seed: int, same: bool) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = trainer.dataset.x.double().numpy()  # the raw values the CSV loader read
    y = trainer.dataset.y.numpy()
    train, test = trainer.train_idx.numpy(), trainer.test_idx.numpy()
    preset = trainer.preset
    hidden = preset.model.layers[0].units
    if same:
        epochs = preset.train.epochs
        classifier = MLPClassifier(
            hidden_layer_sizes=(hidden,),
            learning_rate_init=preset.train.learning_rate,
            batch_size=preset.train.batch_size,
            max_iter=epochs,
            alpha=0.0,
            n_iter_no_change=epochs + 1,  # never stops early: all the epochs, as tui-nn
            random_state=seed,
        )
    else:
        classifier = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=2000, random_state=seed)
    model = make_pipeline(StandardScaler(), classifier)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # "same" ends at its epoch budget
        model.fit(x[train], y[train])
    return float(model.score(x[test], y[test]))


def spread(values: list[float]) -> str:
    return f"{statistics.mean(values):6.1%} ±{statistics.pstdev(values):5.1%}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    seeds = range(args.seeds)
    print(
        f"{'data':<14} {'rows':>5} {'in':>3} {'cls':>3} {'hidden':>6} {'epochs':>6}  "
        f"{'tui-nn':>14}  {'tui-nn raw':>14}  {'sklearn same':>14}  {'sklearn default':>15}  "
        f"{'gap':>5}"
    )
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name in ("iris", "wine", "breast-cancer"):
            started = time.perf_counter()
            preset, _ = preset_from_csv(write_csv(name, Path(folder)))
            hidden = preset.model.layers[0].units
            scaled, raw, same, default = [], [], [], []
            for seed in seeds:
                accuracy, trainer = tui_nn_run(seeded(preset, seed, standardize=True))
                scaled.append(accuracy)
                raw.append(tui_nn_run(seeded(preset, seed, standardize=False))[0])
                same.append(sklearn_run(trainer, seed, same=True))
                default.append(sklearn_run(trainer, seed, same=False))
            best = max(statistics.mean(same), statistics.mean(default))
            gap = best - statistics.mean(scaled)
            worst = max(worst, gap)
            data = trainer.dataset
            print(
                f"{name:<14} {len(data):>5} {data.n_features:>3} {data.n_classes:>3} "
                f"{hidden:>6} {preset.train.epochs:>6}  {spread(scaled)}  {spread(raw)}  "
                f"{spread(same)}  {spread(default):>15}  {gap * 100:+5.1f}  "
                f"({time.perf_counter() - started:.0f} s)"
            )
    print(
        f"mean test accuracy over {args.seeds} seeds (split and weights); gap = the better "
        "scikit-learn - tui-nn, in points; tui-nn raw: data.standardize = false"
    )
    return 0 if worst <= 1.0 / 100 else 1


if __name__ == "__main__":
    sys.exit(main())
