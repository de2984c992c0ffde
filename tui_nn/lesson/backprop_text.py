"""One training sample's backpropagation (`tui_nn.lesson.backprop.BackpropResult`) as lines of
text in the lecture's notation: `format_backprop` for networks whose layers have up to
`MAX_TEXT_WEIGHTS` weights (every number), `format_summary` for larger ones (per-unit summaries
and the largest terms). `tui-nn backprop` prints them; the Backprop lesson view shows them. No
torch, no textual."""

from __future__ import annotations

from collections.abc import Sequence

from tui_nn.lesson.backprop import FPRIME_FORMULAS, BackpropResult, GradientCheck, LayerBackprop

__all__ = ["MAX_TEXT_WEIGHTS", "fits_as_text", "format_backprop", "format_summary", "num"]

WIDTH = 80
MAX_TEXT_WEIGHTS = 64  # a layer with more weights than this is not shown as text
GRAD_COLUMN = 54  # where autograd's column starts in the gradients


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


def _wrap(head: str, pieces: Sequence[str], tail: str = "", width: int = WIDTH) -> list[str]:
    """head + pieces joined by spaces + tail, wrapped at `width` under the first piece."""
    indent = " " * min(len(head), 24)
    lines, line = [], head
    for piece in [*pieces, tail] if tail else pieces:
        if line == head:
            line += piece
        elif len(line) + 1 + len(piece) > width:
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


def format_backprop(result: BackpropResult, *, stopped: str = "", width: int = WIDTH) -> list[str]:
    """The whole computation as lines of at most `width` columns (layers of up to 64 weights)."""
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
    out += _wrap("loss: ", _words(result.loss_formula), width=width)

    out += ["", "Forward: a(l) = W(l) y(l-1) + b(l), y(l) = f(a(l)), y(0) = x"]
    for layer in result.layers:
        out += _forward(layer, layer.index == n_layers, result, width)
    out.append(f"loss L = {num(result.loss)}   (autograd's: {num(result.autograd_loss)})")

    out += ["", "Backward: delta(l) = dL/da(l)"]
    for layer in reversed(result.layers):
        formula = FPRIME_FORMULAS.get(layer.activation, "?")
        if layer.index == n_layers:
            out.append(f"layer {layer.index} (the output)")
            out += _wrap("  ", _words(result.delta_formula), width=width)
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
            out += _hidden_deltas(layer, result.layers[layer.index], width)

    out += [
        "",
        _with_column("Gradients: dW_ij = delta_i y(l-1)_j, db_i = delta_i", "autograd"),
    ]
    for layer in result.layers:
        out += _gradients(layer, result)
    out.append(f"largest difference from autograd: {result.max_diff:.1e}")

    out += [""] + _wrap("Update: ", _words(result.update_formula), width=width)
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


def _forward(
    layer: LayerBackprop, output: bool, result: BackpropResult, width: int = WIDTH
) -> list[str]:
    units = len(layer.b)
    where = " (the output)" if output else ""
    lines = [f"layer {layer.index}: {layer.activation}, {units} unit{'s' * (units != 1)}{where}"]
    y_in = result.x if layer.index == 1 else result.layers[layer.index - 2].y
    rows: list[tuple[list[str], str]] = []
    for i in range(units):
        terms = [_product(w, v) for w, v in zip(layer.W[i], y_in, strict=True)]
        terms.append((layer.b[i], num(abs(layer.b[i]))))
        a_lines = _wrap(f"  a{i + 1} = ", _signed_terms(terms), f"= {num(layer.a[i])}", width)
        rows.append((a_lines, f"y{i + 1} = {num(layer.y[i])}"))
    column = max(len(a_lines[-1]) for a_lines, _ in rows) + 3
    for a_lines, y_text in rows:
        if column + len(y_text) <= width:
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


def _hidden_deltas(layer: LayerBackprop, above: LayerBackprop, width: int = WIDTH) -> list[str]:
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
            lines += _wrap(head, pieces, tail, width)
        else:
            lines += _wrap(f"  e{i + 1} = ", pieces, f"= {num(error)}", width)
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


