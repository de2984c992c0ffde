"""`tui-nn backprop`: one training sample's backpropagation, by the lecture's formulas, at a
preset's initial weights or after some epochs of training (`tui_nn.training.backprop`), as text
that fits 80 columns or as one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui_nn.errors import TuiNnError

if TYPE_CHECKING:
    from tui_nn.lesson.backprop import BackpropResult, GradientCheck, LayerBackprop
    from tui_nn.spec import LayerSpec

WIDTH = 80
MAX_TEXT_WEIGHTS = 64  # a layer with more weights than this is not shown as text
GRAD_COLUMN = 54  # where autograd's column starts in the gradients


def cmd_backprop(options: argparse.Namespace) -> int:
    from dataclasses import replace

    from tui_nn.presets import load_named, preset_from_dict, preset_to_dict

    preset = load_named(options.preset)
    if preset.model.kind == "perceptron":
        raise TuiNnError(
            f'preset {preset.name!r} is a perceptron (kind = "perceptron"): it learns by the '
            'perceptron rule, without gradients; backprop needs an MLP (kind = "mlp")'
        )
    if options.sample < 0:
        raise TuiNnError(f"--sample must be 0 or more, got {options.sample}")
    if options.epochs is not None:
        preset = replace(preset, train=replace(preset.train, epochs=options.epochs))
        preset = preset_from_dict(preset_to_dict(preset), source="command line")
    import torch  # noqa: F401 - loaded here, after the cheap checks above

    from tui_nn.training import Trainer
    from tui_nn.training.backprop import backprop_trainer

    trainer = Trainer(preset)
    if not 0 <= options.sample < trainer.n_train:
        raise TuiNnError(
            f"sample {options.sample} is out of range: the training set has {trainer.n_train} "
            f"samples (0 to {trainer.n_train - 1})"
        )
    if not options.json:
        _check_fits(preset.model.layers, trainer.dataset.n_features)
    stopped = ""
    if options.epochs is not None:
        state = trainer.run()
        if state.status in ("diverged", "failed"):
            raise TuiNnError(f"training stopped before epoch {options.epochs}: {state.message}")
        if state.epoch < options.epochs:
            stopped = state.message
    result = backprop_trainer(trainer, options.sample, check=options.check)
    if options.json:
        body = result.to_json()
        if options.check:
            body["check"] = [
                {"layer": c.layer, "weight": c.name, "autograd": c.autograd, "numeric": c.numeric}
                for c in result.check
            ]
        sys.stdout.write(json.dumps(body) + "\n")
    else:
        sys.stdout.write("\n".join(format_backprop(result, stopped=stopped)) + "\n")
    failed = [c for c in result.check if not c.ok]
    if failed:
        names = ", ".join(f"layer {c.layer} {c.name}" for c in failed)
        print(f"tui-nn: gradient check failed for {names}", file=sys.stderr)
        return 1
    return 0


def _check_fits(layers: Sequence[LayerSpec], n_inputs: int) -> None:
    """Refuse a network with a layer too large to show weight by weight."""
    fan_in = n_inputs
    for index, layer in enumerate(layers, start=1):
        units = layer.units
        if units * fan_in > MAX_TEXT_WEIGHTS:
            raise TuiNnError(
                f"the network is too large to show as text: layer {index} has {units}x{fan_in} "
                f"= {units * fan_in:,} weights, at most {MAX_TEXT_WEIGHTS} fit (use --json)"
            )
        fan_in = units


# -- text ------------------------------------------------------------------------------------


def num(value: float) -> str:
    """A number as the text shows it: 4 significant digits, no "-0"."""
    text = f"{value:.4g}"
    return "0" if text in ("-0", "0") else text


def _in_parens(value: float) -> str:
    text = num(value)
    return f"({text})" if text.startswith("-") else text


def _vector(values: Sequence[float]) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


def _signed_terms(terms: Sequence[tuple[float, str]]) -> list[str]:
    """Terms of a sum as pieces: the first with its own sign, the others as "+ x" or "- x".
    Each term is (its sign's number, its text without that sign)."""
    pieces: list[str] = []
    for index, (sign_of, text) in enumerate(terms):
        negative = num(sign_of).startswith("-")
        if index == 0:
            pieces.append(f"-{text}" if negative else text)
        else:
            pieces.append(f"- {text}" if negative else f"+ {text}")
    return pieces


def _product(weight: float, value: float) -> tuple[float, str]:
    return weight, f"{num(abs(weight))}*{_in_parens(value)}"


def _words(text: str) -> list[str]:
    """The words of a sentence, where a parenthesis stays on one line."""
    words: list[str] = []
    depth = 0
    for word in text.split(" "):
        if depth > 0 and words:
            words[-1] += " " + word
        else:
            words.append(word)
        depth += word.count("(") - word.count(")")
    return words


def _wrap(head: str, pieces: Sequence[str], tail: str = "") -> list[str]:
    """head + pieces joined by spaces + tail, wrapped at WIDTH under the first piece."""
    indent = " " * min(len(head), 24)
    lines, line = [], head
    for piece in [*pieces, tail] if tail else pieces:
        if line == head:
            line += piece
        elif len(line) + 1 + len(piece) > WIDTH:
            lines.append(line)
            line = indent + piece
        else:
            line += " " + piece
    lines.append(line)
    return lines


def _pair(i: int, j: int, rows: int, cols: int) -> str:
    return f"{i + 1}{j + 1}" if rows < 10 and cols < 10 else f"{i + 1},{j + 1}"


def _with_column(text: str, column_text: str, column: int = GRAD_COLUMN) -> str:
    if len(text) + 2 > column:
        return f"{text}  {column_text}"
    return f"{text:<{column}}{column_text}"


def format_backprop(result: BackpropResult, *, stopped: str = "") -> list[str]:
    """The whole computation as lines of at most 80 columns (layers of up to 64 weights)."""
    from tui_nn.lesson.backprop import FPRIME_FORMULAS

    out: list[str] = []
    n_layers = len(result.layers)
    when = (
        "at the initial weights"
        if result.step == 0
        else f"after {result.epoch} epochs ({result.step} steps)"
    )
    out.append(f"{result.preset}: training sample {result.sample} of {result.n_samples}, {when}")
    if stopped:
        out.append(f"  (training stopped early: {stopped})")
    t_text = (
        f"class {result.t_class}, onehot(t) = {_vector(result.t)}"
        if result.t_class is not None
        else (num(result.t[0]) if len(result.t) == 1 else _vector(result.t))
    )
    out.append(f"x = {_vector(result.x)}   t = {t_text}")
    out += _wrap("loss: ", _words(result.loss_formula))

    out += ["", "Forward: a(l) = W(l) y(l-1) + b(l), y(l) = f(a(l)), y(0) = x"]
    for layer in result.layers:
        out += _forward(layer, layer.index == n_layers, result)
    out.append(f"loss L = {num(result.loss)}   (autograd's: {num(result.autograd_loss)})")

    out += ["", "Backward: delta(l) = dL/da(l)"]
    for layer in reversed(result.layers):
        formula = FPRIME_FORMULAS.get(layer.activation, "?")
        if layer.index == n_layers:
            out.append(f"layer {layer.index} (the output)")
            out += _wrap("  ", _words(result.delta_formula))
            if layer.fprime is not None:
                out.append(f"  f'(a) = {formula}")
            out += _output_deltas(layer, result)
        else:
            nxt = layer.index + 1
            out.append(f"layer {layer.index}: delta_i = f'(a_i) * sum_k delta({nxt})_k W({nxt})_ki")
            if layer.fprime is not None:
                out.append(f"  f'(a) = {formula}")
            else:
                out.append("  softmax: delta_i = y_i (e_i - sum_k e_k y_k), e_i the sum below")
            out += _hidden_deltas(layer, result.layers[layer.index])

    out += [
        "",
        _with_column("Gradients: dW_ij = delta_i y(l-1)_j, db_i = delta_i", "autograd"),
    ]
    for layer in result.layers:
        out += _gradients(layer, result)
    out.append(f"largest difference from autograd: {result.max_diff:.1e}")

    out += [""] + _wrap("Update: ", _words(result.update_formula))
    if result.new_loss is not None:
        out.append(f"  {'':<7} {'now':>10} {'step':>11}  -> after the step")
        for layer in result.layers:
            out += _updates(layer)
        if result.update_diff is not None:
            out.append(
                f"the optimizer's own step (on a copy) differs by at most {result.update_diff:.1e}"
            )
        out.append(
            f"loss of this sample: {num(result.loss)} -> {num(result.new_loss)} after the step"
        )
    if result.check:
        out += ["", "Gradient check: (L(w + h) - L(w - h)) / 2h in float64, h = 1e-06"]
        out += [_check_line(check) for check in result.check]
        bad = sum(not check.ok for check in result.check)
        out.append(
            f"all {len(result.check)} agree with autograd"
            if not bad
            else f"{bad} of {len(result.check)} differ from autograd"
        )
    return out


def _forward(layer: LayerBackprop, output: bool, result: BackpropResult) -> list[str]:
    units = len(layer.b)
    where = " (the output)" if output else ""
    lines = [f"layer {layer.index}: {layer.activation}, {units} unit{'s' * (units != 1)}{where}"]
    y_in = result.x if layer.index == 1 else result.layers[layer.index - 2].y
    rows: list[tuple[list[str], str]] = []
    for i in range(units):
        terms = [_product(w, v) for w, v in zip(layer.W[i], y_in, strict=True)]
        terms.append((layer.b[i], num(abs(layer.b[i]))))
        a_lines = _wrap(f"  a{i + 1} = ", _signed_terms(terms), f"= {num(layer.a[i])}")
        rows.append((a_lines, f"y{i + 1} = {num(layer.y[i])}"))
    column = max(len(a_lines[-1]) for a_lines, _ in rows) + 3
    for a_lines, y_text in rows:
        if column + len(y_text) <= WIDTH:
            lines += [*a_lines[:-1], f"{a_lines[-1]:<{column}}{y_text}"]
        else:
            lines += [*a_lines, f"  {y_text}"]
    if output and result.p is not None and layer.activation == "identity":
        name = "softmax" if result.loss_name == "cross_entropy" else "sigmoid"
        lines.append(f"  p = {name}(a) = {_vector(result.p)}   (the loss applies it)")
    return lines


def _output_deltas(layer: LayerBackprop, result: BackpropResult) -> list[str]:
    lines: list[str] = []
    if layer.dL_dy is not None and layer.fprime is None:  # softmax's Jacobian
        lines.append(f"  dL/dy = {_vector(layer.dL_dy)}")
        return lines + _softmax_deltas(layer, layer.dL_dy, "dL/dy")
    for i, delta in enumerate(layer.delta):
        if layer.fprime is not None and layer.dL_dy is not None:
            lines.append(
                f"  delta{i + 1} = {num(layer.fprime[i])} * {_in_parens(layer.dL_dy[i])}"
                f" = {num(delta)}"
            )
        elif result.p is not None:
            lines.append(f"  delta{i + 1} = {num(result.p[i])} - {num(result.t[i])} = {num(delta)}")
        else:
            lines.append(f"  delta{i + 1} = {num(delta)}")
    return lines


def _softmax_deltas(layer: LayerBackprop, error: Sequence[float], name: str) -> list[str]:
    """delta_i = y_i (e_i - s), s = sum_k e_k y_k: softmax's Jacobian times the error e."""
    s = sum(e * y for e, y in zip(error, layer.y, strict=True))
    lines = [f"  s = sum_k {name}_k y_k = {num(s)}"]
    for i, delta in enumerate(layer.delta):
        lines.append(
            f"  delta{i + 1} = y{i + 1} ({name}{i + 1} - s) = {num(layer.y[i])} * "
            f"({num(error[i])} - {_in_parens(s)}) = {num(delta)}"
        )
    return lines


def _hidden_deltas(layer: LayerBackprop, above: LayerBackprop) -> list[str]:
    lines: list[str] = []
    for i, delta in enumerate(layer.delta):
        error = layer.dL_dy[i] if layer.dL_dy is not None else 0.0
        column = [row[i] for row in above.W]  # W(l+1)_ki, k = 1..
        terms = [
            f"{_in_parens(d)}*{_in_parens(w)}" for d, w in zip(above.delta, column, strict=True)
        ]
        pieces = [terms[0], *(f"+ {term}" for term in terms[1:])]
        head = f"  delta{i + 1} = "
        if layer.fprime is not None:
            pieces[0] = f"{num(layer.fprime[i])} * ({pieces[0]}"
            pieces[-1] += ")"
            tail = f"= {num(layer.fprime[i])} * {_in_parens(error)} = {num(delta)}"
            lines += _wrap(head, pieces, tail)
        else:
            lines += _wrap(f"  e{i + 1} = ", pieces, f"= {num(error)}")
    if layer.fprime is None and layer.dL_dy is not None:
        lines += _softmax_deltas(layer, layer.dL_dy, "e")
    return lines


def _gradients(layer: LayerBackprop, result: BackpropResult) -> list[str]:
    y_in = result.x if layer.index == 1 else result.layers[layer.index - 2].y
    rows, cols = len(layer.W), len(y_in)
    lines = [f"layer {layer.index}" + ("" if layer.trainable else " (frozen: not trained)")]
    for i in range(rows):
        for j in range(cols):
            text = (
                f"  dW{_pair(i, j, rows, cols)} = {num(layer.delta[i])}*{_in_parens(y_in[j])}"
                f" = {num(layer.dW[i][j])}"
            )
            lines.append(_with_column(text, num(layer.autograd_dW[i][j])))
    for i in range(rows):
        text = f"  db{i + 1} = {num(layer.db[i])}"
        lines.append(_with_column(text, num(layer.autograd_db[i])))
    return lines


def _updates(layer: LayerBackprop) -> list[str]:
    rows, cols = len(layer.W), len(layer.W[0]) if layer.W else 0
    lines = [f"layer {layer.index}" + ("" if layer.trainable else " (frozen)")]
    entries = [
        (f"W{_pair(i, j, rows, cols)}", layer.W[i][j], layer.step_W[i][j], layer.new_W[i][j])
        for i in range(rows)
        for j in range(cols)
    ]
    entries += [(f"b{i + 1}", layer.b[i], layer.step_b[i], layer.new_b[i]) for i in range(rows)]
    for name, old, step, new in entries:
        step_text = num(step)
        step_text = step_text if step_text.startswith("-") or step_text == "0" else f"+{step_text}"
        lines.append(f"  {name:<7} {num(old):>10} {step_text:>11}  -> {num(new)}")
    return lines


def _check_line(check: GradientCheck) -> str:
    verdict = "ok" if check.ok else "DIFFERS"
    return (
        f"  layer {check.layer} {check.name:<8} autograd {num(check.autograd):>10}  numeric "
        f"{num(check.numeric):>10}  diff {check.difference:.1e}  {verdict}"
    )
