"""Tests for tui_nn.presets: the TOML preset loader, validator, saver and discovery."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tui_nn
from tui_nn.errors import PresetError
from tui_nn.presets import (
    PresetInfo,
    builtin_presets_dir,
    dump_preset,
    folders,
    list_presets,
    load_named,
    load_preset,
    parse_preset,
    preset_from_dict,
    preset_to_dict,
    resolve_preset,
    save_preset,
    slugify,
    user_presets_dir,
)
from tui_nn.spec import (
    ACTIVATIONS,
    DATA_SETS,
    LOSSES,
    OPTIMIZERS,
    SCHEMA_VERSION,
    DataSpec,
    LayerSpec,
    ModelSpec,
    Preset,
    TrainSpec,
)

REPO = Path(__file__).resolve().parent.parent

XOR = """\
schema = 1
name = "XOR"
description = "Not linearly separable: one hidden layer solves it."
[data]
set = "xor"
test_fraction = 0.0
[model]
kind = "mlp"
init = "default"
[[model.layers]]
units = 4
activation = "tanh"
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "mse"
optimizer = "adam"
learning_rate = 0.05
batch_size = 4
epochs = 500
shuffle = true
seed = 0
device = "auto"
"""
# Line numbers in XOR, for the messages below.
LINE = {
    "schema": 1,
    "name": 2,
    "set": 5,
    "kind": 8,
    "init": 9,
    "layers0": 10,
    "units0": 11,
    "act0": 12,
    "layers1": 13,
    "units1": 14,
    "act1": 15,
    "loss": 17,
    "optimizer": 18,
    "learning_rate": 19,
    "batch_size": 20,
    "epochs": 21,
    "seed": 23,
    "device": 24,
}


def full_preset() -> Preset:
    """A preset that sets every field to a non-default value."""
    return Preset(
        name='Everything — «ünïcode» "quoted"\ttab',
        description='Line one\nline two with "quotes" and \\ backslash',
        data=DataSpec(
            set="csv",
            test_fraction=0.25,
            samples=1234,
            noise=0.15,
            seed=7,
            path="~/data/my file.csv",
            label_column="label",
        ),
        model=ModelSpec(
            kind="mlp",
            init="normal",
            layers=[
                LayerSpec(
                    units=3,
                    activation="leaky_relu",
                    trainable=False,
                    weights=[[1.0, -2.5], [0.1, 1e-9], [-3.0, 12345.678]],
                    bias=[0.0, -1.5, 2.0],
                ),
                LayerSpec(units=2, activation="softmax"),
            ],
        ),
        train=TrainSpec(
            loss="cross_entropy",
            optimizer="sgd",
            learning_rate=0.003,
            momentum=0.9,
            weight_decay=1e-4,
            batch_size=16,
            epochs=42,
            shuffle=False,
            seed=2**63 - 1,
            device="cuda:1",
            target_loss=0.01,
            target_accuracy=0.95,
            patience=5,
        ),
        schema=SCHEMA_VERSION,
    )


@pytest.fixture(autouse=True)
def config_home(tmp_path, monkeypatch):
    """Point XDG_CONFIG_HOME at a temporary folder so tests never touch the real config."""
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


@pytest.fixture
def fake_builtins(tmp_path, monkeypatch):
    """Replace the built-in presets folder with a temporary one holding two presets."""
    folder = tmp_path / "builtin"
    folder.mkdir()
    (folder / "xor.toml").write_text(XOR, encoding="utf-8")
    (folder / "and.toml").write_text(
        XOR.replace('name = "XOR"', 'name = "AND"').replace('"xor"', '"and"'), encoding="utf-8"
    )
    monkeypatch.setattr(folders, "builtin_preset_folders", lambda: [folder])
    return folder


def error_of(text: str, source: str = "xor.toml") -> str:
    with pytest.raises(PresetError) as info:
        parse_preset(text, source)
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------------------
# Parsing valid presets


def test_example_parses():
    p = parse_preset(XOR, "xor.toml")
    assert p.name == "XOR"
    assert p.schema == SCHEMA_VERSION
    assert p.data == DataSpec(set="xor", test_fraction=0.0)
    assert p.model.kind == "mlp"
    assert [(x.units, x.activation) for x in p.model.layers] == [(4, "tanh"), (1, "sigmoid")]
    assert p.train == TrainSpec(
        loss="mse", optimizer="adam", learning_rate=0.05, batch_size=4, epochs=500, seed=0
    )


def test_missing_keys_take_defaults():
    p = parse_preset('schema = 1\nname = "x"\n[[model.layers]]\n')
    assert p == Preset(name="x")


def test_int_accepted_for_float_fields():
    p = parse_preset(XOR.replace("learning_rate = 0.05", "learning_rate = 1"))
    assert p.train.learning_rate == 1.0
    assert isinstance(p.train.learning_rate, float)


def test_inline_layers_and_dotted_keys():
    text = (
        'schema = 1\nname = "x"\ntrain.epochs = 3\n'
        '[model]\nlayers = [{units = 2, activation = "relu"}, {units = 1}]\n'
    )
    p = parse_preset(text)
    assert p.train.epochs == 3
    assert [x.units for x in p.model.layers] == [2, 1]


def test_label_column_index_stays_an_index_and_a_name_a_name():
    p = parse_preset(XOR.replace('set = "xor"', 'set = "csv"\nlabel_column = 3'))
    assert p.data.label_column == 3
    named = parse_preset(XOR.replace('set = "xor"', 'set = "csv"\nlabel_column = "3"'))
    assert named.data.label_column == "3"
    assert parse_preset(dump_preset(p)).data.label_column == 3  # and so it is saved


def test_bom_is_ignored():
    assert parse_preset("\ufeff" + XOR).name == "XOR"


# --------------------------------------------------------------------------------------
# Round trips


def test_dump_parse_round_trip_every_field():
    p = full_preset()
    text = dump_preset(p)
    assert parse_preset(text) == p
    # Readable order: top-level keys, then [data], [model], [[model.layers]], [train].
    order = [text.index(s) for s in ("schema =", "name =", "[data]", "[model]", "[train]")]
    assert order == sorted(order)
    assert text.count("[[model.layers]]") == 2


def test_save_load_round_trip_every_field(tmp_path):
    p = full_preset()
    path = save_preset(p, tmp_path / "full.toml")
    assert path == tmp_path / "full.toml"
    assert load_preset(path) == p


def test_dict_json_round_trip():
    p = full_preset()
    d = preset_to_dict(p)
    assert preset_from_dict(json.loads(json.dumps(d))) == p
    assert "target_loss" not in preset_to_dict(Preset(name="x"))["train"]  # None omitted


def test_dump_refuses_invalid_preset():
    bad = Preset(name="x", train=TrainSpec(learning_rate=-1.0))
    with pytest.raises(PresetError, match="train.learning_rate"):
        dump_preset(bad)


# --------------------------------------------------------------------------------------
# Saving


def test_save_is_atomic_and_leaves_no_temp_file(tmp_path):
    folder = tmp_path / "out"
    save_preset(full_preset(), folder / "a.toml")  # creates the missing folder
    save_preset(Preset(name="again"), folder / "a.toml")
    assert sorted(os.listdir(folder)) == ["a.toml"]
    assert load_preset(folder / "a.toml").name == "again"


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "keep.toml"
    save_preset(Preset(name="old"), target)
    before = target.read_bytes()

    def boom(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(PresetError) as info:
        save_preset(Preset(name="new"), target)
    message = str(info.value)
    assert str(target) in message and "No space left on device" in message
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["keep.toml"]


def test_failed_fsync_keeps_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "keep.toml"
    save_preset(Preset(name="old"), target)

    def boom(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(PresetError, match="Input/output error"):
        save_preset(Preset(name="new"), target)
    assert load_preset(target).name == "old"
    assert sorted(os.listdir(tmp_path)) == ["keep.toml"]


def test_save_under_a_file_fails_cleanly(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(PresetError, match="cannot save preset to"):
        save_preset(Preset(name="x"), tmp_path / "file" / "p.toml")


def test_save_onto_a_folder_fails_cleanly(tmp_path):
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(PresetError, match="cannot save preset to"):
        save_preset(Preset(name="x"), tmp_path / "dir.toml")
    assert sorted(os.listdir(tmp_path)) == ["dir.toml"]


def test_save_refuses_builtin_folder():
    folder = builtin_presets_dir()
    target = folder / "zz-should-not-exist.toml"
    with pytest.raises(PresetError, match="built-in presets folder"):
        save_preset(Preset(name="x"), target)
    assert not target.exists()


def test_save_refuses_builtin_folder_fake(fake_builtins):
    with pytest.raises(PresetError, match="built-in"):
        save_preset(Preset(name="x"), fake_builtins / "xor.toml")
    assert parse_preset((fake_builtins / "xor.toml").read_text()).name == "XOR"


def test_save_no_overwrite(tmp_path):
    target = tmp_path / "p.toml"
    save_preset(Preset(name="first"), target, overwrite=False)
    with pytest.raises(PresetError, match="already exists"):
        save_preset(Preset(name="second"), target, overwrite=False)
    assert load_preset(target).name == "first"
    assert sorted(os.listdir(tmp_path)) == ["p.toml"]
    save_preset(Preset(name="third"), target)  # overwrite=True is the default
    assert load_preset(target).name == "third"


# --------------------------------------------------------------------------------------
# Folders and discovery


def test_user_presets_dir_honours_xdg(config_home):
    assert user_presets_dir() == config_home / "tui-nn" / "presets"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG layout is Linux-specific")
def test_user_presets_dir_follows_env_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    assert user_presets_dir() == tmp_path / "elsewhere" / "tui-nn" / "presets"


def test_builtin_presets_dir_in_checkout():
    here = builtin_presets_dir()
    packaged = Path(tui_nn.__file__).resolve().parent / "builtin_presets"
    assert here in (packaged, REPO / "presets")


def test_list_and_resolve(fake_builtins, config_home):
    user = user_presets_dir()
    save_preset(Preset(name="Mine", description="my own"), user / "mine.toml")
    save_preset(Preset(name="My XOR"), user / "xor.toml")  # shadows the built-in xor
    (user / "broken.toml").write_text("schema = 1\nname = \n", encoding="utf-8")

    infos = list_presets()
    assert [(i.name, i.builtin) for i in infos] == [
        ("and", True),
        ("xor", True),
        ("broken", False),
        ("mine", False),
        ("xor", False),
    ]
    assert infos[0] == PresetInfo(
        "and", "AND", infos[0].description, fake_builtins / "and.toml", True
    )
    broken = infos[2]
    assert broken.description.startswith("(invalid: ")
    assert "line 2" in broken.description
    assert infos[3].title == "Mine" and infos[3].description == "my own"

    assert resolve_preset("mine") == user / "mine.toml"
    assert resolve_preset("xor") == user / "xor.toml"  # user presets first
    assert resolve_preset("and") == fake_builtins / "and.toml"
    assert load_named("and").name == "AND"
    assert load_named("xor").name == "My XOR"


def test_resolve_paths(tmp_path, fake_builtins):
    path = save_preset(Preset(name="P"), tmp_path / "p.toml")
    assert resolve_preset(str(path)) == path
    assert load_named(path).name == "P"
    with pytest.raises(PresetError, match="preset file not found: .*missing.toml"):
        resolve_preset(str(tmp_path / "missing.toml"))
    with pytest.raises(PresetError, match="preset file not found"):
        resolve_preset("nothere.toml")


def test_resolve_unknown_lists_names(fake_builtins):
    with pytest.raises(PresetError) as info:
        resolve_preset("xro")
    message = str(info.value)
    assert "unknown preset 'xro'" in message
    assert "did you mean 'xor'?" in message
    assert "and, xor" in message


def test_list_presets_without_any_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(folders, "builtin_preset_folders", lambda: [tmp_path / "none"])
    assert list_presets() == []


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("XOR", "xor"),
        ("My XOR — take 2!", "my-xor-take-2"),
        ("Ünïcödé net", "unicode-net"),
        ("../../etc/passwd", "etc-passwd"),
        ("   ", "preset"),
        ("日本", "preset"),
        ("CON", "con-preset"),
        ("x" * 200, "x" * 64),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


# --------------------------------------------------------------------------------------
# Bad files and bad values: each message names the file, line, field and what is allowed.


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(PresetError, match=f"preset file not found: {path}"):
        load_preset(path)


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(PresetError, match="folder, not a file"):
        load_preset(tmp_path)


def test_not_utf8(tmp_path):
    path = tmp_path / "bin.toml"
    path.write_bytes(b'schema = 1\nname = "\xff\xfe"\n')
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert str(path) in str(info.value)
    assert "line 2" in str(info.value) and "UTF-8" in str(info.value)


def test_load_names_the_file_in_errors(tmp_path):
    path = tmp_path / "xor.toml"
    path.write_text(XOR.replace('"tanh"', '"tanhh"'), encoding="utf-8")
    with pytest.raises(PresetError, match=rf"^{path}: line {LINE['act0']}: "):
        load_preset(path)


def test_toml_syntax_error_has_line():
    message = error_of(XOR.replace("epochs = 500", "epochs 500"))
    assert message.startswith(f"xor.toml: line {LINE['epochs']}: TOML syntax error: ")
    assert "Expected '='" in message


def test_toml_syntax_error_at_end():
    message = error_of('schema = 1\nname = "x"\n[train')
    assert message.startswith("xor.toml: line 3: TOML syntax error")


def test_unknown_key_suggests():
    message = error_of(XOR.replace("learning_rate", "learnin_rate"))
    assert message.startswith(f"xor.toml: line {LINE['learning_rate']}: train.learnin_rate: ")
    assert "unknown key" in message
    assert "did you mean 'learning_rate'?" in message
    assert "loss, optimizer, learning_rate, momentum" in message


def test_unknown_key_in_layer_and_top_level():
    message = error_of(XOR.replace('activation = "sigmoid"', 'activaton = "sigmoid"'))
    assert f"line {LINE['act1']}: model.layers[1].activaton: unknown key" in message
    assert "did you mean 'activation'?" in message
    message = error_of("naem = 'x'\n" + XOR)
    assert "line 1: naem: unknown key; did you mean 'name'?" in message


def test_unknown_table():
    message = error_of(XOR + "[trian]\nepochs = 3\n")
    assert "line 25: trian: unknown key; did you mean 'train'?" in message


def test_wrong_type():
    message = error_of(XOR.replace("epochs = 500", 'epochs = "ten"'))
    assert message == (
        f"xor.toml: line {LINE['epochs']}: train.epochs: expected an integer, "
        "got a string ('ten'); valid range: 1 to 10000000"
    )


@pytest.mark.parametrize(
    ("old", "new", "field", "expected"),
    [
        ("epochs = 500", "epochs = true", "train.epochs", "expected an integer, got a boolean"),
        ("epochs = 500", "epochs = 5.0", "train.epochs", "expected an integer, got a float"),
        ("shuffle = true", "shuffle = 1", "train.shuffle", "expected a boolean"),
        ("learning_rate = 0.05", "learning_rate = true", "train.learning_rate", "a number"),
        ("learning_rate = 0.05", "learning_rate = inf", "train.learning_rate", "finite"),
        ('loss = "mse"', "loss = 3", "train.loss", "expected a string, got an integer"),
        ('name = "XOR"', "name = 1979-05-27", "name", "expected a string, got a date"),
        ('name = "XOR"', 'name = "  "', "name", "must not be empty"),
        (
            '[data]\nset = "xor"\ntest_fraction = 0.0\n',
            "data = 3\n",
            "data",
            "expected a table, got an integer",
        ),
    ],
)
def test_wrong_types(old, new, field, expected):
    message = error_of(XOR.replace(old, new))
    assert f": {field}: " in message
    assert expected in message


def test_negative_learning_rate():
    message = error_of(XOR.replace("learning_rate = 0.05", "learning_rate = -0.1"))
    assert message == (
        f"xor.toml: line {LINE['learning_rate']}: train.learning_rate: "
        "-0.1 is out of range; valid range: > 0"
    )


def test_zero_units():
    message = error_of(XOR.replace("units = 4", "units = 0"))
    assert message == (
        f"xor.toml: line {LINE['units0']}: model.layers[0].units: "
        "0 is out of range; valid range: 1 to 100000"
    )


@pytest.mark.parametrize(
    ("old", "new", "field", "range_text"),
    [
        ("learning_rate = 0.05", "learning_rate = 0", "train.learning_rate", "> 0"),
        ("batch_size = 4", "batch_size = 0", "train.batch_size", "1 to 10000000"),
        ("epochs = 500", "epochs = 10000001", "train.epochs", "1 to 10000000"),
        ("seed = 0", "seed = -1", "train.seed", "0 to 9223372036854775807"),
        ("seed = 0", "seed = 9223372036854775808", "train.seed", "0 to 9223372036854775807"),
        ("test_fraction = 0.0", "test_fraction = 1.0", "data.test_fraction", "0 <= x < 1"),
        ("test_fraction = 0.0", "noise = -1", "data.noise", ">= 0"),
        ("test_fraction = 0.0", "samples = 0", "data.samples", "1 to 10000000"),
        ("test_fraction = 0.0", "seed = -5", "data.seed", "0 to"),
        ("units = 4", "units = 100001", "model.layers[0].units", "1 to 100000"),
        ("batch_size = 4", "momentum = 1.0", "train.momentum", "0 <= x < 1"),
        ("batch_size = 4", "weight_decay = -0.001", "train.weight_decay", ">= 0"),
        ("batch_size = 4", "target_accuracy = 0", "train.target_accuracy", "0 < x <= 1"),
        ("batch_size = 4", "target_accuracy = 1.5", "train.target_accuracy", "0 < x <= 1"),
        ("batch_size = 4", "target_loss = -1", "train.target_loss", ">= 0"),
        ("batch_size = 4", "patience = 0", "train.patience", "1 to 10000000"),
    ],
)
def test_ranges(old, new, field, range_text):
    message = error_of(XOR.replace(old, new))
    assert f": {field}: " in message
    assert "out of range" in message
    assert f"valid range: {range_text}" in message


def test_range_edges_accepted():
    text = XOR.replace("seed = 0", "seed = 9223372036854775807").replace(
        "batch_size = 4", "momentum = 0.0\ntarget_accuracy = 1\ntarget_loss = 0\npatience = 1"
    )
    p = parse_preset(text)
    assert p.train.seed == 2**63 - 1 and p.train.target_accuracy == 1.0


def test_unknown_activation():
    message = error_of(XOR.replace('"sigmoid"', '"sigmoidd"'))
    assert message.startswith(f"xor.toml: line {LINE['act1']}: model.layers[1].activation: ")
    assert "unknown activation 'sigmoidd'" in message
    assert "did you mean 'sigmoid'?" in message
    assert "allowed: " + ", ".join(ACTIVATIONS) in message


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "allowed"),
    [
        ('loss = "mse"', 'loss = "l2"', LINE["loss"], "train.loss", LOSSES),
        ('"adam"', '"adamw"', LINE["optimizer"], "train.optimizer", OPTIMIZERS),
        ('set = "xor"', 'set = "cifar"', LINE["set"], "data.set", DATA_SETS),
        ('kind = "mlp"', 'kind = "cnn"', LINE["kind"], "model.kind", ("mlp", "perceptron")),
        ('init = "default"', 'init = "xavier"', LINE["init"], "model.init", ("default",)),
    ],
)
def test_unknown_names(old, new, line, field, allowed):
    message = error_of(XOR.replace(old, new))
    assert message.startswith(f"xor.toml: line {line}: {field}: unknown ")
    assert ", ".join(allowed) in message


@pytest.mark.parametrize("device", ["gpu", "cuda:", "cuda:-1", "cuda:x", "CPU", "cuda:٣", " cpu"])
def test_bad_device(device):
    message = error_of(XOR.replace('device = "auto"', f"device = {json.dumps(device)}"))
    assert message.startswith(f"xor.toml: line {LINE['device']}: train.device: invalid device")
    assert "auto, cpu, cuda, cuda:N" in message and "mps" in message


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:0", "cuda:12", "mps"])
def test_good_device(device):
    assert parse_preset(XOR.replace('"auto"', f'"{device}"')).train.device == device


def test_perceptron_with_two_layers():
    message = error_of(XOR.replace('kind = "mlp"', 'kind = "perceptron"'))
    assert message.startswith(f"xor.toml: line {LINE['layers0']}: model.layers: ")
    assert "exactly one layer, got 2" in message


def test_perceptron_activation():
    text = (
        'schema = 1\nname = "p"\n[model]\nkind = "perceptron"\n'
        '[[model.layers]]\nunits = 1\nactivation = "sigmoid"\n'
    )
    message = error_of(text)
    assert "line 7: model.layers[0].activation: " in message
    assert "step, sign" in message
    assert parse_preset(text.replace("sigmoid", "step")).model.kind == "perceptron"


def test_weights_wrong_shape():
    text = XOR.replace('activation = "tanh"', 'activation = "tanh"\nweights = [[1, 2], [3, 4]]')
    message = error_of(text)
    assert message.startswith("xor.toml: line 13: model.layers[0].weights: has 2 rows")
    assert "4 units" in message


def test_weights_ragged_rows_and_bad_values():
    base = 'schema = 1\nname = "w"\n[[model.layers]]\nunits = 2\nweights = [\n  [1, 2],\n  {}\n]\n'
    message = error_of(base.replace("{}", "[3]"))
    assert "line 5: model.layers[0].weights[1]: has 1 weight but row 0 has 2" in message
    message = error_of(base.replace("{}", '[3, "x"]'))
    assert "model.layers[0].weights[1][1]: expected a number, got a string ('x')" in message
    message = error_of(base.replace("{}", "[3, nan]"))
    assert "model.layers[0].weights[1][1]: must be a finite number" in message
    message = error_of(base.replace("{}", "3"))
    assert "model.layers[0].weights[1]: expected an array of numbers" in message


def test_bias_wrong_length():
    message = error_of(XOR.replace('"sigmoid"', '"sigmoid"\nbias = [0.5, 1]'))
    assert "line 16: model.layers[1].bias: has 2 values but the layer has 1 unit" in message


def test_schema_rules():
    assert "written by a newer tui-nn" in error_of(XOR.replace("schema = 1", "schema = 2"))
    assert "line 1: schema: unsupported schema 0" in error_of(
        XOR.replace("schema = 1", "schema = 0")
    )
    message = error_of(XOR.replace("schema = 1\n", ""))
    assert message.startswith("xor.toml: schema: missing required key")
    assert "expected an integer" in error_of(XOR.replace("schema = 1", 'schema = "1"'))


def test_newer_schema_wins_over_unknown_keys():
    message = error_of(XOR.replace("schema = 1", "schema = 3\nfuture = true"))
    assert "written by a newer tui-nn" in message


def test_name_and_layers_required():
    assert "name: missing required key" in error_of(XOR.replace('name = "XOR"\n', ""))
    assert "model.layers: missing" in error_of('schema = 1\nname = "x"\n')
    assert "model.layers: needs at least one layer" in error_of(
        'schema = 1\nname = "x"\n[model]\nlayers = []\n'
    )


def test_line_numbers_ignore_brackets_in_values_and_comments():
    text = (
        'schema = 1\nname = "x [y]"\ndescription = """\n[train]\nepochs = 1\n"""\n'
        "[[model.layers]]  # a comment [train]\nunits = 2\nweights = [\n  [1, 2],  # [z]\n"
        '  [3, 4],\n]\n"bias" = [1, 2]\n[train]\n  epochs = 0\n'
    )
    message = error_of(text)
    assert message.startswith("xor.toml: line 15: train.epochs: 0 is out of range")
    message = error_of(text.replace('"bias" = [1, 2]', '"bias" = [1]'))
    assert message.startswith("xor.toml: line 13: model.layers[0].bias:")


def test_line_number_for_inline_layers_falls_back_to_the_array():
    text = 'schema = 1\nname = "x"\n[model]\nlayers = [{units = 2}, {units = -1}]\n'
    assert error_of(text).startswith("xor.toml: line 4: model.layers[1].units:")


def test_odd_keys_are_shown_safely():
    message = error_of(XOR + '"a\\nb c" = 1\n')
    assert 'train."a\\nb c": unknown key' in message


def test_deep_nesting_and_huge_numbers():
    assert "TOML syntax error" in error_of("a = " + "[" * 5000 + "]" * 5000)
    assert "TOML syntax error" in error_of("x = " + "{a = " * 3000 + "1" + "}" * 3000)
    assert "TOML syntax error" in error_of("epochs = " + "9" * 5000)
    message = error_of(XOR.replace("epochs = 500", "epochs = 1e400"))
    assert "train.epochs: expected an integer, got a float" in message
    message = error_of(XOR.replace("learning_rate = 0.05", "learning_rate = 1e400"))
    assert "finite" in message


def test_from_dict_errors():
    with pytest.raises(PresetError, match="expected a table, got an array"):
        preset_from_dict([1, 2])  # type: ignore[arg-type]
    good = preset_to_dict(full_preset())
    good["train"][1] = 2
    with pytest.raises(PresetError, match=r"^<dict>: train\.<an integer key 1>: unknown key"):
        preset_from_dict(good)
    big = preset_to_dict(full_preset())
    big["train"]["learning_rate"] = 10**5000
    with pytest.raises(PresetError, match="too large"):
        preset_from_dict(big, source="pipe")
    big["train"]["learning_rate"] = 0.1
    big["train"]["epochs"] = 10**5000
    with pytest.raises(PresetError, match="a very large integer is out of range"):
        preset_from_dict(big)


def test_module_does_not_import_torch_or_textual():
    code = (
        "import sys, tui_nn.presets; "
        "bad = [m for m in ('torch', 'textual') if m in sys.modules]; "
        "print(*bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------------------
# The built-in presets shipped in the repository


BUILTIN_FILES = sorted((REPO / "presets").glob("*.toml"))


@pytest.mark.parametrize(
    "path",
    BUILTIN_FILES or [pytest.param(None, marks=pytest.mark.skip(reason="no built-in presets yet"))],
    ids=lambda p: p.stem if isinstance(p, Path) else "none",
)
def test_builtin_preset_loads(path):
    preset = load_preset(path)
    assert preset.name.strip()
    assert parse_preset(dump_preset(preset)) == preset
    assert resolve_preset(path.stem).name == path.name