# -- larger networks: per-unit summaries and the largest terms --------------------------------

TOP = 3  # units, terms and gradients shown per layer in a summary


def fits_as_text(result: BackpropResult) -> bool:
    """Whether every layer has at most `MAX_TEXT_WEIGHTS` weights (`format_backprop` shows it)."""
    return all(
        len(layer.W) * len(layer.W[0] if layer.W else []) <= MAX_TEXT_WEIGHTS
        for layer in result.layers
    )


def _largest(values: Sequence[float], count: int = TOP) -> list[int]:
    """The indices of the `count` values largest in size, largest first."""
    return sorted(range(len(values)), key=lambda i: -abs(values[i]))[:count]


def _range(name: str, values: Sequence[float]) -> str:
    if not values:
        return f"{name}: -"
    return f"{name}: {num(min(values))} .. {num(max(values))}"


def format_summary(result: BackpropResult, *, width: int = WIDTH) -> list[str]:
    """The computation of a network too large to show whole: per layer the ranges of a, y and
    delta, the units with the largest deltas (with their largest terms), and the largest
    gradients next to autograd's."""
    when = "at the initial weights" if result.step == 0 else f"after {result.step} steps"
    out = [f"{result.preset}: training sample {result.sample} of {result.n_samples}, {when}"]
    t_text = f"class {result.t_class}" if result.t_class is not None else _vector(result.t[:8])
    out.append(f"x: {len(result.x)} inputs, {_range('range', result.x)}   t = {t_text}")
    out += _wrap("loss: ", _words(result.loss_formula), width=width)
    out.append(f"loss L = {num(result.loss)}   (autograd's: {num(result.autograd_loss)})")
    out += _wrap("output error: ", _words(result.delta_formula), width=width)
    out += ["", f"Per layer (more than {MAX_TEXT_WEIGHTS} weights: the largest terms)"]
    for layer in result.layers:
        out += _layer_summary(layer, result, width)
    out.append(f"largest difference from autograd: {result.max_diff:.1e}")
    out += [""] + _wrap("Update: ", _words(result.update_formula), width=width)
    if result.new_loss is not None:
        out.append(
            f"loss of this sample: {num(result.loss)} -> {num(result.new_loss)} after the step"
        )
    return out


def _layer_summary(layer: LayerBackprop, result: BackpropResult, width: int) -> list[str]:
    units, inputs = len(layer.W), len(layer.W[0]) if layer.W else 0
    frozen = "" if layer.trainable else ", frozen"
    lines = [
        f"layer {layer.index}: {layer.activation}, {units}x{inputs} = {units * inputs:,} "
        f"weights{frozen}",
        f"  {_range('a', layer.a)}   {_range('y', layer.y)}   {_range('delta', layer.delta)}",
    ]
    above = result.layers[layer.index] if layer.index < len(result.layers) else None
    for i in _largest(layer.delta):
        text = f"  delta{i + 1} = {num(layer.delta[i])}"
        if above is not None and layer.terms and layer.terms[i]:
            terms = layer.terms[i]
            parts = [
                f"delta({layer.index + 1})_{k + 1} W_{k + 1},{i + 1} = {num(terms[k])}"
                for k in _largest(terms, 2)
            ]
            text += "  largest terms: " + ", ".join(parts)
        lines.append(text)
    y_in = result.x if layer.index == 1 else result.layers[layer.index - 2].y
    flat = [layer.dW[i][j] for i in range(units) for j in range(inputs)]
    for index in _largest(flat):
        i, j = divmod(index, inputs)
        text = (
            f"  dW{i + 1},{j + 1} = {num(layer.delta[i])}*{_in_parens(y_in[j])} = "
            f"{num(layer.dW[i][j])}"
        )
        lines.append(_with_column(text, f"autograd {num(layer.autograd_dW[i][j])}", 44))
    lines.append(f"  largest difference from autograd: {layer.max_diff:.1e}")
    return lines
