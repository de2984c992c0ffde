"""`tui-nn code`: a preset as a standalone, plain PyTorch script ("show the code").

The script needs only torch. On the CPU it trains exactly as the engine does: the same data
(logic gates as literal tensors, synthetic sets and the sine curve drawn by the same code from
the same seed, the bundled digits read from the installed package's file, MNIST and CSV files
read from `data.path`), the same seeded train/test split, the same initial weights
(`torch.manual_seed(seed)` before the layers are made, in the same order), the same loss on the
same targets, optimizer, batch order and stop rules evaluated at the same epochs. At the end it
prints the final metrics and a `RESULT {json}` line with the parameters under their state-dict
names, which is how the tests compare it with the engine.

This module must not import torch or textual (the app shows the code without loading torch).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import tui_nn
from tui_nn.errors import DataError, TrainingError
from tui_nn.lesson.gates import gate_input_names, gate_table
from tui_nn.spec import LOGIC_SETS, PERCEPTRON_ACTIVATIONS, SYNTHETIC_SETS, Preset

__all__ = ["DIGITS_FILE", "EVAL_EVERY_STEPS", "export_script"]

DIGITS_FILE = Path(tui_nn.__file__).resolve().parent / "data" / "files" / "digits.csv.gz"
EVAL_EVERY_STEPS = 256  # as tui_nn.engine: stop rules are checked about every this many steps

# The defaults and constants of tui_nn/data/synthetic.py (tests check they still agree).
DEFAULT_SAMPLES = 200
DEFAULT_NOISE = 0.1
DEFAULT_SINE_NOISE = 0.0
SYNTHETIC_CONSTANTS = {
    "CIRCLE_INNER": 0.5,
    "CIRCLE_RING": (0.7, 1.0),
    "GAUSSIAN_CENTER": 0.5,
    "GAUSSIAN_SPREAD": 0.2,
    "XOR_MARGIN": 0.05,
    "SPIRAL_TURNS": 1.75,
}

_ACTIVATION_CODE = {
    "identity": "nn.Identity()",
    "step": "Step()",
    "sign": "Sign()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU()",
    "gelu": "nn.GELU()",
    "softmax": "nn.Softmax(dim=-1)",
}
_STEP_CLASS = '''
class Step(nn.Module):
    """McCulloch-Pitts threshold: 1 if a >= 0 else 0 (no useful gradient)."""

    def forward(self, a):
        return (a >= 0).to(a.dtype)
'''
_SIGN_CLASS = '''
class Sign(nn.Module):
    """The perceptron's output: 1 if a > 0 else -1 (so sign(0) = -1; no useful gradient)."""

    def forward(self, a):
        return torch.where(a > 0, 1.0, -1.0).to(a.dtype)
'''
SIGNED_OUTPUTS = ("sign", "tanh")


# --------------------------------------------------------------------------------------
# Data


_SYNTHETIC_MAKERS = {
    "circle": '''
def circle(n0, n1, g):
    """Class 1 inside a disc of radius CIRCLE_INNER, class 0 in the ring CIRCLE_RING."""
    lo, hi = CIRCLE_RING
    r_in = CIRCLE_INNER * torch.rand(n1, generator=g)
    r_out = lo + (hi - lo) * torch.rand(n0, generator=g)
    radius = torch.cat([r_out, r_in])
    angle = 2 * math.pi * torch.rand(n0 + n1, generator=g)
    points = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    return points, labels(n0, n1)
''',
    "gaussian": '''
def gaussian(n0, n1, g):
    """Two clusters: class 0 around (-c, -c), class 1 around (c, c)."""
    centers = torch.cat(
        [torch.full((n0, 2), -GAUSSIAN_CENTER), torch.full((n1, 2), GAUSSIAN_CENTER)]
    )
    points = centers + GAUSSIAN_SPREAD * torch.randn(n0 + n1, 2, generator=g)
    return points, labels(n0, n1)
''',
    "xor-cloud": '''
