"""The exported script's network and task head: `model`, then `train_net`, `loss_fn`,
`targets` and `predict`, as `tui_nn.model` builds them (the same checks, targets, thresholds)."""

from __future__ import annotations

from typing import cast

from tui_nn.codegen.data import float_list
from tui_nn.codegen.shared import engine_code, engine_constant
from tui_nn.errors import TrainingError
from tui_nn.spec import Preset

__all__ = ["head_section", "model_section"]

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
# tui_nn.model's: binary targets are -1/1 for these output activations
SIGNED_OUTPUTS = cast(tuple[str, ...], engine_constant("model", "SIGNED_OUTPUTS"))


def model_section(preset: Preset, n_inputs: int | None) -> tuple[str, bool]:
    """(code building `model`, whether any layer is trainable)."""
    model = preset.model
    layers = model.layers
    used = {layer.activation for layer in layers}
    out = []
    thresholds = [name for name in ("Step", "Sign") if name.lower() in used]
    if thresholds:  # tui-nn's own modules, from tui_nn/model.py
        out.append(engine_code([("model", name) for name in thresholds]))
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
                rows = ", ".join(float_list(row) for row in layer.weights)
                lines.append(f"    model[{module}].weight.copy_(torch.tensor([{rows}]))")
            if layer.bias is not None:
                lines.append(
                    f"    model[{module}].bias.copy_(torch.tensor({float_list(layer.bias)}))"
                )
        if not layer.trainable:
            lines.append(f"model[{module}].requires_grad_(False)  # frozen (trainable = false)")
        fan_in = layer.units
    lines.append("model.to(DEVICE)")
    out.append("\n".join(lines) + "\n")
    return "\n".join(out), any(layer.trainable for layer in layers)


def head_section(preset: Preset, n_classes: int | None) -> str:
    """Code defining train_net, loss_fn, targets and predict (None for regression).

    Mirrors tui_nn.model.build_head: the same checks, targets and thresholds."""
    layers = preset.model.layers
    loss = "perceptron" if preset.model.kind == "perceptron" else preset.train.loss
    out_units, out_act = layers[-1].units, layers[-1].activation
    checks: list[str] = []
    if n_classes == 0:  # regression: the sine curve, a CSV file's fractional label
        if loss != "mse" or out_units != 1:
            raise TrainingError(
                f'data set {preset.data.set!r} is a regression task: use loss = "mse" and one '
                "output unit"
            )
        code = """
train_net = model
loss_fn = F.mse_loss
targets = y.float().reshape(-1, 1)
predict = None  # regression: no classes to predict
"""
        return code

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
    return code
