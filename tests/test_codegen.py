"""`tui-nn code`: the exported PyTorch script trains exactly as the engine does."""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import importlib
import inspect
import io
import json
import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from tui_nn import codegen
from tui_nn.cli import main
from tui_nn.codegen import export_script, write_export
from tui_nn.codegen.data import data_section
from tui_nn.data import load_dataset
from tui_nn.data.idx import write_idx
from tui_nn.errors import TuiNnError
from tui_nn.presets import load_named, parse_preset
from tui_nn.spec import LOGIC_SETS, SYNTHETIC_SETS, LayerSpec
from tui_nn.training import Trainer


def changed(preset, *, data=None, model=None, **train):
    if data:
        preset = dataclasses.replace(preset, data=dataclasses.replace(preset.data, **data))
    if model:
        preset = dataclasses.replace(preset, model=dataclasses.replace(preset.model, **model))
    return dataclasses.replace(preset, train=dataclasses.replace(preset.train, **train))


def result_line(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, stdout
    return json.loads(lines[-1][len("RESULT ") :])


def saved_weights(result: dict) -> dict[str, torch.Tensor]:
    """The state dict the script saved (its RESULT line names the file)."""
    return torch.load(result["weights"], weights_only=True)


def engine_run(preset) -> Trainer:
    trainer = Trainer(preset)
    trainer.run()
    return trainer


def assert_same_run(result: dict, trainer: Trainer) -> None:
    summary = trainer.summary()
    assert (result["epochs"], result["stop"]) == (summary.epochs, summary.stop_reason)
    state = trainer.network.state_dict()
    parameters = saved_weights(result)
    assert sorted(parameters) == sorted(state)
    for name, value in state.items():
        got = parameters[name]
        assert got.shape == value.shape, name
        assert float((got - value).abs().max()) <= 1e-5, name  # in practice: exactly equal
    for key in ("train_loss", "test_loss", "train_acc", "test_acc"):
        expected = getattr(summary, key)
        if expected is None:
            assert result[key] is None, key
        else:
            assert result[key] == pytest.approx(expected, abs=1e-6), key


# --------------------------------------------------------------------------------------
# Standalone scripts in their own processes, all started at once (torch's import dominates).

SUBPROCESS_CASES = {
    "xor": lambda: load_named("xor"),
    "nand": lambda: load_named("nand"),
    "xor-perceptron": lambda: load_named("xor-perceptron"),
    "random-projection": lambda: load_named("random-projection"),
    "circle": lambda: changed(load_named("circle"), epochs=5),
    "mnist-like": lambda: changed(load_named("mnist-like"), epochs=2),
}


@pytest.fixture(scope="module")
def script_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.Popen]:
    folder = tmp_path_factory.mktemp("scripts")
    runs = {}
    for name, make in SUBPROCESS_CASES.items():
        script = folder / name / f"{name}.py"  # a folder each: the data it needs lies beside it
        script.parent.mkdir()
        write_export(make(), script)
        runs[name] = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    yield runs
    for process in runs.values():
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("name", list(SUBPROCESS_CASES))
def test_exported_script_matches_the_engine(name: str, script_runs) -> None:
    trainer = engine_run(SUBPROCESS_CASES[name]())
    stdout, stderr = script_runs[name].communicate(timeout=180)
    assert script_runs[name].returncode == 0, stderr
    result = result_line(stdout)
    assert_same_run(result, trainer)
    assert f"stopped after {result['epochs']} epochs: {result['stop']}" in stdout


def test_hand_computed_results_of_the_scripts(script_runs) -> None:
    nand = result_line(script_runs["nand"].communicate(timeout=180)[0])
    nand_weights = {name: t.tolist() for name, t in saved_weights(nand).items()}
    assert nand_weights == {"0.weight": [[-2.0, -1.0]], "0.bias": [3.0]}
    assert (nand["epochs"], nand["stop"]) == (6, "converged")
    xor = result_line(script_runs["xor-perceptron"].communicate(timeout=180)[0])
    assert xor["stop"] == "not_separable"


