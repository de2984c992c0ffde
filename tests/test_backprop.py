"""Backpropagation by hand (`tui_nn.training.backprop`, `tui-nn backprop`): the lecture's formulas
against autograd for every activation and loss, against an independent NumPy computation, one
SGD step against the engine's, the command's JSON, text, gradient check and errors."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from tui_nn.cli import main
from tui_nn.data import Dataset
from tui_nn.data.dataset import CLASSIFICATION, REGRESSION
from tui_nn.lesson.backprop import BackpropResult
from tui_nn.model import build_head, build_network
from tui_nn.presets import dump_preset, load_named
from tui_nn.spec import ACTIVATIONS, DataSpec, LayerSpec, ModelSpec, Preset, TrainSpec
from tui_nn.trainer.typed_json import reader_for, to_plain
from tui_nn.training import Trainer, gradient_step
from tui_nn.training.backprop import backprop_sample, backprop_trainer

JSON_KEYS = {"preset", "sample", "x", "t", "loss_name", "loss", "layers"}
LAYER_KEYS = {"activation", "W", "b", "a", "y", "delta", "dW", "db", "autograd_dW", "autograd_db"}


# -- tiny networks for every activation and loss -------------------------------------------


def tiny_data(kind: str) -> Dataset:
    g = torch.Generator().manual_seed(3)
    x = torch.randn(5, 2, generator=g)
    if kind == "regression":
        return Dataset("r", x, torch.randn(5, 1, generator=g), ["x1", "x2"], [], REGRESSION)
    classes = 2 if kind == "binary" else 3
    y = torch.tensor([0, 1, 2, 1, 0]) % classes
    names = [str(k) for k in range(classes)]
    return Dataset("c", x, y, ["x1", "x2"], names, CLASSIFICATION)


# (loss, output activation, output units, data): every way build_head lets a loss meet an output
HEADS = [("mse", out, 1, "binary") for out in ACTIVATIONS] + [
    ("mse", "softmax", 3, "three"),
    ("mse", "sigmoid", 3, "three"),
    ("mse", "identity", 1, "regression"),
    ("mse", "tanh", 1, "regression"),
    ("bce", "sigmoid", 1, "binary"),
    ("bce", "identity", 1, "binary"),
    ("cross_entropy", "softmax", 3, "three"),
    ("cross_entropy", "identity", 3, "three"),
    ("perceptron", "identity", 1, "binary"),
    ("perceptron", "sign", 1, "binary"),
    ("perceptron", "step", 1, "binary"),
]
CASES = [(hidden, *head) for hidden in ACTIVATIONS for head in HEADS]


def tiny_result(
    hidden: str, loss: str, out: str, units: int, data_kind: str, sample: int = 1
) -> BackpropResult:
    data = tiny_data(data_kind)
    preset = Preset(
        name="tiny",
        model=ModelSpec(
            init="uniform",
            layers=[LayerSpec(3, hidden), LayerSpec(2, hidden), LayerSpec(units, out)],
        ),
        train=TrainSpec(loss=loss, optimizer="sgd", learning_rate=0.1, seed=1),
    )
    network = build_network(preset.model, data.n_features, seed=1)
    head = build_head(preset, network, data)
    return backprop_sample(
        network,
        [layer.activation for layer in preset.model.layers],
        head,
        data.x[sample],
        head.targets[sample],
        preset.train,
        sample=sample,
        n_samples=len(data),
    )


@pytest.mark.parametrize(
    ("hidden", "loss", "out", "units", "data_kind"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}{c[3]}-{c[4]}" for c in CASES],
)
def test_hand_gradients_equal_autograd_and_numpy(
    hidden: str, loss: str, out: str, units: int, data_kind: str
) -> None:
    result = tiny_result(hidden, loss, out, units, data_kind)
    assert result.loss_name == loss
    assert abs(result.loss - result.autograd_loss) <= 1e-5
    for layer in result.layers:
        assert np.allclose(layer.dW, layer.autograd_dW, rtol=0, atol=1e-5), layer.index
        assert np.allclose(layer.db, layer.autograd_db, rtol=0, atol=1e-5), layer.index
    assert result.max_diff <= 1e-5
    body = result.to_json()
    assert body.keys() == JSON_KEYS
    assert_numpy_agrees(body, result.loss_input)


# -- an independent computation in NumPy, from the reported W, b, x and t --------------------


def np_f(name: str, a: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf)
    table = {
        "identity": lambda: a,
        "step": lambda: (a >= 0).astype(float),
        "sign": lambda: np.where(a > 0, 1.0, -1.0),
        "sigmoid": lambda: 1 / (1 + np.exp(-a)),
        "tanh": lambda: np.tanh(a),
        "relu": lambda: np.maximum(a, 0),
        "leaky_relu": lambda: np.where(a > 0, a, 0.01 * a),
        "gelu": lambda: 0.5 * a * (1 + erf(a / np.sqrt(2))),
        "softmax": lambda: np.exp(a - a.max()) / np.exp(a - a.max()).sum(),
    }
    return np.asarray(table[name](), dtype=float)


def np_jacobian(name: str, a: np.ndarray) -> np.ndarray:
    """dy/da as a matrix."""
    if name == "softmax":
        s = np_f("softmax", a)
        return np.diag(s) - np.outer(s, s)
    pdf = np.exp(-a * a / 2) / np.sqrt(2 * np.pi)
    cdf = 0.5 * (1 + np.vectorize(math.erf)(a / np.sqrt(2)))
    s, th = 1 / (1 + np.exp(-a)), np.tanh(a)
    slope = {
        "identity": np.ones_like(a),
        "step": np.zeros_like(a),
        "sign": np.zeros_like(a),
        "sigmoid": s * (1 - s),
        "tanh": 1 - th * th,
        "relu": (a > 0).astype(float),
        "leaky_relu": np.where(a > 0, 1.0, 0.01),
        "gelu": cdf + a * pdf,
    }[name]
    return np.diag(slope)


def np_loss(name: str, z: np.ndarray, t: Any) -> tuple[float, np.ndarray]:
    if name == "mse":
        t = np.asarray(t)
        return float(np.mean((z - t) ** 2)), 2 * (z - t) / z.size
    if name == "cross_entropy":
        p = np_f("softmax", z)
        return float(-np.log(p[t])), p - np.eye(z.size)[t]
    t = np.asarray(t)
    if name == "bce":
        p = 1 / (1 + np.exp(-z))
        return float(np.mean(np.log1p(np.exp(z)) - t * z)), (p - t) / z.size
    return float(np.mean(np.maximum(0, -t * z))), np.where(-t * z > 0, -t, 0.0) / z.size


def assert_numpy_agrees(body: dict[str, Any], loss_input: str) -> None:
    layers = body["layers"]
    ys, as_ = [np.asarray(body["x"], dtype=float)], []
    for layer in layers:
        a = np.asarray(layer["W"]) @ ys[-1] + np.asarray(layer["b"])
        as_.append(a)
        ys.append(np_f(layer["activation"], a))
    z = as_[-1] if loss_input == "a" else ys[-1]
    loss, g = np_loss(body["loss_name"], z, body["t"])
    assert abs(loss - body["loss"]) <= 1e-9
    delta = g if loss_input == "a" else np_jacobian(layers[-1]["activation"], as_[-1]).T @ g
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        assert np.allclose(layer["delta"], delta, atol=1e-9)
        assert np.allclose(layer["dW"], np.outer(delta, ys[index]), atol=1e-9)
        assert np.allclose(layer["db"], delta, atol=1e-9)
        if index:
            back = np.asarray(layer["W"]).T @ delta
            delta = np_jacobian(layers[index - 1]["activation"], as_[index - 1]).T @ back


# -- the backprop preset, by hand ------------------------------------------------------------


def sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


def test_backprop_preset_by_hand() -> None:
    trainer = Trainer(load_named("backprop"))
    result = backprop_trainer(trainer, 2)  # x = (1, 0), t = 1
    assert result.x == [1.0, 0.0] and result.t == [1.0] and result.loss_name == "mse"
    h1, h2 = sigmoid(1 + 0 - 0.5), sigmoid(-1 - 0 + 1.5)
    y = sigmoid(h1 + h2 - 1.5)
    assert result.loss == pytest.approx((y - 1) ** 2, abs=1e-12)  # torch's mse: no 1/2
    delta_out = y * (1 - y) * 2 * (y - 1)
    delta_1, delta_2 = h1 * (1 - h1) * delta_out * 1, h2 * (1 - h2) * delta_out * 1
    hidden, output = result.layers
    assert output.delta == pytest.approx([delta_out], abs=1e-12)
    assert hidden.delta == pytest.approx([delta_1, delta_2], abs=1e-12)
    assert np.allclose(hidden.terms, [[delta_out], [delta_out]], rtol=0, atol=1e-12)
    assert np.allclose(output.dW, [[delta_out * h1, delta_out * h2]], rtol=0, atol=1e-12)
    assert np.allclose(hidden.dW, [[delta_1, 0.0], [delta_2, 0.0]], rtol=0, atol=1e-12)
    assert hidden.db == pytest.approx([delta_1, delta_2], abs=1e-12)
    assert result.max_diff <= 1e-6
    eta = 0.5
    assert np.allclose(output.step_W, [[-eta * delta_out * h1, -eta * delta_out * h2]], atol=1e-12)
    assert result.new_loss is not None and result.new_loss < result.loss


def test_the_result_goes_through_json_unchanged() -> None:
    """The typed reader of the protocol reads it back, as a lesson view would receive it."""
    result = backprop_trainer(Trainer(load_named("xor")), 1, check=True)
    line = json.dumps(to_plain(result))
    assert reader_for(BackpropResult)(json.loads(line), "backprop") == result
    assert result.check and all(check.ok for check in result.check)


def test_the_result_and_its_text_need_no_torch() -> None:
    code = (
        "import sys\n"
        "from tui_nn.lesson.backprop import BackpropResult\n"
        "from tui_nn.cli.backprop import format_backprop\n"
        "print(sorted(m for m in ('torch', 'textual') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# -- the optimizer's step against the engine's -----------------------------------------------


def with_train(preset: Preset, **changes: Any) -> Preset:
    return dataclasses.replace(preset, train=dataclasses.replace(preset.train, **changes))


def weights(trainer: Trainer) -> list[tuple[list[list[float]], list[float]]]:
    linears = [m for m in trainer.network if isinstance(m, torch.nn.Linear)]
    return [(m.weight.detach().tolist(), m.bias.detach().tolist()) for m in linears]


def assert_new_weights(result: BackpropResult, trainer: Trainer) -> None:
    for layer, (W, b) in zip(result.layers, weights(trainer), strict=True):
        assert np.allclose(layer.new_W, W, rtol=0, atol=1e-6)
        assert np.allclose(layer.new_b, b, rtol=0, atol=1e-6)


def test_one_sgd_step_equals_the_engines_step() -> None:
    trainer = Trainer(load_named("backprop"))  # batch_size 1, no shuffling: sample 0 first
    result = backprop_trainer(trainer, 0)
    assert result.update_diff is not None and result.update_diff <= 1e-6
    for layer in result.layers:  # SGD: exactly -eta * dW
        assert np.allclose(layer.step_W, -0.5 * np.asarray(layer.dW), rtol=0, atol=1e-12)
    trainer.step_batch()
    assert_new_weights(result, trainer)
    result = backprop_trainer(trainer, 3)  # and any sample, by the engine's own step function
    x, t = trainer.x_train[3:4], trainer.t_train[3:4]
    assert trainer.optimizer is not None
    gradient_step(trainer.head.train_net, trainer.head.loss_fn, trainer.optimizer, x, t)
    assert_new_weights(result, trainer)


@pytest.mark.parametrize(
    "changes",
    [
        {"optimizer": "sgd", "momentum": 0.9, "weight_decay": 0.01},
        {"optimizer": "adam", "weight_decay": 0.01},
        {"optimizer": "rmsprop"},
    ],
    ids=["sgd-momentum", "adam", "rmsprop"],
)
def test_the_step_goes_on_from_the_optimizers_state(changes: dict[str, Any]) -> None:
    trainer = Trainer(with_train(load_named("xor"), batch_size=1, shuffle=False, **changes))
    trainer.run(until_epoch=1)
    assert trainer.optimizer is not None
    state = copy.deepcopy(trainer.optimizer.state_dict())
    before = weights(trainer)
    result = backprop_trainer(trainer, 0)
    assert weights(trainer) == before  # the network and the optimizer stay as they were
    after = trainer.optimizer.state_dict()["state"]
    for key, values in state["state"].items():
        for name, value in values.items():
            assert torch.equal(torch.as_tensor(after[key][name]), torch.as_tensor(value))
    if result.update_diff is not None:
        assert result.update_diff <= 1e-6
    trainer.step_batch()  # the next epoch's first batch: sample 0
    assert_new_weights(result, trainer)


# -- the command -----------------------------------------------------------------------------


def write_preset(tmp_path: Path, preset: Preset) -> str:
    path = tmp_path / "p.toml"
    path.write_text(dump_preset(preset), encoding="utf-8")
    return str(path)


def small_preset(loss: str, out: str, units: int, **train: Any) -> Preset:
    return Preset(
        name="small",
        data=DataSpec(set="xor"),
        model=ModelSpec(layers=[LayerSpec(3, "tanh"), LayerSpec(units, out)]),
        train=TrainSpec(loss=loss, device="cpu", **train),
    )


def test_json_has_exactly_the_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backprop", "backprop", "--sample", "1", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body.keys() == JSON_KEYS
    assert [layer.keys() for layer in body["layers"]] == [LAYER_KEYS, LAYER_KEYS]
    assert body["sample"] == 1 and body["x"] == [0.0, 1.0] and body["t"] == [1.0]
    assert [layer["activation"] for layer in body["layers"]] == ["sigmoid", "sigmoid"]
    assert body["layers"][0]["W"] == [[1.0, 1.0], [-1.0, -1.0]]


def test_json_target_is_the_class_index_for_cross_entropy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_preset(tmp_path, small_preset("cross_entropy", "softmax", 2))
    assert main(["backprop", path, "--sample", "3", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["t"] == 0 and body["loss_name"] == "cross_entropy"  # xor(1, 1) = 0
    assert_numpy_agrees(body, "a")


def test_epochs_train_with_the_engine_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backprop", "backprop", "--epochs", "3", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    trainer = Trainer(load_named("backprop"))
    trainer.run(until_epoch=3)
    assert [(layer["W"], layer["b"]) for layer in body["layers"]] == weights(trainer)


def test_text_fits_80_columns_and_shows_the_hand_computation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["backprop", "backprop", "--sample", "2"]) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 80
    for expected in (
        "x = (1, 0)   t = 1",
        "a1 = 1*1 + 1*0 - 0.5 = 0.5",
        "without the lecture's 1/2",
        "delta(L) = f'(a) * dL/dy, dL/dy = 2(y - t)",
        "SGD, eta = 0.5: W <- W - eta * dW",
    ):
        assert expected in text, expected
    assert main(["backprop", "circle", "--sample", "7"]) == 0  # 8 hidden units, bce
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "delta(L) = sigmoid(a) - t" in text


def test_check_passes_on_a_smooth_network(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backprop", "xor", "--sample", "2", "--check"]) == 0
    text = capsys.readouterr().out
    assert "Gradient check" in text and "agree with autograd" in text and "DIFFERS" not in text
    assert main(["backprop", "xor", "--json", "--check"]) == 0
    checks = json.loads(capsys.readouterr().out)["check"]
    assert len(checks) >= 4
    assert all(abs(c["numeric"] - c["autograd"]) <= 1e-4 for c in checks)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["backprop", "--sample", "4"], "sample 4 is out of range: the training set has 4"),
        (["backprop", "--sample", "-1"], "--sample must be 0 or more"),
        (["nand"], "is a perceptron"),
        (["mnist-like"], "too large to show as text"),
        (["no-such-preset"], "unknown preset"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backprop", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], captured.err
