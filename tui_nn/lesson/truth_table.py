"""The truth-table view: for every row of a logic gate, the output unit's weighted sum `a`, its
output `y`, the target `t` in the output's encoding and whether the class matches.

Class decisions follow the lesson and the engine's task head (`tui_nn.model.build_head`):

- several output units: the class is the unit with the largest output (argmax);
- `sign` and `tanh` outputs use targets -1/1 and mean class 1 when y > 0 (sign(0) is -1);
- `identity` outputs trained with `bce` or the perceptron criterion are logits: class 1 when y >= 0;
- everything else (step, sigmoid, identity under mse, ...) uses targets 0/1: class 1 when y >= 0.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tui_nn.lesson.gates import gate_input_names, gate_table
from tui_nn.lesson.threshold import as_layers, forward

__all__ = [
    "SIGNED_OUTPUTS",
    "DecisionRule",
    "TruthRow",
    "TruthTable",
    "decision_rule",
    "render_truth_table",
    "truth_table",
    "truth_table_from_outputs",
]

SIGNED_OUTPUTS = ("sign", "tanh")  # outputs in -1..1: binary targets are -1/1


@dataclass(frozen=True)
class DecisionRule:
    """How outputs become a class, and how a class becomes a target."""

    signed: bool  # binary targets are -1/1 (else 0/1)
    threshold: float  # one output: class 1 when y >= threshold (y > threshold when strict)
    strict: bool
    argmax: bool  # several outputs: the class is the index of the largest

    def classify(self, y: float | Sequence[float]) -> int:
        if isinstance(y, int | float):
            values = [float(y)]
        else:
            values = [float(v) for v in y]
        if self.argmax or len(values) > 1:
            return max(range(len(values)), key=lambda i: (values[i], -i))  # first largest
        if self.strict:
            return int(values[0] > self.threshold)
        return int(values[0] >= self.threshold)

    def target(self, label: int, units: int = 1) -> float | tuple[float, ...]:
        """Class `label` as the loss's target: one number, or one per unit (one-hot)."""
        low = -1.0 if self.signed else 0.0
        if units == 1:
            return 1.0 if label else low
        return tuple(1.0 if i == label else low for i in range(units))


def decision_rule(
    activation: str, loss: str | None = None, units: int = 1, kind: str = "mlp"
) -> DecisionRule:
    """The rule for an output layer of `units` units with `activation`, trained with `loss`
    (a perceptron, `kind = "perceptron"`, always uses the perceptron criterion)."""
    if kind == "perceptron":
        loss = "perceptron"
    signed = activation in SIGNED_OUTPUTS
    if units > 1:
        return DecisionRule(signed, 0.0, False, True)
    if signed:
        return DecisionRule(True, 0.0, True, False)
    if activation == "identity" and loss in ("bce", "perceptron"):
        return DecisionRule(False, 0.0, False, False)
    return DecisionRule(False, 0.5, False, False)


@dataclass(frozen=True)
class TruthRow:
    inputs: tuple[int, ...]
    a: float | tuple[float, ...]  # the output unit's weighted sum (a tuple with several outputs)
    y: float | tuple[float, ...]  # the output (a tuple with several outputs)
    t: float | tuple[float, ...]  # the target in the output's encoding (one-hot with several)
    label: int  # the gate's output, 0 or 1
    predicted: int  # the class the network's output means
    match: bool
    hidden: tuple[tuple[float, ...], ...] = ()  # hidden layers' outputs, when known


@dataclass(frozen=True)
class TruthTable:
    gate: str
    input_names: list[str]
    rows: list[TruthRow]
    errors: int  # misclassified rows
    all_match: bool
    rule: DecisionRule


def _one(values: Sequence[float]) -> float | tuple[float, ...]:
    return float(values[0]) if len(values) == 1 else tuple(float(v) for v in values)


def _as_list(value: float | Sequence[float]) -> list[float]:
    """One output's value, or a layer's, as a list."""
    return [value] if isinstance(value, int | float) else list(value)


def truth_table_from_outputs(
    gate: str,
    a: Sequence[float | Sequence[float]],
    y: Sequence[float | Sequence[float]],
    activation: str,
    *,
    loss: str | None = None,
    kind: str = "mlp",
    hidden: Sequence[Sequence[Sequence[float]]] | None = None,
) -> TruthTable:
    """The table from the output layer's `a` and `y` per row (rows in truth-table order), as a
    trainer that ran the network can send them."""
    table = gate_table(gate)
    if len(a) != len(table) or len(y) != len(table):
        raise ValueError(f"{gate} has {len(table)} rows; got {len(a)} a and {len(y)} y values")
    rows: list[TruthRow] = []
    rule: DecisionRule | None = None
    for i, (inputs, label) in enumerate(table):
        a_i, y_i = _as_list(a[i]), _as_list(y[i])
        if rule is None:
            rule = decision_rule(activation, loss, len(y_i), kind)
        predicted = rule.classify(y_i)
        h = tuple(tuple(float(v) for v in layer) for layer in hidden[i]) if hidden else ()
        rows.append(
            TruthRow(
                inputs=inputs,
                a=_one(a_i),
                y=_one(y_i),
                t=rule.target(label, len(y_i)),
                label=label,
                predicted=predicted,
                match=predicted == label,
                hidden=h,
            )
        )
    assert rule is not None
    errors = sum(not row.match for row in rows)
    return TruthTable(gate, gate_input_names(gate), rows, errors, errors == 0, rule)


def truth_table(
    gate: str, layers: Sequence[Any], *, loss: str | None = None, kind: str = "mlp"
) -> TruthTable:
    """Evaluate the network (plain lists, see `threshold.forward`) on every row of `gate`."""
    checked = as_layers(layers)
    a_rows, y_rows, hidden = [], [], []
    for inputs, _ in gate_table(gate):
        traces = forward(checked, inputs)
        a_rows.append(traces[-1].a)
        y_rows.append(traces[-1].y)
        hidden.append([trace.y for trace in traces[:-1]])
    return truth_table_from_outputs(
        gate, a_rows, y_rows, checked[-1].activation, loss=loss, kind=kind, hidden=hidden
    )


def _num(value: float | tuple[float, ...], digits: int) -> str:
    if isinstance(value, tuple):
        return " ".join(_num(v, digits) for v in value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}f}"


def render_truth_table(table: TruthTable, *, digits: int = 3, ascii_only: bool = False) -> str:
    """A plain-text table: the inputs by name, a, y, t and a mark for each row."""
    ok, wrong = ("ok", "X") if ascii_only else ("✓", "✗")
    header = [*table.input_names, "a", "y", "t", ""]
    body = [
        [
            *(str(v) for v in row.inputs),
            _num(row.a, digits),
            _num(row.y, digits),
            _num(row.t, digits),
            ok if row.match else wrong,
        ]
        for row in table.rows
    ]
    widths = [max(len(line[j]) for line in [header, *body]) for j in range(len(header))]
    lines = [
        "  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *body]
    ]
    verdict = (
        "all rows match" if table.all_match else f"{table.errors} of {len(table.rows)} rows wrong"
    )
    return "\n".join([*lines, verdict])