# --------------------------------------------------------------------------------------
# More presets, executed in this process (the same script text, no new torch import).


@contextlib.contextmanager
def tui_nn_unimportable():
    """Any `import tui_nn...` in the block fails: the scripts must need torch only."""
    saved = {name: module for name, module in sys.modules.items() if name.startswith("tui_nn")}
    for name in saved:
        del sys.modules[name]
    sys.modules["tui_nn"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        del sys.modules["tui_nn"]
        sys.modules.update(saved)


def run_in_process(preset, tmp_path: Path, embed: bool = False) -> dict:
    script = tmp_path / "script.py"
    if embed:  # the data in the script itself, nothing beside it
        script.write_text(export_script(preset, embed_data=True), encoding="utf-8")
        assert not (tmp_path / "digits.csv.gz").exists()
    else:
        write_export(preset, script)
    out = io.StringIO()
    argv = sys.argv
    sys.argv = [str(script)]  # the script reads its options
    try:
        with contextlib.redirect_stdout(out), tui_nn_unimportable():
            runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    return result_line(out.getvalue())


def _csv_preset(tmp_path: Path) -> object:
    g = torch.Generator().manual_seed(5)
    x = torch.randn(60, 3, generator=g)
    labels = ["cat", "dog", "emu"]
    rows = ["a,b,c,kind"] + [
        f"{a:.4f},{b:.4f},{c:.4f},{labels[int(a > 0) + int(b > 0)]}" for a, b, c in x.tolist()
    ]
    (tmp_path / "animals.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return parse_preset(
        f"""schema = 1
name = "csv"
[data]
set = "csv"
path = "{tmp_path / "animals.csv"}"
label_column = "kind"
test_fraction = 0.25
[[model.layers]]
units = 5
activation = "relu"
[[model.layers]]
units = 3
activation = "softmax"
[train]
loss = "cross_entropy"
optimizer = "adam"
learning_rate = 0.05
batch_size = 8
epochs = 3
"""
    )


def _csv_file_preset(tmp_path: Path, text: str, extra: str, out: str = "") -> object:
    (tmp_path / "data.csv").write_text(text, encoding="utf-8")
    out = out or 'units = 2\nactivation = "softmax"\n[train]\nloss = "cross_entropy"'
    return parse_preset(
        f'schema = 1\nname = "csv"\n[data]\nset = "csv"\npath = "{tmp_path / "data.csv"}"\n'
        f'test_fraction = 0.25\n{extra}\n[[model.layers]]\nunits = 4\nactivation = "tanh"\n'
        f'[[model.layers]]\n{out}\noptimizer = "adam"\nlearning_rate = 0.05\n'
        "batch_size = 4\nepochs = 3\n"
    )


def _pandas_semicolons(tmp_path: Path) -> object:
    """A pandas export with its index, semicolons, decimal commas, a gap: standardised, filled."""
    g = torch.Generator().manual_seed(8)
    rows = [";a;b;label"]
    for i, (a, b) in enumerate((torch.randn(24, 2, generator=g) * 30 + 100).tolist()):
        cell = "" if i == 5 else f"{a:.3f}".replace(".", ",")
        rows.append(f"{i};{cell};{b:.3f};{'yes' if a > b else 'no'}".replace(".", ","))
    return _csv_file_preset(tmp_path, "\n".join(rows) + "\n", 'missing = "mean"')


def _csv_regression(tmp_path: Path) -> object:
    rows = ["x1 x2 y"] + [f"{i}  {i % 4}  {i * 0.5 + 0.25}" for i in range(16)]
    out = 'units = 1\n[train]\nloss = "mse"'
    return _csv_file_preset(tmp_path, "\n".join(rows) + "\n", 'drop_columns = ["x2"]', out)


def _mnist_folder(tmp_path: Path) -> Path:
    g = torch.Generator().manual_seed(1)
    raw = tmp_path / "mnist" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for part, count, suffix in (("train", 40, ".gz"), ("t10k", 20, "")):
        write_idx(
            raw / f"{part}-images-idx3-ubyte{suffix}",
            torch.randint(0, 256, (count, 6, 6), generator=g, dtype=torch.uint8),
        )
        write_idx(
            raw / f"{part}-labels-idx1-ubyte{suffix}",
            torch.randint(0, 10, (count,), generator=g, dtype=torch.uint8),
        )
    return tmp_path / "mnist"


IN_PROCESS_CASES = {
    "xor-nand": lambda tmp: load_named("xor-nand"),
    "sine": lambda tmp: changed(load_named("sine"), epochs=12),
    "sine-wide-diverges": lambda tmp: changed(
        load_named("sine-wide"), optimizer="sgd", learning_rate=1e6, epochs=3
    ),
    "sprinkler-step-shuffled": lambda tmp: changed(
        load_named("sprinkler"),
        model={"layers": [LayerSpec(units=1, activation="step")]},
        shuffle=True,
        learning_rate=0.5,
    ),
    "gaussian-bce-logit-rmsprop": lambda tmp: changed(
        load_named("circle"),
        data={"set": "gaussian", "samples": 120},
        model={
            "init": "uniform",
            "layers": [LayerSpec(units=6, activation="leaky_relu"), LayerSpec(units=1)],
        },
        optimizer="rmsprop",
        weight_decay=0.01,
        epochs=3,
    ),
    "xor-cloud-tanh-mse-in-order": lambda tmp: changed(
        load_named("circle"),
        data={"set": "xor-cloud", "noise": 0.0, "seed": 4},
        model={
            "init": "normal",
            "layers": [
                LayerSpec(units=5, activation="gelu"),
                LayerSpec(units=1, activation="tanh"),
            ],
        },
        loss="mse",
        shuffle=False,
        epochs=3,
    ),
    "spiral-target-accuracy": lambda tmp: changed(
        load_named("spiral"), epochs=4, target_accuracy=0.5
    ),
    "and-perceptron-criterion": lambda tmp: changed(
        load_named("xor"),
        data={"set": "and"},
        model={"layers": [LayerSpec(units=1, activation="identity")]},
        loss="perceptron",
        optimizer="sgd",
        momentum=0.5,
        epochs=300,
    ),
    "digits-one-hot-mse": lambda tmp: changed(
        load_named("mnist-like"),
        data={"samples": 200, "test_fraction": 0.5},
        model={"layers": [LayerSpec(units=16, activation="sigmoid"), LayerSpec(units=10)]},
        loss="mse",
        optimizer="sgd",
        learning_rate=0.5,
        batch_size=1,
        epochs=2,
    ),
    "circle-patience": lambda tmp: changed(
        load_named("circle"), learning_rate=1e-12, patience=1, epochs=100
    ),
    "csv-three-classes": _csv_preset,
    "csv-pandas-semicolons-filled-standardised": _pandas_semicolons,
    "csv-spaces-regression": _csv_regression,
    "digits-embedded": lambda tmp: changed(
        load_named("mnist-like"), data={"samples": 120}, epochs=1
    ),
    "mnist-idx-files": lambda tmp: changed(
        load_named("mnist"),
        data={"path": str(_mnist_folder(tmp)), "samples": 50},
        model={"layers": [LayerSpec(units=8, activation="relu"), LayerSpec(units=10)]},
        epochs=2,
        batch_size=16,
    ),
}


@pytest.mark.parametrize("name", list(IN_PROCESS_CASES))
def test_more_presets_match_the_engine(name: str, tmp_path: Path) -> None:
    preset = IN_PROCESS_CASES[name](tmp_path)
    result = run_in_process(preset, tmp_path, embed=name == "digits-embedded")
    trainer = engine_run(preset)
    if name == "sine-wide-diverges":
        assert trainer.state.status == "diverged" and result["stop"] == "diverged"
        assert result["epochs"] == trainer.state.epoch
        return
    assert_same_run(result, trainer)
    expected_stop = {
        "xor-nand": "frozen",
        "circle-patience": "patience",
        "spiral-target-accuracy": "target_accuracy",
        "sprinkler-step-shuffled": "converged",
        "and-perceptron-criterion": "target_loss",
    }
    if name in expected_stop:
        assert result["stop"] == expected_stop[name]
    if name == "xor-nand":
        assert (result["epochs"], result["train_acc"]) == (0, 1.0)


# --------------------------------------------------------------------------------------
# The data: the script's loader gives the engine's tensors.


def script_data(preset) -> tuple[torch.Tensor, torch.Tensor, int]:
    seed = preset.data.seed if preset.data.seed is not None else preset.train.seed
    code, modules, _, _ = data_section(preset, seed, embed=True)
    namespace = {"torch": torch, "DATA_SEED": seed}
    namespace.update({name: importlib.import_module(name) for name in modules})
    exec(code, namespace)
    x, y, n_classes, n_test = namespace["load_data"]()
    assert n_test is None or preset.data.set in ("mnist", "fashion-mnist")
    return x, y, n_classes


def assert_same_data(preset) -> None:
    x, y, n_classes = script_data(preset)
    data = load_dataset(preset.data, preset.train.seed)
    assert x.dtype == data.x.dtype and torch.equal(torch.isnan(x), torch.isnan(data.x))
    assert torch.equal(x.nan_to_num(), data.x.nan_to_num())  # equal, missing values (NaN) too
    assert y.dtype == data.y.dtype and torch.equal(y, data.y)
    assert n_classes == data.n_classes


@pytest.mark.parametrize("name", LOGIC_SETS)
def test_logic_data(name: str) -> None:
    assert_same_data(changed(load_named("xor"), data={"set": name}))


@pytest.mark.parametrize("name", SYNTHETIC_SETS)
@pytest.mark.parametrize(("samples", "noise", "seed"), [(None, None, 0), (51, 0.0, 7)])
def test_synthetic_data(name: str, samples, noise, seed) -> None:
    preset = changed(load_named("circle"), data={"set": name, "samples": samples, "noise": noise})
    assert_same_data(changed(preset, seed=seed))


def test_sine_and_digits_data() -> None:
    assert_same_data(load_named("sine"))
    assert_same_data(changed(load_named("sine"), data={"noise": None, "samples": 7, "seed": 3}))
    assert_same_data(load_named("mnist-like"))
    assert_same_data(changed(load_named("mnist-like"), data={"samples": 10}))


def test_synthetic_constants_agree() -> None:
    from tui_nn.data import synthetic

    for key, value in codegen.SYNTHETIC_CONSTANTS.items():
        assert getattr(synthetic, key) == value, key
    assert (codegen.DEFAULT_SAMPLES, codegen.DEFAULT_NOISE, codegen.DEFAULT_SINE_NOISE) == (
        synthetic.DEFAULT_SAMPLES,
        synthetic.DEFAULT_NOISE,
        synthetic.DEFAULT_SINE_NOISE,
    )
    from tui_nn.codegen.loop import SCHEDULE_CONSTANTS
    from tui_nn.data.digits import DIGITS_FILE
    from tui_nn.training import eval_schedule

    assert codegen.DIGITS_FILE == DIGITS_FILE
    assert SCHEDULE_CONSTANTS == {
        "EVAL_SHARE": eval_schedule.EVAL_SHARE,
        "CALL_SAMPLES": eval_schedule.CALL_SAMPLES,
    }
    from tui_nn.codegen.head import SIGNED_OUTPUTS
    from tui_nn.model import SIGNED_OUTPUTS as ENGINE_SIGNED_OUTPUTS

    assert SIGNED_OUTPUTS == ENGINE_SIGNED_OUTPUTS


@pytest.mark.parametrize(
    ("text", "label_column"),
    [
        ("x1,x2,label\n1,2,b\n3,4,a\n5,6,b\n", None),
        ("x1,label,x2\n1,10,2\n3,2,4\n\n5,10,6\n", "label"),
        ("1,2,0.5\n3,4,-1\n5,6,0.5\n", None),
        ("\ufeff1,2,7\n3,4,8\n5,6,9\n", 0),
    ],
)
def test_csv_data(tmp_path: Path, text: str, label_column) -> None:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    for samples in (None, 2):
        data = {"set": "csv", "path": str(path), "label_column": label_column, "samples": samples}
        assert_same_data(changed(load_named("xor"), data=data))


def test_csv_guesses_are_written_into_the_script(tmp_path: Path) -> None:
    preset = _pandas_semicolons(tmp_path)
    assert_same_data(preset)
    text = export_script(preset)
    assert 'SEPARATOR = ";"' in text and 'DECIMAL = ","' in text and "HEADER = True" in text
    assert "FEATURE_COLUMNS = [1, 2]" in text and "dropped the index column" in text
    assert "mean, std = standardization(x[train_idx])" in text
    assert "x = fill_missing(x, column_means(x[train_idx]))" in text
    from tui_nn.data import scaling

    for function in (scaling.standardization, scaling.standardize, scaling.column_means):
        assert source(function) in text


def test_the_script_tests_on_mnist_official_test_files(tmp_path: Path) -> None:
    preset = changed(
        load_named("mnist"), data={"path": str(_mnist_folder(tmp_path)), "samples": 30}
    )
    seed = preset.train.seed
    code, modules, _, _ = data_section(preset, seed)
    namespace = {"torch": torch, "DATA_SEED": seed}
    namespace.update({name: importlib.import_module(name) for name in modules})
    exec(code, namespace)
    x, _, _, n_test = namespace["load_data"]()
    assert (len(x), n_test) == (50, 20)  # 30 training images kept, the 20 official ones
    assert "TEST_FRACTION is not used" in export_script(preset)


def test_mnist_data(tmp_path: Path, mnist_folder: Path) -> None:
    folder = _mnist_folder(tmp_path)
    for samples in (None, 30, 45):
        assert_same_data(
            changed(load_named("mnist"), data={"path": str(folder), "samples": samples})
        )
    assert_same_data(changed(load_named("mnist"), data={"path": str(mnist_folder), "samples": 500}))


# --------------------------------------------------------------------------------------
# The exporter's checks, the script's text, and the command


def test_every_builtin_preset_exports_valid_python(tmp_path: Path) -> None:
    from tui_nn.presets import list_presets

    for info in list_presets():
        preset = load_named(info.name)
        if preset.data.set in ("mnist", "fashion-mnist"):
            preset = changed(preset, data={"path": str(_mnist_folder(tmp_path / info.name))})
        text = export_script(preset)
        compile(text, f"{info.name}.py", "exec")
        # Runs alone: nothing read from tui-nn's own files (the digits lie beside it).
        assert str(codegen.DIGITS_FILE.parent.parent) not in text, info.name
        assert "tui_nn" not in "\n".join(
            line for line in text.splitlines() if line.startswith(("import", "from"))
        )


def test_script_text_reads_like_the_lesson() -> None:
    text = export_script(load_named("random-projection"))
    assert "torch.manual_seed(SEED)" in text
    assert "model = nn.Sequential(\n    linear(2, 16),\n    nn.ReLU(),\n    linear(16, 1)," in text
    assert "model[0].requires_grad_(False)  # frozen (trainable = false)" in text
    assert "F.binary_cross_entropy_with_logits" in text
    assert "loss = gradient_step(train_net, loss_fn, optimizer, x_batch, t_batch).item()" in text
    wired = export_script(load_named("xor-nand"))
    assert "class Step(nn.Module):" in wired and "torch.optim" not in wired
    assert "model[0].weight.copy_(torch.tensor([[1.0, 1.0], [-1.0, -1.0]]))" in wired
    perceptron = export_script(load_named("nand"))
    assert "perceptron_update(unit.weight[0], unit.bias[0], x_i, t, LEARNING_RATE, STRICT)" in (
        perceptron
    )
    assert "STRICT = True" in perceptron and "class Sign(nn.Module):" in perceptron


def source(obj: Any) -> str:
    """What the exporter copies of an engine function: its source, less mypy's comments."""
    return re.sub(r"  # type: ignore\[[^\]]*\]", "", inspect.getsource(obj))


def test_the_script_carries_the_engines_own_training_code() -> None:
    from tui_nn import model
    from tui_nn.training import batch_order, evaluation, steps, stop_rules

    mlp = export_script(load_named("circle"))
    perceptron = export_script(load_named("nand"))
    frozen = export_script(load_named("xor-nand"))
    shared = [
        evaluation.Evaluation,
        evaluation.evaluate,
        stop_rules.Stop,
        stop_rules.watched,
        stop_rules.track_best,
        stop_rules.gradient_stop,
        stop_rules.frozen_stop,
    ]
    for text, used in (
        (
            mlp,
            [
                steps.gradient_step,
                batch_order.epoch_order,
                stop_rules.diverged,
                stop_rules.budget_stop,
                *shared[:-1],
            ],
        ),
        (
            perceptron,
            [
                steps.perceptron_update,
                batch_order.epoch_order,
                evaluation.perceptron_costs,
                stop_rules.weights_repeat,
                stop_rules.perceptron_stop,
                stop_rules.budget_stop,
                model.Sign,
                *shared[:3],
            ],
        ),
        (frozen, [model.Step, *shared]),
    ):
        for obj in used:
            assert source(obj) in text, obj
    # The lecture's five lines, in the engine and so in the script:
    assert "loss.backward()  # type: ignore" in inspect.getsource(steps.gradient_step)
    assert "    loss.backward()  # d loss / d weight" in mlp
    assert "type: ignore" not in mlp + perceptron + frozen
    assert "def train_step" not in mlp and "unit.weight[0] +=" not in perceptron


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"loss": "cross_entropy"}, "cross_entropy needs an output layer of 2 units"),
        (
            {"loss": "bce", "model": {"layers": [LayerSpec(units=2, activation="sigmoid")]}},
            "loss 'bce' needs two classes and one output unit",
        ),
        (
            {"loss": "bce", "model": {"layers": [LayerSpec(units=1, activation="tanh")]}},
            'bce needs an output activation of "sigmoid"',
        ),
        (
            {"model": {"layers": [LayerSpec(units=3, activation="sigmoid")]}},
            "the output layer has 3 units but the data has 2 classes",
        ),
        ({"data": {"set": "sine"}, "loss": "bce"}, "regression task"),
        ({"data": {"set": "mnist", "path": None}}, "needs data.path"),
        ({"data": {"set": "csv", "path": "/nonexistent/file.csv"}}, "CSV file not found"),
        (
            {"model": {"layers": [LayerSpec(units=1, weights=[[1.0, 2.0, 3.0]])]}},
            "expected 1 rows of 2 numbers",
        ),
    ],
)
def test_export_refuses_what_the_engine_refuses(changes: dict, message: str) -> None:
    preset = changed(load_named("xor"), **changes)
    with pytest.raises(TuiNnError, match=message.replace("(", r"\(")):
        export_script(preset)


def test_code_command(capsys, tmp_path: Path) -> None:
    assert main(["code", "sprinkler"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("#!/usr/bin/env python3\n# Sprinkler: AND with inputs Sunny and Dry")
    assert "inputs Sunny, Dry" in out
    folder = _mnist_folder(tmp_path)
    assert main(["code", "mnist", "--data", str(folder)]) == 0
    assert f'FOLDER = "{folder}"' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["code", "no-such-preset"], "unknown preset 'no-such-preset'"),
        (["code", "mnist", "--data", "/nonexistent/mnist"], "MNIST folder not found"),
        (["code"], "the following arguments are required"),
    ],
)
def test_code_command_bad_input_exits_2(args: list[str], expected: str, capsys) -> None:
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in err


def test_gzip_digits_file_is_what_the_script_reads() -> None:
    with gzip.open(codegen.DIGITS_FILE, "rt") as f:
        assert len(f.readline().split(",")) == 65
