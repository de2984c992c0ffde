"""Property tests: whatever the input, preset loading gives a Preset or a PresetError."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_nn.errors import PresetError
from tui_nn.presets import dump_preset, parse_preset, preset_from_dict, preset_to_dict
from tui_nn.spec import Preset

SETTINGS = settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

VALID = """\
schema = 1
name = "Everything"
description = "Every field set."

[data]
set = "csv"
test_fraction = 0.25
samples = 1000
noise = 0.1
seed = 3
path = "data.csv"
label_column = "y"

[model]
kind = "mlp"
init = "normal"

[[model.layers]]
units = 2
activation = "tanh"
trainable = false
weights = [
    [1.0, -1.0],
    [0.5, 0.25],
]
bias = [0.0, 1.0]

[[model.layers]]
units = 1
activation = "sigmoid"

[train]
loss = "bce"
optimizer = "sgd"
learning_rate = 0.1
momentum = 0.9
weight_decay = 0.001
batch_size = 4
epochs = 100
shuffle = true
seed = 0
device = "cuda:0"
target_loss = 0.01
target_accuracy = 1.0
patience = 10
"""
VALID_DICT = preset_to_dict(parse_preset(VALID))

KEYS = sorted(
    {"schema", "name", "description", "data", "model", "train", "layers", "units", "weights"}
    | set(VALID_DICT["data"])
    | set(VALID_DICT["train"])
    | {"activation", "bias", "trainable", "kind", "init", "learnin_rate", "", "a b", "1"}
)


def check_outcome(result_or_error) -> None:
    """A Preset must survive a dump/parse and a JSON dict round trip unchanged."""
    if isinstance(result_or_error, Preset):
        preset = result_or_error
        assert parse_preset(dump_preset(preset)) == preset
        assert preset_from_dict(json.loads(json.dumps(preset_to_dict(preset)))) == preset


def try_parse(text: str):
    try:
        result = parse_preset(text, source="fuzz.toml")
    except PresetError as exc:
        message = str(exc)
        assert message.startswith("fuzz.toml: ")
        assert "\n" not in message and "\r" not in message
        return exc
    check_outcome(result)
    return result


def try_from_dict(d):
    try:
        result = preset_from_dict(d, source="fuzz")
    except PresetError as exc:
        assert "\n" not in str(exc)
        return exc
    check_outcome(result)
    return result


# -- (1) random text


TOMLISH = st.text(
    alphabet=st.sampled_from(list("[]{}=\"'#.,\n\r\t -+_0123456789abcdefxyz\\e:TZnaitrulse")),
    max_size=200,
)


@SETTINGS
@given(st.one_of(st.text(max_size=300), TOMLISH))
def test_random_text(text):
    try_parse(text)


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["replace", "surrogateescape", "latin-1"]))
def test_random_bytes(data, how):
    text = data.decode("latin-1") if how == "latin-1" else data.decode("utf-8", how)
    try_parse(text)


# -- (2) mutated valid presets


def toml_value_text(value) -> str:
    """A one-line TOML literal for any value (tables inline)."""
    if isinstance(value, dict):
        items = (f"{json.dumps(k)} = {toml_value_text(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value_text(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


SCALARS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=20),
    st.datetimes(timezones=st.none() | st.just(dt.UTC)),
    st.dates(),
    st.times(),
)
TOML_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=8,
).map(toml_value_text)
RAW_VALUES = st.one_of(
    TOML_VALUES,
    st.sampled_from(
        [
            "",
            "[",
            "{",
            "[[1, 2], [3]]",
            "1e400",
            "-0.0",
            "9" * 30,
            "'''x'''",
            '"""\n"""',
            "0x10",
            "[" * 50 + "]" * 50,
            "nan",
            '"cuda:1"',
            '"softmax"',
        ]
    ),
)
HEADERS = st.sampled_from(
    ["[data]", "[model]", "[train]", "[[model.layers]]", "[[train]]", "[model.layers]", "[x.y]"]
)


@st.composite
def mutated(draw) -> str:
    lines = VALID.split("\n")
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        op = draw(st.sampled_from(["value", "key", "header", "delete", "insert", "chars"]))
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        if op == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(RAW_VALUES)}"
        elif op == "key":
            lines.insert(i, f"{draw(st.sampled_from(KEYS)) or 'k'} = {draw(RAW_VALUES)}")
        elif op == "header":
            lines.insert(i, draw(HEADERS))
        elif op == "delete":
            del lines[i]
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=30)))
        else:
            line = lines[i]
            a = draw(st.integers(min_value=0, max_value=len(line)))
            b = draw(st.integers(min_value=a, max_value=len(line)))
            lines[i] = line[:a] + draw(st.text(max_size=5)) + line[b:]
        if not lines:
            lines = [""]
    return "\n".join(lines)


@SETTINGS
@given(mutated())
def test_mutated_preset_text(text):
    try_parse(text)


def test_valid_text_is_valid():
    assert isinstance(try_parse(VALID), Preset)


# -- (3) random dicts (as if from JSON across a pipe)


JSONISH = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=2**63, max_value=2**70),
        st.floats(),
        st.text(max_size=10),
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(KEYS) | st.text(max_size=5) | st.integers(), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@SETTINGS
@given(JSONISH)
def test_random_dict(d):
    try_from_dict(d)


def paths_of(value, prefix=()):
    """Every path to a value inside nested dicts and lists."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths_of(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths_of(v, (*prefix, i))


ALL_PATHS = [p for p in paths_of(VALID_DICT) if p]


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["set", "delete"]), JSONISH),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_dict(edits):
    d = copy.deepcopy(VALID_DICT)
    for path, op, value in edits:
        parent = d
        try:
            for part in path[:-1]:
                parent = parent[part]
            if op == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or replaced this path
    try_from_dict(d)


@pytest.mark.parametrize("depth", [10, 1000, 50_000])
def test_deeply_nested_dict(depth):
    d: object = 1
    for _ in range(depth):
        d = {"train": d}
    d = {"schema": 1, "name": "deep", "train": d}
    with pytest.raises(PresetError):
        preset_from_dict(d)  # type: ignore[arg-type]