def xor_cloud(n0, n1, g):
    """Class 1 where x1 * x2 > 0 (quadrants ++ and --), class 0 in the other two."""
    n = n0 + n1
    magnitude = XOR_MARGIN + (1 - XOR_MARGIN) * torch.rand(n, 2, generator=g)
    sign1 = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    same = torch.cat([-torch.ones(n0), torch.ones(n1)])  # sign2 = sign1 * same
    points = magnitude * torch.stack([sign1, sign1 * same], dim=1)
    return points, labels(n0, n1)
''',
    "spiral": '''
def spiral(n0, n1, g):
    """Two interleaved spiral arms, half a turn apart."""
    arms = []
    for count, offset in ((n0, math.pi), (n1, 0.0)):
        t = torch.arange(count, dtype=torch.float32) / max(count, 1)
        angle = SPIRAL_TURNS * 2 * math.pi * t + offset
        arms.append(torch.stack([t * torch.sin(angle), t * torch.cos(angle)], dim=1))
    return torch.cat(arms), labels(n0, n1)
''',
}

_MNIST_CODE = '''
def read_idx(path):
    """An IDX file (raw or gzipped) as a uint8 tensor of its declared shape."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\\x1f\\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = bytearray(raw[4 + 4 * ndim :])
    return torch.frombuffer(data, dtype=torch.uint8).reshape(dims)


def mnist_files(folder):
    """(images, labels) file pairs, train before t10k, from the first folder that has any."""
    for sub in (".", os.path.join("MNIST", "raw"), "raw"):
        pairs = []
        for part in ("train", "t10k"):
            found = []
            for stem in (f"{part}-images-idx3-ubyte", f"{part}-labels-idx1-ubyte"):
                for name in (stem, stem + ".gz"):
                    if os.path.isfile(os.path.join(folder, sub, name)):
                        found.append(os.path.join(folder, sub, name))
                        break
            if len(found) == 2:
                pairs.append(found)
        if pairs:
            return pairs
    raise SystemExit(f"no MNIST IDX files in {folder}")


def load_data():
    """MNIST: pixels / 255 as float32 (N, rows * columns), labels 0-9."""
    images, labels = [], []
    loaded = 0
    for images_file, labels_file in mnist_files(MNIST_FOLDER):
        if SAMPLES is not None and loaded >= SAMPLES:
            break
        images.append(read_idx(images_file))
        labels.append(read_idx(labels_file))
        loaded += len(labels[-1])
    images, labels = torch.cat(images), torch.cat(labels)
    if SAMPLES is not None:
        images, labels = images[:SAMPLES], labels[:SAMPLES]
    n_pixels = images.shape[1] * images.shape[2]
    return images.reshape(-1, n_pixels).to(torch.float32) / 255.0, labels.to(torch.int64), 10
'''

_CSV_CODE = '''
def number(cell):
    """The cell as a float, or None when it is not a number."""
    try:
        return float(cell)
    except ValueError:
        return None


def load_data():
    """Numeric feature columns and a label column; the sorted distinct labels are the classes."""
    with open(CSV_FILE, encoding="utf-8-sig", newline="") as f:
        rows = [[cell.strip() for cell in row] for row in csv.reader(f, strict=True)]
    rows = [row for row in rows if any(row)]
    first = rows[0]
    header = None  # undecided
    if LABEL_COLUMN is None:
        label = len(first) - 1
    elif LABEL_COLUMN in first and any(number(cell) is None for cell in first):
        label, header = first.index(LABEL_COLUMN), True
    else:
        label = int(LABEL_COLUMN)
    features = [j for j in range(len(first)) if j != label]
    if header is None:
        header = any(number(first[j]) is None for j in features)
    data = rows[1:] if header else rows
    x = [[float(row[j]) for j in features] for row in data]
    names = [row[label] for row in data]
    values = {name: number(name) for name in set(names)}
    if all(v is not None and math.isfinite(v) for v in values.values()):
        classes = sorted(values, key=lambda name: (values[name], name))
    else:
        classes = sorted(values)
    index = {name: i for i, name in enumerate(classes)}
    if SAMPLES is not None:
        x, names = x[:SAMPLES], names[:SAMPLES]
    y = torch.tensor([index[name] for name in names], dtype=torch.int64)
    return torch.tensor(x, dtype=torch.float32), y, len(classes)
'''


def _py_str(text: str) -> str:
    """A Python string literal, in double quotes where that needs no escapes."""
    if '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    return repr(text)


def _float_list(values: list[float]) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def _data_section(preset: Preset, data_seed: int) -> tuple[str, set[str], int | None, int | None]:
    """(code defining load_data() -> (x, y, n_classes), modules it needs, inputs, classes);
    inputs and classes are None when only the data can tell (mnist, csv)."""
    spec = preset.data
    name = spec.set
    if name in LOGIC_SETS:
        rows = gate_table(name)
        inputs = ", ".join(gate_input_names(name))
        xs = ", ".join(_float_list(list(row)) for row, _ in rows)
        ys = ", ".join(str(out) for _, out in rows)
        code = f'''
def load_data():
    """The truth table of {name.upper()} (inputs {inputs}), rows in counting order."""
    x = torch.tensor([{xs}], dtype=torch.float32)
    y = torch.tensor([{ys}], dtype=torch.int64)
    return x, y, 2
'''
        return code, set(), len(rows[0][0]), 2
    if name in SYNTHETIC_SETS or name == "sine":
        samples = DEFAULT_SAMPLES if spec.samples is None else spec.samples
        if name == "sine":
            noise = DEFAULT_SINE_NOISE if spec.noise is None else float(spec.noise)
            if samples < 1:
                raise DataError(f"sine: samples must be at least 1, not {samples}")
            code = f'''
def load_data():
    """Regression: x uniform in [-pi, pi], y = sin(x) + noise * N(0, 1), both (N, 1)."""
    samples, noise = {samples}, {noise!r}
    g = torch.Generator().manual_seed(DATA_SEED)
    x = (2 * torch.rand(samples, 1, generator=g) - 1) * math.pi
    y = torch.sin(x)
    if noise > 0:
        y = y + noise * torch.randn(y.shape, generator=g)
    return x.to(torch.float32), y.to(torch.float32), 0
'''
            return code, {"math"}, 1, 0
        noise = DEFAULT_NOISE if spec.noise is None else float(spec.noise)
        if samples < 2:
            raise DataError(f"{name}: samples must be at least 2, not {samples}")
        constants = "\n".join(f"{key} = {value!r}" for key, value in SYNTHETIC_CONSTANTS.items())
        maker = name.replace("-", "_")
        code = f'''
{constants}


def labels(n0, n1):
    return torch.cat([torch.zeros(n0, dtype=torch.int64), torch.ones(n1, dtype=torch.int64)])

{_SYNTHETIC_MAKERS[name]}

def load_data():
    """The {name} set: {samples} points, noise {noise:g}, balanced classes, shuffled."""
    samples, noise = {samples}, {noise!r}
    g = torch.Generator().manual_seed(DATA_SEED)
    n0, n1 = samples - samples // 2, samples // 2
    points, y = {maker}(n0, n1, g)
    points = points.to(torch.float32)
    if noise > 0:
        points = points + noise * torch.randn(points.shape, generator=g)
    order = torch.randperm(samples, generator=g)
    return points[order].contiguous(), y[order].contiguous(), 2
'''
        return code, {"math"}, 2, 2
    if name == "digits":
        cap = spec.samples
        code = f'''
# The digits bundled with tui-nn (UCI, CC BY 4.0):
DIGITS_FILE = {_py_str(str(DIGITS_FILE))}
SAMPLES = {cap!r}


def load_data():
    """1,797 8x8 handwritten digits: pixels / 16 as float32 (N, 64), labels 0-9."""
    with gzip.open(DIGITS_FILE, "rt", encoding="ascii", newline="") as f:
        rows = [[int(cell) for cell in row] for row in csv.reader(f) if row]
    if SAMPLES is not None:
        rows = rows[:SAMPLES]
    pixels = torch.tensor([row[:64] for row in rows], dtype=torch.uint8)
    y = torch.tensor([row[64] for row in rows], dtype=torch.int64)
    return pixels.to(torch.float32) / 16.0, y, 10
'''
        return code, {"csv", "gzip"}, 64, 10
    if name == "mnist":
        if spec.path is None:
            raise DataError(
                "the mnist data set needs data.path (or --data PATH): the folder holding MNIST"
            )
        folder = os.path.abspath(os.path.expanduser(spec.path))
        if not os.path.isdir(folder):
            raise DataError(f"MNIST folder not found: {folder} (set data.path or --data)")
        head = f"MNIST_FOLDER = {_py_str(folder)}\nSAMPLES = {spec.samples!r}\n\n"
        return head + _MNIST_CODE, {"gzip", "os"}, None, 10
    if name == "csv":
        if spec.path is None:
            raise DataError(
                "the csv data set needs data.path (or --data FILE): the CSV file to load"
            )
        file = os.path.abspath(os.path.expanduser(spec.path))
        if not os.path.isfile(file):
            raise DataError(f"CSV file not found: {file}")
        head = (
            f"CSV_FILE = {_py_str(file)}\nLABEL_COLUMN = "
            f"{'None' if spec.label_column is None else _py_str(str(spec.label_column).strip())}"
            f"  # the last column when None\nSAMPLES = {spec.samples!r}\n\n"
        )
        return head + _CSV_CODE, {"csv", "math"}, None, None
    raise DataError(f"unknown data set {name!r}")


# --------------------------------------------------------------------------------------
# Model and loss


def _model_section(preset: Preset, n_inputs: int | None) -> tuple[str, bool]:
    """(code building `model`, whether any layer is trainable)."""
    model = preset.model
    layers = model.layers
    used = {layer.activation for layer in layers}
    out = []
    if "step" in used:
        out.append(_STEP_CLASS)
    if "sign" in used:
        out.append(_SIGN_CLASS)
    make = "nn.Linear"
    if model.init != "default":
        draw = {
            "zeros": ("zero_()", "zero_()"),
            "uniform": ("uniform_(-1.0, 1.0)", "uniform_(-1.0, 1.0)"),
            "normal": ("normal_(0.0, 1.0)", "normal_(0.0, 1.0)"),
        }[model.init]
        what = {
            "zeros": "set to 0",
            "uniform": "redrawn from U(-1, 1)",
            "normal": "redrawn from N(0, 1)",
        }
        out.append(
            f'''
def linear(n_in, n_out):
    """nn.Linear with its weights and bias {what[model.init]} (model.init = "{model.init}")."""
    layer = nn.Linear(n_in, n_out)
    with torch.no_grad():
        layer.weight.{draw[0]}
        layer.bias.{draw[1]}
    return layer
'''
        )
        make = "linear"
    lines = ["", "torch.manual_seed(SEED)  # the initial weights, drawn as tui-nn draws them"]
    lines.append("model = nn.Sequential(")
    fan_in: int | str = n_inputs if n_inputs is not None else "N_INPUTS"
    for layer in layers:
        lines.append(f"    {make}({fan_in}, {layer.units}),")
        lines.append(f"    {_ACTIVATION_CODE[layer.activation]},")
        fan_in = layer.units
    lines.append(")")
    fan_in = n_inputs if n_inputs is not None else "N_INPUTS"
    for index, layer in enumerate(layers):
        module = 2 * index
        if layer.weights is not None or layer.bias is not None:
            lines.append(f"with torch.no_grad():  # hand-set (model.layers[{index}])")
            if layer.weights is not None:
                if isinstance(fan_in, int) and any(len(row) != fan_in for row in layer.weights):
                    raise TrainingError(
                        f"model.layers[{index}].weights: expected {layer.units} rows of {fan_in} "
                        f"numbers (the layer's inputs), got {len(layer.weights)} rows of "
                        f"{len(layer.weights[0])}"
                    )
                rows = ", ".join(_float_list(row) for row in layer.weights)
                lines.append(f"    model[{module}].weight.copy_(torch.tensor([{rows}]))")
            if layer.bias is not None:
                lines.append(
                    f"    model[{module}].bias.copy_(torch.tensor({_float_list(layer.bias)}))"
                )
        if not layer.trainable:
            lines.append(f"model[{module}].requires_grad_(False)  # frozen (trainable = false)")
        fan_in = layer.units
    lines.append("model.to(DEVICE)")
    out.append("\n".join(lines) + "\n")
    return "\n".join(out), any(layer.trainable for layer in layers)


def _head_section(preset: Preset, n_classes: int | None) -> tuple[str, bool]:
    """(code defining train_net, loss_fn, targets and predict(); whether it classifies).

    Mirrors tui_nn.model.build_head: the same checks, targets and thresholds."""
    layers = preset.model.layers
    loss = "perceptron" if preset.model.kind == "perceptron" else preset.train.loss
    out_units, out_act = layers[-1].units, layers[-1].activation
    checks: list[str] = []
    if preset.data.set == "sine":
        if loss != "mse" or out_units != 1:
            raise TrainingError(
                f'data set {preset.data.set!r} is a regression task: use loss = "mse" and one '
                "output unit"
            )
        code = """
