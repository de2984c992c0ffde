"""What a comparison can vary (`tui_nn.presets.compare_choices`): the keys that make sense for a
preset, the values suggested, presets with a variant more or less, typed values from text."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tui_nn.errors import PresetError
from tui_nn.presets import load_named
from tui_nn.presets.compare import variants
from tui_nn.presets.compare_choices import (
    add_variant,
    compare_keys,
    drop_variant,
    key_label,
    parse_values,
    suggest_value,
    with_compare,
)
from tui_nn.spec import MAX_VARIANTS, CompareSpec, Preset


@pytest.fixture
def xor() -> Preset:
    """An mlp: 4 tanh units, 1 sigmoid output; adam, lr 0.05, batch 4, mse."""
    return load_named("xor")


def keys_of(preset: Preset) -> list[str]:
    return [key for key, _ in compare_keys(preset)]


def test_an_mlp_compares_its_training_and_each_layer(xor):
    keys = dict(compare_keys(xor))
    assert keys == {
        "train.optimizer": "optimizer",
        "train.learning_rate": "learning rate",
        "train.weight_decay": "weight decay",
        "train.batch_size": "batch size",
        "train.loss": "loss",
        "model.init": "initialisation",
        "model.layers.0.units": "units of layer 1",
        "model.layers.0.activation": "activation of layer 1 (hidden)",
        "model.layers.1.activation": "activation of layer 2 (output)",
    }
    # momentum is sgd's only; the output layer's units are the data's to say
    sgd = replace(xor, train=replace(xor.train, optimizer="sgd"))
    assert "train.momentum" in keys_of(sgd)
    assert "model.layers.1.units" not in keys_of(sgd)


def test_a_perceptron_compares_only_what_its_rule_uses():
    preset = load_named("xor-perceptron")
    assert keys_of(preset) == ["train.learning_rate", "model.init", "model.layers.0.activation"]
    assert key_label(preset, "model.layers.0.activation") == "activation of layer 1 (output)"
    assert suggest_value(preset, "model.layers.0.activation") == "step"  # its own is sign
    assert suggest_value(preset, "model.layers.0.activation", ["step"]) is None


def test_a_regression_does_not_compare_its_loss():
    assert "train.loss" not in keys_of(load_named("sine"))


def test_the_key_compared_now_is_listed_even_where_it_would_not_be(xor):
    compared = with_compare(xor, "train.momentum", [0.9])
    assert keys_of(compared)[-1] == "train.momentum"
    assert "train.momentum" not in keys_of(xor)


def test_choices_suggest_the_next_one_not_taken(xor):
    assert suggest_value(xor, "train.optimizer") == "sgd"  # after its own adam, going round
    assert suggest_value(xor, "train.optimizer", ["sgd"]) == "rmsprop"
    assert suggest_value(xor, "train.optimizer", ["sgd", "rmsprop"]) is None
    assert suggest_value(xor, "model.init") == "zeros"
    hidden = suggest_value(xor, "model.layers.0.activation")  # tanh's own
    assert hidden == "relu"
    assert suggest_value(xor, "train.loss") == "bce"  # one sigmoid output: mse or bce fit


def test_numbers_step_by_factors_typed_as_the_schema_wants(xor):
    rate = suggest_value(xor, "train.learning_rate")
    assert rate == 0.5 and isinstance(rate, float)
    assert suggest_value(xor, "train.learning_rate", [0.5]) == 0.005
    batch = suggest_value(xor, "train.batch_size")
    assert batch == 8 and type(batch) is int
    assert suggest_value(xor, "train.batch_size", [8]) == 2
    assert suggest_value(xor, "model.layers.0.units") == 8
    assert suggest_value(xor, "train.momentum") == 0.9
    assert suggest_value(xor, "train.momentum", [0.9]) == 0.5
    assert suggest_value(xor, "train.weight_decay") == 1e-4
    tiny = replace(xor, train=replace(xor.train, learning_rate=0.1))
    assert suggest_value(tiny, "train.learning_rate", [1.0]) == 0.01  # not 0.010000000000000002


def test_every_suggestion_makes_a_valid_comparison(xor):
    for key, _ in compare_keys(xor):
        value = suggest_value(xor, key)
        assert value is not None, key
        compared = with_compare(xor, key, [value])
        assert [v.value for v in variants(compared)][1:] == [value]


def test_with_compare_validates(xor):
    compared = with_compare(xor, "train.optimizer", ["sgd", "rmsprop"])
    assert compared.compare == CompareSpec("train.optimizer", ["sgd", "rmsprop"])
    assert xor.compare is None  # the preset given is left alone
    with pytest.raises(PresetError, match=r"^the comparison: .*'adam' is the preset's own value"):
        with_compare(xor, "train.optimizer", ["adam"])
    with pytest.raises(PresetError, match="out of range"):
        with_compare(xor, "train.learning_rate", [-1.0])
    with pytest.raises(PresetError, match="the preset has 2 layers"):
        with_compare(xor, "model.layers.2.units", [3])


def test_add_variant_starts_with_the_optimizer_and_stops_at_the_most(xor):
    first = add_variant(xor)
    assert first.compare == CompareSpec("train.optimizer", ["sgd"])
    second = add_variant(first)
    assert second.compare == CompareSpec("train.optimizer", ["sgd", "rmsprop"])
    with pytest.raises(PresetError, match="no other optimizer to suggest"):
        add_variant(second)
    rates = with_compare(xor, "train.learning_rate", [0.5])
    while rates.compare is not None and len(rates.compare.values) < MAX_VARIANTS - 1:
        rates = add_variant(rates)
    assert rates.compare is not None
    assert rates.compare.values == [0.5, 0.005, 5.0, 0.0005, 5e-05]
    with pytest.raises(PresetError, match=f"{MAX_VARIANTS} variants already"):
        add_variant(rates)


def test_add_variant_on_a_perceptron_takes_its_first_key():
    added = add_variant(load_named("xor-perceptron"))
    assert added.compare == CompareSpec("train.learning_rate", [10.0])


def test_drop_variant_drops_the_last_or_the_one_named(xor):
    compared = with_compare(xor, "train.optimizer", ["sgd", "rmsprop"])
    dropped = drop_variant(compared)
    assert dropped.compare == CompareSpec("train.optimizer", ["sgd"])
    assert drop_variant(compared, 1).compare == CompareSpec("train.optimizer", ["rmsprop"])
    assert drop_variant(dropped).compare is None
    with pytest.raises(PresetError, match="the preset itself"):
        drop_variant(compared, 0)
    with pytest.raises(PresetError, match="no variant 3"):
        drop_variant(compared, 3)
    with pytest.raises(PresetError, match="compares nothing"):
        drop_variant(xor)


def test_parse_values_types_by_the_key(xor):
    rates = parse_values(xor, "train.learning_rate", " 0.1, 1 ,")  # a trailing comma is typing
    assert rates == [0.1, 1.0] and all(isinstance(r, float) for r in rates)
    units = parse_values(xor, "model.layers.0.units", "2,8")
    assert units == [2, 8] and all(type(u) is int for u in units)
    assert parse_values(xor, "train.optimizer", "sgd, rmsprop") == ["sgd", "rmsprop"]


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("train.learning_rate", "fast", "learning rate: 'fast' is not a number"),
        ("train.learning_rate", "inf", "'inf' is not a finite number"),
        ("model.layers.0.units", "2.5", "units of layer 1: '2.5' is not a whole number"),
        ("train.batch_size", " , ", "give the values to compare with this preset's 4"),
        ("model.layers.5.units", "2", "the preset has 2 layers"),
        ("train.seed", "1", "'train.seed' cannot be compared"),
    ],
)
def test_parse_values_says_what_is_wrong_in_one_line(xor, key, text, message):
    with pytest.raises(PresetError) as raised:
        parse_values(xor, key, text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
