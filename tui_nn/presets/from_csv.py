"""A preset built from a CSV file (`tui-nn train data.csv`): its columns are the inputs, its
labels the outputs (classes, or one number for a fractional label), one hidden layer between,
inputs standardised, a test split held out. Torch-free: the file is read by
`tui_nn.data.table`."""

from __future__ import annotations

import math
import os
from pathlib import Path

from tui_nn.data.table import CsvOptions, read_table
from tui_nn.spec import DataSpec, LayerSpec, ModelSpec, Preset, TrainSpec

__all__ = ["CSV_SUFFIXES", "hidden_units", "is_data_file", "preset_from_csv"]

CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".data", ".dat")
TEST_FRACTION = 0.2
BATCH_SIZE = 32
LEARNING_RATE = 0.01
TARGET_STEPS = 3000  # about this many optimizer steps in all, within the epoch limits below
MIN_EPOCHS, MAX_EPOCHS = 10, 300
MIN_HIDDEN, MAX_HIDDEN = 16, 128


def is_data_file(name: str) -> bool:
    """Whether the command line's PRESET_OR_FILE names a data file rather than a preset."""
    return Path(name).suffix.lower() in CSV_SUFFIXES


def hidden_units(n_inputs: int, n_outputs: int) -> int:
    """The hidden layer's width: twice the inputs and outputs, within 16..128."""
    return max(MIN_HIDDEN, min(MAX_HIDDEN, 2 * (n_inputs + n_outputs)))


def epochs_for(n_train: int) -> int:
    steps_per_epoch = math.ceil(n_train / BATCH_SIZE)
    return max(MIN_EPOCHS, min(MAX_EPOCHS, math.ceil(TARGET_STEPS / steps_per_epoch)))


def preset_from_csv(path: str | os.PathLike[str]) -> tuple[Preset, str]:
    """(the preset, one line saying what it is) for the CSV file at `path`; its last column is
    the label. A bad file raises the loader's one-line DataError."""
    file = os.path.abspath(os.path.expanduser(os.fspath(path)))
    table = read_table(file, CsvOptions())
    n_inputs = len(table.input_names)
    n_samples = len(table.labels)
    n_train = n_samples - round(n_samples * TEST_FRACTION)
    if table.is_regression:
        n_outputs, out_activation, loss = 1, "identity", "mse"
        task = f"regression of {table.columns[table.layout.label_column]!r}"
    else:
        n_outputs, out_activation, loss = len(table.class_names), "softmax", "cross_entropy"
        shown = ", ".join(table.class_names[:5]) + (", ..." if n_outputs > 5 else "")
        task = f"{n_outputs} classes ({shown})"
    hidden = hidden_units(n_inputs, n_outputs)
    epochs = epochs_for(n_train)
    stem = Path(file).stem
    preset = Preset(
        name=stem,
        description=f"Built from {Path(file).name}: {n_samples} samples, {n_inputs} inputs, {task}.",
        data=DataSpec(set="csv", path=file, test_fraction=TEST_FRACTION, standardize=True),
        model=ModelSpec(
            kind="mlp",
            layers=[
                LayerSpec(units=hidden, activation="relu"),
                LayerSpec(units=n_outputs, activation=out_activation),
            ],
        ),
        train=TrainSpec(
            loss=loss,
            optimizer="adam",
            learning_rate=LEARNING_RATE,
            batch_size=BATCH_SIZE,
            epochs=epochs,
            shuffle=True,
            seed=0,
        ),
    )
    summary = (
        f"built a preset from {Path(file).name}: {task}; {n_inputs} standardised inputs -> "
        f"{hidden} relu -> {n_outputs} {out_activation}, {loss.replace('_', '-')}, adam at "
        f"{LEARNING_RATE}, {epochs} epochs of batches of {BATCH_SIZE}, "
        f"{TEST_FRACTION:.0%} held out to test (the run folder keeps it as preset.toml)"
    )
    return preset, summary