train_net = model
loss_fn = F.mse_loss
targets = y.float().reshape(-1, 1)
"""
        return code, False

    def fill(template: str) -> str:
        return template.replace("{n}", str(n_classes) if n_classes is not None else "N")

    def need(count: int, template: str) -> None:
        """The data must have `count` classes: checked now when known, else in the script
        (`template` names the number of classes as {n})."""
        if n_classes is None:
            message = "f" + repr(template.replace("{n}", "{N_CLASSES}"))
            checks.append(
                f"if N_CLASSES != {count}:\n    raise SystemExit(\n        {message}\n    )"
            )
        elif n_classes != count:
            raise TrainingError(fill(template))

    without_last = "model[:-1]"
    if loss == "cross_entropy":
        message = (
            f"cross_entropy needs an output layer of {{n}} units (one per class) with activation "
            f'"softmax" or "identity"; this one has {out_units} units and {out_act!r}'
        )
        if out_act not in ("identity", "softmax"):
            raise TrainingError(fill(message))
        need(out_units, message)
        code = f"""
train_net = {without_last}  # the logits: cross_entropy applies the softmax itself
loss_fn = F.cross_entropy
targets = y.long()


def predict(out):
    return out.argmax(dim=1)
"""
    elif loss in ("bce", "perceptron"):
        message = (
            f"loss {loss!r} needs two classes and one output unit; the data has {{n}} classes "
            f"and the output layer {out_units} units (use cross_entropy for several classes)"
        )
        if out_units != 1:
            raise TrainingError(fill(message))
        need(2, message)
        if loss == "bce":
            if out_act not in ("sigmoid", "identity"):
                raise TrainingError(
                    f'bce needs an output activation of "sigmoid" (or "identity" for logits), '
                    f"not {out_act!r}"
                )
            net = without_last if out_act == "sigmoid" else "model"
            why = (
                "  # the logit: bce-with-logits applies the sigmoid itself"
                if net != "model"
                else ""
            )
            code = f"""
