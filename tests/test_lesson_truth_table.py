"""Truth tables: the pure gate tables, a/y/t per row, class decisions, and the engine's verdicts."""

from __future__ import annotations

import dataclasses

import pytest

from tui_nn.lesson.gates import GATE_NAMES, gate_input_names, gate_table
from tui_nn.lesson.threshold import layers_from_spec
from tui_nn.lesson.truth_table import (
    decision_rule,
    render_truth_table,
    truth_table,
    truth_table_from_outputs,
)
from tui_nn.presets import load_named
from tui_nn.spec import LOGIC_SETS


def test_the_pure_tables_agree_with_the_data_package() -> None:
    from tui_nn.data import logic

    assert set(GATE_NAMES) == set(LOGIC_SETS)
    for name in GATE_NAMES:
        assert gate_table(name) == logic.truth_table(name)
        assert gate_input_names(name) == logic.input_names(name)
    with pytest.raises(ValueError, match="unknown logic gate 'nxor'"):
        gate_table("nxor")


def test_nand_perceptron_rows_by_hand() -> None:
    # The perceptron the rule ends with: w = (-2, -1), b = 3, sign output, targets -1/1.
    table = truth_table("nand", [([[-2, -1]], [3], "sign")], kind="perceptron")
    assert [(r.inputs, r.a, r.y, r.t, r.match) for r in table.rows] == [
        ((0, 0), 3.0, 1.0, 1.0, True),
        ((0, 1), 2.0, 1.0, 1.0, True),
        ((1, 0), 1.0, 1.0, 1.0, True),
        ((1, 1), 0.0, -1.0, -1.0, True),  # sign(0) = -1: NAND(1, 1) = 0
    ]
    assert table.all_match and table.errors == 0
    assert table.input_names == ["A", "B"]


def test_a_wrong_unit_counts_its_misclassified_rows() -> None:
    # Epoch 1's weights w = (-1, -1), b = 0: a = 0 at (0, 0) gives sign -1, so that row is wrong.
    table = truth_table("nand", [([[-1, -1]], [0], "sign")], kind="perceptron")
    assert [r.match for r in table.rows] == [False, False, False, True]
    assert table.errors == 3 and not table.all_match


def test_sprinkler_names_and_sigmoid_threshold() -> None:
    table = truth_table("sprinkler", [([[1, 1]], [-1.5], "sigmoid")], loss="mse")
    assert table.input_names == ["Sunny", "Dry"]
    assert [r.t for r in table.rows] == [0.0, 0.0, 0.0, 1.0]
    assert [r.predicted for r in table.rows] == [0, 0, 0, 1]  # y >= 0.5 only for (1, 1)
    assert table.rows[3].a == 0.5
    text = render_truth_table(table, ascii_only=True)
    assert text.splitlines()[0].split() == ["Sunny", "Dry", "a", "y", "t"]
    assert text.endswith("all rows match")


def test_decision_rules() -> None:
    assert decision_rule("sign").classify(0.0) == 0  # sign(0) = -1
    assert decision_rule("tanh").classify(0.0) == 0 and decision_rule("tanh").classify(1e-9) == 1
    assert decision_rule("tanh").target(0) == -1.0
    assert decision_rule("step").classify(1.0) == 1 and decision_rule("step").target(0) == 0.0
    assert decision_rule("sigmoid").classify(0.5) == 1
    assert decision_rule("identity", "mse").classify(0.4) == 0
    assert decision_rule("identity", "bce").classify(0.0) == 1  # a logit
    assert decision_rule("identity", kind="perceptron").classify(-0.1) == 0
    softmax = decision_rule("softmax", "cross_entropy", units=2)
    assert softmax.classify([0.3, 0.7]) == 1 and softmax.target(1, 2) == (0.0, 1.0)


def test_several_outputs_and_outputs_sent_by_a_trainer() -> None:
    table = truth_table_from_outputs(
        "and",
        a=[[2, -2], [1, -1], [1, -1], [-3, 3]],
        y=[[0.98, 0.02], [0.88, 0.12], [0.88, 0.12], [0.0025, 0.9975]],
        activation="softmax",
        loss="cross_entropy",
    )
    assert table.all_match and table.rows[3].t == (0.0, 1.0) and table.rows[0].a == (2.0, -2.0)
    with pytest.raises(ValueError, match="and has 4 rows"):
        truth_table_from_outputs("and", [1], [1], "sigmoid")


def test_hand_wired_xor_matches_every_row_and_shows_the_hidden_units() -> None:
    table = truth_table("xor", layers_from_spec(load_named("xor-nand").model))
    assert table.all_match
    # hidden units: OR(A, B) and NAND(A, B)
    assert [row.hidden[0] for row in table.rows] == [(0, 1), (1, 1), (1, 1), (1, 0)]


def test_the_engine_evaluates_the_hand_wired_xor_without_training() -> None:
    from tui_nn.training import Trainer

    trainer = Trainer(load_named("xor-nand"))
    trainer.run()
    summary = trainer.summary()
    assert summary.train_acc == 1.0 and summary.epochs == 0


def test_truth_table_agrees_with_the_engine_on_trained_networks() -> None:
    torch = pytest.importorskip("torch")
    from tui_nn.training import Trainer

    for name in ("nand", "sprinkler", "xor"):
        preset = load_named(name)
        trainer = Trainer(preset)
        trainer.run()
        layers = [
            (m.weight.tolist(), m.bias.tolist(), spec.activation)
            for m, spec in zip(list(trainer.network)[::2], preset.model.layers, strict=True)
        ]
        table = truth_table(preset.data.set, layers, loss=preset.train.loss, kind=preset.model.kind)
        with torch.no_grad():
            engine = trainer.head.predict(trainer.head.train_net(trainer.x_train)).tolist()
        assert [row.predicted for row in table.rows] == engine, name
        assert table.all_match, name


def test_truth_table_of_a_preset_with_a_changed_gate() -> None:
    preset = load_named("xor-nand")
    preset = dataclasses.replace(preset, data=dataclasses.replace(preset.data, set="xnor"))
    table = truth_table(preset.data.set, layers_from_spec(preset.model))
    assert table.errors == 4 and "4 of 4 rows wrong" in render_truth_table(table)
