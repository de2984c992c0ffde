"""The race presets ([compare]): each loads with the variants it names, its teaching claim holds
when its networks train, and `tui-nn sweep` and `tui-nn train` treat a comparison as they say."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from tui_nn.cli import main
from tui_nn.presets import load_named, load_preset
from tui_nn.presets.compare import variants
from tui_nn.training import Trainer

RACES = {
    "optimizer-race": ("train.optimizer", ["sgd", "rmsprop", "adam"]),
    "init-race": ("model.init", ["zeros", "default", "normal"]),
    "activation-race": ("model.layers.0.activation", ["sigmoid", "tanh", "relu", "gelu"]),
}


class Trained:
    """A variant's trainer after its run, and its training loss at each epoch."""

    def __init__(self, preset: Any) -> None:
        self.curve: dict[int, float] = {}
        self.trainer = Trainer(preset, on_event=self._event)
        self.trainer.run()
        self.summary = self.trainer.summary()

    def _event(self, event: Any) -> None:
        for point in getattr(event, "epochs", None) or []:
            self.curve[point.epoch] = point.train_loss


def race(name: str, **train: Any) -> dict[str, Trained]:
    """Each variant of the preset trained (with these train settings), by its value."""
    preset = load_named(name)
    if train:
        preset = dataclasses.replace(preset, train=dataclasses.replace(preset.train, **train))
    return {str(v.value): Trained(v.preset) for v in variants(preset)}


@pytest.mark.parametrize("name", list(RACES))
def test_a_race_preset_loads_with_the_variants_it_names(name: str) -> None:
    key, values = RACES[name]
    preset = load_named(name)
    assert preset.compare is not None and preset.compare.key == key
    found = variants(preset)
    assert [v.value for v in found] == values
    assert all(v.preset.compare is None for v in found)
    assert len({v.preset.train.seed for v in found}) == 1  # the same weights and batches
    lower = preset.description.lower()
    assert all(str(value).lower() in lower for value in values), "the description names each"


def test_adam_beats_rmsprop_beats_sgd_from_the_same_weights() -> None:
    runs = race("optimizer-race")
    epochs = {value: run.summary.epochs for value, run in runs.items()}
    assert all(run.summary.stop_reason == "target_loss" for run in runs.values()), epochs
    assert epochs["adam"] < epochs["rmsprop"] < epochs["sgd"] / 5, epochs
    assert epochs["sgd"] < runs["sgd"].trainer.preset.train.epochs  # SGD gets there, slowly
    # The same initial weights: the first epoch's loss is the same for each.
    assert len({round(run.curve[1], 6) for run in runs.values()}) == 1
    # RMSprop's first steps (no bias correction) overshoot; Adam's do not.
    first = runs["rmsprop"].curve[1]
    assert max(runs["rmsprop"].curve[e] for e in range(2, 6)) > 2 * first
    assert max(runs["adam"].curve[e] for e in range(2, 6)) < 1.1 * first


def test_zero_weights_never_break_the_symmetry() -> None:
    runs = race("init-race")
    zeros = runs["zeros"]
    assert not zeros.summary.converged and zeros.summary.stop_reason == "epochs"
    assert zeros.summary.train_loss == pytest.approx(math.log(2), abs=1e-4)  # flat at ln 2
    assert zeros.summary.train_acc == 0.5
    hidden = zeros.trainer.network.state_dict()["0.weight"]
    assert all(row.tolist() == hidden[0].tolist() for row in hidden)  # every unit the same
    for value in ("default", "normal"):
        run = runs[value]
        assert run.summary.stop_reason == "target_loss" and run.summary.epochs <= 60, value
        assert run.summary.train_acc == 1.0
        weights = run.trainer.network.state_dict()["0.weight"]
        assert any(row.tolist() != weights[0].tolist() for row in weights)


def test_sigmoid_hidden_units_sit_on_a_plateau_while_the_others_learn() -> None:
    runs = race("activation-race", epochs=45)  # the others meet the target near here
    sigmoid = runs["sigmoid"].curve
    assert min(sigmoid.values()) > 0.65  # still near ln 2 = 0.693 at epoch 45
    for value in ("tanh", "relu", "gelu"):
        curve = runs[value].curve
        assert curve[20] < 0.6 * sigmoid[20], value
        assert min(curve.values()) < 0.2, value
    assert runs["relu"].summary.converged and runs["gelu"].summary.converged
    assert not runs["tanh"].summary.converged  # tanh needs about 60 epochs
    assert runs["relu"].curve[20] < runs["tanh"].curve[20]


def sweep_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, Any], str]:
    assert main(["sweep", *args, "--json"]) == 0
    captured = capsys.readouterr()
    result: dict[str, Any] = json.loads(captured.out.splitlines()[-1])
    return result, captured.err


def test_a_sweep_of_a_comparison_makes_one_run_per_variant(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "s"
    result, err = sweep_json(capsys, "init-race", "--out", str(out))
    runs = result["runs"]
    assert [run["overrides"] for run in runs] == [
        {"model.init": "zeros"},
        {"model.init": "default"},
        {"model.init": "normal"},
    ]
    assert "[compare]" not in err
    for run in runs:
        preset = load_preset(Path(run["run"]) / "preset.toml")
        assert preset.compare is None and preset.model.init == run["overrides"]["model.init"]
    by_init = {run["overrides"]["model.init"]: run for run in runs}
    assert by_init["zeros"]["train_loss"] == pytest.approx(math.log(2), abs=1e-4)
    assert by_init["default"]["converged"] and by_init["normal"]["converged"]
    info = json.loads((out / "sweep.json").read_text())
    assert info["set"] == {"model.init": ["zeros", "default", "normal"]}


def test_a_sweep_of_a_comparison_times_set_and_a_set_of_its_key_replaces_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result, _ = sweep_json(
        capsys, "init-race", "--set", "train.epochs=3,4", "--out", str(tmp_path / "a")
    )
    pairs = [(r["overrides"]["model.init"], r["overrides"]["train.epochs"]) for r in result["runs"]]
    assert pairs == [(i, e) for i in ("zeros", "default", "normal") for e in (3, 4)]
    result, err = sweep_json(
        capsys,
        "init-race",
        "--set",
        "model.init=uniform,zeros",
        "--set",
        "train.epochs=3",
        "--out",
        str(tmp_path / "b"),
    )
    assert [r["overrides"]["model.init"] for r in result["runs"]] == ["uniform", "zeros"]
    assert err.count("\n") == 1 and "takes the place of the preset's [compare]" in err


def test_train_of_a_comparison_trains_its_own_network_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    assert main(["train", "init-race", "--epochs", "20", "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    note = [line for line in captured.err.splitlines() if "compares" in line]
    assert note == [
        "tui-nn: the preset compares model.init = zeros, default, normal; this trains the "
        "first, its own network; `tui-nn sweep init-race` trains all of them (the app trains "
        "them side by side)"
    ]
    summary = json.loads(captured.out.splitlines()[-1])
    assert summary["epochs"] == 20
    assert summary["train_loss"] == pytest.approx(math.log(2), abs=1e-4)  # zeros: variant 0
    saved = load_preset(out / "preset.toml")
    assert saved.compare is None and saved.model.init == "zeros"
    own = dataclasses.replace(load_named("init-race"), compare=None)
    assert dataclasses.replace(saved, train=own.train) == own  # the preset, less [compare]