train_net = {net}{why}
loss_fn = F.binary_cross_entropy_with_logits
targets = y.float().reshape(-1, 1)


def predict(out):
    return (out[:, 0] >= 0.0).long()
"""
        else:
            if out_act not in ("sign", "step", "identity"):
                raise TrainingError(
                    'the perceptron criterion needs an output activation of "sign", "step" or '
                    f'"identity", not {out_act!r}'
                )
            net = "model" if out_act == "identity" else without_last
            compare = ">" if out_act == "sign" else ">="
            code = f"""
train_net = {net}  # a = w.x + b, before the threshold


def loss_fn(a, t):
    \"\"\"The perceptron criterion max(0, -t*a), averaged; t is -1 or 1.\"\"\"
    return F.relu(-a * t).mean()


targets = y.float().reshape(-1, 1) * 2 - 1  # classes 0/1 as targets -1/1


def predict(out):
    return (out[:, 0] {compare} 0.0).long(){"  # sign(0) = -1" if compare == ">" else ""}
"""
    else:  # mse on classes: one output for two classes, or one output per class (one-hot)
        signed = out_act in SIGNED_OUTPUTS
        low = -1.0 if signed else 0.0
        if out_units == 1:
            need(
                2,
                "the output layer has 1 unit but the data has {n} classes: use {n} output "
                "units (or 1 for two classes)",
            )
            encode = " * 2 - 1  # classes 0/1 as targets -1/1" if signed else ""
            code = f"""
