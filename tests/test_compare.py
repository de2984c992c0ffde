"""Comparing variants of a preset ([compare]): the table's checks, the variants it makes, and the
trainer process training them side by side from the same weights and batch order, each a run
of its own in one comparison folder, with the same results as each trained alone."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from test_watch_history import InProcessTrainer

from tui_nn.errors import PresetError
from tui_nn.presets import dump_preset, load_named, load_preset, parse_preset, preset_to_dict
from tui_nn.presets.compare import rebased, variants
from tui_nn.spec import CompareSpec, Preset
from tui_nn.trainer import protocol as p
from tui_nn.trainer.networks import Networks
from tui_nn.trainer.reports import state_event
from tui_nn.trainer.side_by_side import train_together
from tui_nn.training import Trainer

XOR = (Path(__file__).parents[1] / "presets" / "xor.toml").read_text(encoding="utf-8")


def comparing(key: str, values: list[Any], name: str = "xor", **train: Any) -> Preset:
    preset = load_named(name)
    train = {"target_loss": None, "pace": None, **train}
    return dataclasses.replace(
        preset,
        train=dataclasses.replace(preset.train, **train),
        compare=CompareSpec(key, values),
    )


# -- the [compare] table -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('key = "train.optimizer"\nvalues = ["adam"]', "'adam' is the preset's own value"),
        ('key = "train.optimizer"\nvalues = ["sgd", "sgd"]', "'sgd' is named twice"),
        ('key = "train.optimizer"\nvalues = ["adamw"]', "unknown optimizer 'adamw'"),
        ('key = "train.learning_rate"\nvalues = ["0.1"]', "expected a number"),
        ('key = "train.seed"\nvalues = [1]', "'train.seed' cannot be compared"),
        ('key = "model.layers.5.units"\nvalues = [8]', "the preset has 2 layers"),
        ('key = "model.layers.N.units"\nvalues = [8]', "'model.layers.N.units' cannot be compared"),
        ('key = "train.optimizer"\nvalues = []', "is empty"),
        ('key = "model.init"\nvalues = [["zeros"]]', "expected a single value"),
        ('values = ["sgd"]', 'add e.g. key = "train.optimizer"'),
        ('key = "train.batch_size"\nvalues = [1, 2, 8, 16, 32, 64]', "compare at most 5 others"),
    ],
)
def test_a_bad_compare_table_is_one_line_naming_its_line(table: str, says: str) -> None:
    text = f"{XOR}\n[compare]\n{table}\n"
    with pytest.raises(PresetError) as caught:
        parse_preset(text, "race.toml")
    message = str(caught.value)
    assert says in message and "\n" not in message
    assert message.startswith("race.toml: line ")


def test_the_variants_are_the_preset_then_each_value_and_the_table_round_trips() -> None:
    text = f'{XOR}\n[compare]\nkey = "model.layers.0.activation"\nvalues = ["relu", "gelu"]\n'
    preset = parse_preset(text, "race.toml")
    assert parse_preset(dump_preset(preset)) == preset
    made = variants(preset)
    assert [v.label for v in made] == ["activation=tanh", "activation=relu", "activation=gelu"]
    assert [v.preset.model.layers[0].activation for v in made] == ["tanh", "relu", "gelu"]
    assert all(v.preset.compare is None for v in made)
    assert made[1].preset.name == "XOR [activation=relu]"
    assert made[1].preset.train == preset.train and made[1].preset.data == preset.data
    assert variants(load_named("xor")) == []


# -- the networks side by side -------------------------------------------------------------


def built(preset: Preset) -> Networks:
    networks = Networks(lambda event: None, None)
    networks.load(preset_to_dict(preset))
    return networks


@pytest.mark.parametrize(
    ("key", "values"),
    [
        ("train.optimizer", ["sgd", "rmsprop"]),
        ("train.learning_rate", [0.5]),
        ("model.layers.0.activation", ["relu", "sigmoid", "gelu"]),
        ("train.loss", ["bce"]),
        ("train.batch_size", [1, 2]),
    ],
)
def test_variants_start_from_identical_weights(key: str, values: list[Any]) -> None:
    networks = built(comparing(key, values))
    lead, others = networks.require(), networks.others
    assert len(others) == len(values)
    start = lead.network.state_dict()
    for other in others:
        weights = other.network.state_dict()
        assert weights.keys() == start.keys()
        assert all(torch.equal(weights[name], start[name]) for name in start)


def test_an_initialisation_race_starts_each_from_its_own_init() -> None:
    networks = built(comparing("model.init", ["zeros", "normal"]))
    lead, zeros, normal = networks.require(), *networks.others
    assert all(not t.any() for t in zeros.network.state_dict().values())
    first = lead.network.state_dict()["0.weight"]
    assert not torch.equal(first, normal.network.state_dict()["0.weight"])


def test_side_by_side_each_network_ends_as_it_would_alone() -> None:
    """The same batches, the same weights and the same steps: each network of the comparison
    ends with the figures of its variant trained on its own, bit for bit."""
    preset = comparing("train.optimizer", ["sgd", "rmsprop"], epochs=150)
    networks = built(preset)
    trainers = [networks.require(), *networks.others]
    train_together(trainers, [None] * len(trainers), lambda: False)
    for variant, trainer in zip(variants(preset), trainers, strict=True):
        alone = Trainer(variant.preset)
        alone.run()
        assert trainer.summary().epochs == alone.summary().epochs == 150
        assert trainer.summary().train_loss == alone.summary().train_loss


def test_a_pause_stops_every_network_and_each_goes_on_from_where_it_was() -> None:
    preset = comparing("train.learning_rate", [0.5], epochs=1500)
    networks = built(preset)
    trainers = [networks.require(), *networks.others]
    asked = 0

    def pause_soon() -> bool:
        nonlocal asked
        asked += 1
        return asked > 3

    train_together(trainers, [None, None], pause_soon)
    assert all(t.state.status == "paused" for t in trainers)
    assert all(0 < t.state.epoch < 1500 for t in trainers)
    train_together(trainers, [None, None], lambda: False)
    assert [t.state.epoch for t in trainers] == [1500, 1500]
    assert all(t.state.status == "done" for t in trainers)


def test_the_state_of_a_comparison_is_done_once_all_are() -> None:
    networks = built(comparing("train.optimizer", ["sgd"], epochs=20))
    lead, other = networks.require(), networks.others[0]
    lead.run()
    state = state_event(lead, None, None, [other])
    assert state.status == "paused"  # the lead is done, the other can still train
    assert [v.status for v in state.variants] == ["done", "ready"]
    other.run()
    assert state_event(lead, None, None, [other]).status == "done"
    assert state_event(lead, None, None, []).variants == []


def test_the_learning_rate_applies_to_all_unless_it_is_what_they_compare() -> None:
    optimizers = built(comparing("train.optimizer", ["sgd"]))
    optimizers.set_learning_rate(0.3)
    assert [t.learning_rate for t in [optimizers.require(), *optimizers.others]] == [0.3, 0.3]
    rates = built(comparing("train.learning_rate", [0.5]))
    rates.set_learning_rate(0.3)
    assert [t.learning_rate for t in [rates.require(), *rates.others]] == [0.3, 0.5]


# -- in the trainer process ----------------------------------------------------------------


def test_the_trainer_trains_a_comparison_as_runs_in_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    preset = comparing("train.optimizer", ["sgd", "rmsprop"], epochs=60)
    trainer = InProcessTrainer()
    try:
        trainer.send(p.Load(preset_to_dict(preset)))
        loaded = trainer.wait_for(p.Loaded)
        assert loaded.compared == "train.optimizer"
        assert loaded.variants == ["optimizer=adam", "optimizer=sgd", "optimizer=rmsprop"]
        trainer.send(p.BackpropStep(sample=0))
        refused = trainer.wait_for(p.Error)
        assert "steps one network" in refused.message
        trainer.send(p.Start())
        done = trainer.wait_for(p.State, lambda s: s.status == "done")
        assert [v.epoch for v in done.variants] == [60, 60, 60]
    finally:
        events = trainer.close()
    opened = {e.variant: Path(e.path) for e in events if isinstance(e, p.RunOpened)}
    summaries = {e.variant: e for e in events if isinstance(e, p.Summary)}
    assert sorted(opened) == sorted(summaries) == [0, 1, 2]
    folder = opened[0].parent
    assert {path.parent for path in opened.values()} == {folder}
    assert folder.name.endswith("-compare-xor")
    info = json.loads((folder / "sweep.json").read_text())
    assert info["kind"] == "compare" and info["status"] == "done"
    assert info["set"] == {"train.optimizer": ["adam", "sgd", "rmsprop"]}
    assert load_preset(folder / "preset.toml").compare == preset.compare  # what attach edits
    for index, path in opened.items():
        run = json.loads((path / "run.json").read_text())
        assert run["status"] == "done" and run["epochs"] == 60
        own = load_preset(path / "preset.toml")  # one network: it resumes as itself
        assert own.compare is None and own.train.optimizer == ["adam", "sgd", "rmsprop"][index]
        lines = (path / "metrics.jsonl").read_text().splitlines()
        last = p.decode_event(lines[-1])
        assert isinstance(last, p.Summary) and last.train_loss == summaries[index].train_loss
    metrics = [e for e in events if isinstance(e, p.Metrics)]
    assert {e.variant for e in metrics} == {0, 1, 2}
    for index in range(3):  # each network's curve has every epoch
        epochs = [pt.epoch for e in metrics if e.variant == index for pt in e.epochs]
        assert epochs == list(range(1, 61))


def test_an_edit_to_a_compared_value_trades_places_with_the_preset_s_own() -> None:
    before = comparing("train.optimizer", ["sgd", "rmsprop"])  # xor's own: adam
    edited = dataclasses.replace(before, train=dataclasses.replace(before.train, optimizer="sgd"))
    after = rebased(edited, before)
    assert after.compare == CompareSpec("train.optimizer", ["adam", "rmsprop"])
    assert [v.label for v in variants(after)][0] == "optimizer=sgd"
    other = dataclasses.replace(before, train=dataclasses.replace(before.train, epochs=7))
    assert rebased(other, before) is other


def test_a_network_that_ends_first_says_so_while_the_others_train_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    preset = comparing("train.optimizer", ["sgd"], epochs=3000, target_loss=0.01)
    trainer = InProcessTrainer()
    try:
        trainer.send(p.Load(preset_to_dict(preset)), p.Start())
        first = trainer.wait_for(p.Summary)
        assert first.variant == 0 and first.stop_reason == "target_loss"  # adam, near epoch 50
        trainer.wait_for(p.Metrics, lambda m: m.variant == 1 and m.epoch > first.epochs + 100)
        run = next(e for e in trainer.seen if isinstance(e, p.RunOpened) and e.variant == 0)
        assert json.loads((Path(run.path) / "run.json").read_text())["status"] == "done"
        trainer.wait_for(p.State, lambda s: s.status == "done")
    finally:
        events = trainer.close()
    summaries = [e.variant for e in events if isinstance(e, p.Summary)]
    assert summaries == [0, 1]


def test_commands_are_looked_at_every_few_tens_of_ms_however_many_networks() -> None:
    preset = comparing("train.optimizer", ["sgd", "rmsprop", "adam"], epochs=10**6)
    preset = dataclasses.replace(
        preset, compare=CompareSpec("train.learning_rate", [0.1, 0.2, 0.3, 0.4])
    )
    networks = built(preset)
    trainers = [networks.require(), *networks.others]
    asks: list[float] = []

    def pause_after_half_a_second() -> bool:
        asks.append(time.perf_counter())
        return asks[-1] - asks[0] > 0.5

    train_together(trainers, [None] * len(trainers), pause_after_half_a_second)
    gaps = [b - a for a, b in zip(asks, asks[1:], strict=False)]
    assert len(trainers) == 5 and all(t.state.status == "paused" for t in trainers)
    assert len(asks) >= 5 and max(gaps) < 0.3  # (about every 20 ms when the machine is idle)


def test_an_app_that_attaches_after_a_network_ended_is_told_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    sent: list[p.Event] = []
    networks = Networks(sent.append, None)
    preset = comparing(
        "train.learning_rate", [10.0], name="sine-wide", epochs=40
    )  # the other one diverges
    networks.load(preset_to_dict(preset))
    trainers = networks.begin(go_on=False)
    train_together(trainers, [None, None], lambda: False, networks.ended)
    assert [t.state.status for t in trainers] == ["done", "diverged"]
    sent.clear()
    networks.welcome()
    opened = [e for e in sent if isinstance(e, p.RunOpened)]
    assert [e.variant for e in opened] == [0, 1]  # closed, yet named: the app attaches to them
    folders = sorted(tmp_path.glob("tui-nn/runs/*-compare-*"))
    assert len(folders) == 1, folders
    networks.set_epochs(60)
    assert networks.begin(go_on=True) == [trainers[0]]  # on in its own folder; not the diverged
    assert sorted(tmp_path.glob("tui-nn/runs/*-compare-*")) == folders  # no new, empty folder
    networks.close_runs("stopped")