train_net = model
loss_fn = F.mse_loss
targets = y.float().reshape(-1, 1){encode}


def predict(out):
    return (out[:, 0] >= {(low + 1.0) / 2!r}).long()
"""
        else:
            need(
                out_units,
                f"the output layer has {out_units} units but the data has {{n}} classes: use "
                "{n} output units (or 1 for two classes)",
            )
            code = f"""
train_net = model
loss_fn = F.mse_loss
targets = torch.full((len(y), N_CLASSES), {low!r})  # one-hot targets
targets[torch.arange(len(y)), y.long()] = 1.0


def predict(out):
    return out.argmax(dim=1)
"""
    if checks:
        code = "\n" + "\n".join(checks) + "\n" + code
    return code, True


# --------------------------------------------------------------------------------------
# Training


def _optimizer_line(preset: Preset) -> str:
    train = preset.train
    params = "[p for p in model.parameters() if p.requires_grad]"
    if train.optimizer == "sgd":
        return (
            f"optimizer = torch.optim.SGD(\n    {params},\n    lr=LEARNING_RATE,\n"
            f"    momentum={train.momentum!r},\n    weight_decay={train.weight_decay!r},\n)"
        )
    name = "RMSprop" if train.optimizer == "rmsprop" else "Adam"
    return (
        f"optimizer = torch.optim.{name}(\n    {params},\n    lr=LEARNING_RATE,\n"
        f"    weight_decay={train.weight_decay!r},\n)"
    )


_EVALUATE = '''
@torch.no_grad()
def evaluate():
    """Loss and accuracy on the whole training and test sets, as tui-nn reports them."""
    model.eval()
    train_out = train_net(x_train)
    train_loss = float(loss_fn(train_out, t_train))
    train_acc = test_loss = test_acc = None
    {train_acc}
    if len(x_test):
        test_out = train_net(x_test)
        test_loss = float(loss_fn(test_out, t_test))
        {test_acc}
    model.train()
    return {{
        "train_loss": train_loss,
        "test_loss": test_loss,
        "train_acc": train_acc,
        "test_acc": test_acc,
    }}
'''


def _evaluate_code(classification: bool) -> str:
    if classification:
        train_acc = (
            "wrong = int((predict(train_out) != y_train).sum())\n"
            "    train_acc = 1.0 - wrong / max(1, len(x_train))"
        )
        test_acc = "test_acc = float((predict(test_out) == y_test).float().mean())"
    else:
        train_acc = "# regression: no accuracy"
        test_acc = "pass"
    return _EVALUATE.format(train_acc=train_acc, test_acc=test_acc)


def _stop_rule_code(preset: Preset) -> str:
    train = preset.train
    rules = [
        '    if not math.isfinite(result["train_loss"]):',
        '        return "diverged"',
        "    # The test set's loss and accuracy when there is one, else the training set's.",
        '    which = "test" if result["test_loss"] is not None else "train"',
        '    loss = result[f"{which}_loss"]',
        '    if loss < best["loss"]:',
        '        best["loss"], best["epoch"] = loss, epoch',
    ]
    if train.target_loss is not None:
        rules += [
            f"    if loss <= {train.target_loss!r}:  # train.target_loss",
            '        return "target_loss"',
        ]
    if train.target_accuracy is not None:
        rules += [
            '    acc = result[f"{which}_acc"]',
            f"    if acc is not None and acc >= {train.target_accuracy!r}:"
            "  # train.target_accuracy",
            '        return "target_accuracy"',
        ]
    if train.patience is not None:
        rules += [
            f'    if epoch - best["epoch"] >= {train.patience}:  # train.patience',
            '        return "patience"',
        ]
    rules.append("    return None")
    return (
        '\n\nbest = {"loss": math.inf, "epoch": 0}\n\n\n'
        "def stop_rule(result, epoch):\n"
        '    """Why to stop after this evaluation, or None."""\n' + "\n".join(rules) + "\n"
    )


_MLP_LOOP = '''

def train_step(x, t):
    """One step of gradient descent on the batch (x, t); returns the batch's loss."""
    out = train_net(x)
    loss = loss_fn(out, t)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


generator = torch.Generator().manual_seed(SEED)  # the batches' order
n_train = len(x_train)
batch_size = min(BATCH_SIZE, n_train)
steps_per_epoch = math.ceil(n_train / batch_size)
# tui-nn evaluates (and checks the stop rules) about every EVAL_EVERY_STEPS steps, at an
# epoch's end.
eval_every = max(1, math.ceil(EVAL_EVERY_STEPS / steps_per_epoch))

epoch, stop, result, last_eval = 0, None, None, -1
while epoch < EPOCHS and stop is None:
    if batch_size >= n_train:
        batches = [(x_train, t_train)]  # a full batch: the data in its order
    else:
        if SHUFFLE:
            order = torch.randperm(n_train, generator=generator).to(DEVICE)
        else:
            order = torch.arange(n_train, device=DEVICE)
        batches = [(x_train[idx], t_train[idx]) for idx in order.split(batch_size)]
    for x_batch, t_batch in batches:
        if not math.isfinite(train_step(x_batch, t_batch)):
            stop, result = "diverged", None  # try a smaller learning rate
            break
    if stop is not None:
        break
    epoch += 1
    if epoch % eval_every == 0:
        result, last_eval = evaluate(), epoch
        stop = stop_rule(result, epoch)
if stop is None:
    if last_eval != epoch:
        result = evaluate()
        stop = stop_rule(result, epoch)
    stop = stop or "epochs"
'''

_PERCEPTRON_LOOP = """

# The perceptron rule, one sample at a time: if the sample is misclassified,
# w <- w + eta * x * t and b <- b + eta * t (t is -1 or 1).
unit = model[0]  # the perceptron's one linear unit
generator = torch.Generator().manual_seed(SEED)
n_train = len(x_train)
seen = set()  # the weights at each epoch's start
cycling = False
epoch, stop, result = 0, None, None
while epoch < EPOCHS and stop is None:
    if SHUFFLE:
        order = torch.randperm(n_train, generator=generator)
    else:
        order = torch.arange(n_train)
        # Without shuffling the rule is deterministic: weights seen before mean a cycle.
        key = tuple(torch.cat([unit.weight[0], unit.bias]).tolist())
        cycling = cycling or key in seen
        seen.add(key)
    errors = 0
    for index in order.tolist():
        x_i, t = x_train[index], float(t_train[index])
        with torch.no_grad():
            a = float(unit.weight[0] @ x_i + unit.bias[0])
            if (a {compare} 0) != (t > 0):
                unit.weight[0] += LEARNING_RATE * x_i * t
                unit.bias[0] += LEARNING_RATE * t
                errors += 1
    epoch += 1
    result = evaluate()
    result["train_loss"] = float(errors)  # the rule's cost: mistakes met in the epoch
    if result["test_acc"] is not None:
        result["test_loss"] = float(round((1 - result["test_acc"]) * len(x_test)))
    if errors == 0:
        stop = "converged"
    elif cycling:
        stop = "not_separable"  # the data is not linearly separable
if stop is None:
    stop = "epochs"
"""

_FROZEN = """
# Every layer is frozen (trainable = false): nothing to train, only to evaluate.
epoch, stop, result = 0, "frozen", evaluate()
"""

_REPORT = """

if result is None:
    print(f"diverged after {epoch} epochs: the loss is not finite (try a smaller learning rate)")
else:
    print(f"stopped after {epoch} epochs: {stop}")
    for key, value in result.items():
        if value is not None:
            print(f"  {key.replace('_', ' ')}: {value:.4g}")
parameters = {name: value.cpu().tolist() for name, value in model.state_dict().items()}
summary = {"epochs": epoch, "stop": stop, **(result or {}), "parameters": parameters}
print("RESULT " + json.dumps(summary))
"""


def export_script(preset: Preset) -> str:
    """The preset as a standalone PyTorch script (see the module's docstring)."""
    from tui_nn.presets import dump_preset

    train = preset.train
    data_seed = preset.data.seed if preset.data.seed is not None else train.seed
    if not 0 <= preset.data.test_fraction < 1:
        raise DataError(
            f"test_fraction must be at least 0 and below 1, not {preset.data.test_fraction}"
        )
    data_code, modules, n_inputs, n_classes = _data_section(preset, data_seed)
    model_code, trainable = _model_section(preset, n_inputs)
    head_code, classification = _head_section(preset, n_classes)
    perceptron = preset.model.kind == "perceptron"
    if perceptron:
        act = preset.model.layers[0].activation
        if len(preset.model.layers) != 1 or act not in PERCEPTRON_ACTIVATIONS:
            raise TrainingError("a perceptron has one layer of sign or step units")
    modules.add("json")
    if trainable and not perceptron:
        modules.add("math")  # the training loop's stop rules

    header = [
        "#!/usr/bin/env python3",
        *textwrap.wrap(
            f"{preset.name}: {preset.description}".rstrip(": "),
            width=98,
            initial_indent="# ",
            subsequent_indent="# ",
        ),
        "#",
        f"# Generated by `tui-nn code` (tui-nn {tui_nn.__version__}). Plain PyTorch: run it with",
        "# `python this_file.py`. On the CPU it trains exactly as tui-nn does (the same data,",
        "# split, initial weights, batches and stop rules), so the final weights match.",
        "#",
        "# The preset:",
        *(f"#   {line}".rstrip() for line in dump_preset(preset).splitlines()),
        "",
        *(f"import {name}" for name in sorted(modules)),
        "",
        "import torch",
        "from torch import nn",
        "from torch.nn import functional as F",
        "",
        f"SEED = {train.seed}  # train.seed: the initial weights and the batches' order",
        f"DATA_SEED = {data_seed}  # data.seed (train.seed when absent): the data and the split",
        f"TEST_FRACTION = {float(preset.data.test_fraction)!r}",
        f"EPOCHS = {train.epochs}",
        f"LEARNING_RATE = {float(train.learning_rate)!r}"
        + ("  # the perceptron rule's eta" if perceptron else ""),
        f"SHUFFLE = {train.shuffle}",
        *(
            [f"BATCH_SIZE = {train.batch_size}", f"EVAL_EVERY_STEPS = {EVAL_EVERY_STEPS}"]
            if trainable and not perceptron
            else []
        ),
        'DEVICE = "cpu"  # "cuda" works too; only the CPU gives tui-nn\'s numbers exactly',
        "",
    ]
    split = """

x, y, N_CLASSES = load_data()
N_INPUTS = x.shape[1]

# The train/test split: a seeded permutation; the first round(n * TEST_FRACTION) are the test
# samples. Both parts keep the data's own order (truth-table order for logic gates).
n = len(x)
n_test = round(n * TEST_FRACTION)
if n_test >= n or (TEST_FRACTION > 0 and n_test == 0):
    raise SystemExit(f"test_fraction {TEST_FRACTION} of {n} samples leaves a part empty")
order = torch.randperm(n, generator=torch.Generator().manual_seed(DATA_SEED), dtype=torch.int64)
train_idx, test_idx = order[n_test:].sort().values, order[:n_test].sort().values
"""
    tensors = """
x_train, t_train, y_train = (v[train_idx].to(DEVICE) for v in (x, targets, y))
x_test, t_test, y_test = (v[test_idx].to(DEVICE) for v in (x, targets, y))
"""
    parts = ["\n".join(header), data_code, split, model_code, head_code, tensors]
    parts.append(_evaluate_code(classification))
    if perceptron:
        compare = ">" if preset.model.layers[0].activation == "sign" else ">="
        parts.append(_PERCEPTRON_LOOP.replace("{compare}", compare))
    elif not trainable:
        parts.append(_FROZEN)
    else:
        parts.append("\n" + _optimizer_line(preset) + "\n")
        parts.append(_stop_rule_code(preset))
        parts.append(_MLP_LOOP)
    parts.append(_REPORT)
    return "\n\n".join(part.strip("\n") + "\n" for part in parts)
