"""The perceptron rule one sample at a time, exactly as in the lesson and the engine.

Targets are t in {-1, 1}. For each sample: a = w.x + b; the unit's output y (sign: 1 if a > 0
else -1; step: 1 if a >= 0 else 0); the sample is misclassified when the output's class differs
from t's; then w <- w + eta*x*t and b <- b + eta*t (nothing changes for a correct sample).
An epoch without a misclassified sample means convergence. Without shuffling the rule is
deterministic, so weights met at the start of an earlier epoch mean it cycles for ever: the
data is not linearly separable. As in the engine, the cycle is noticed at the start of an
epoch, which still runs; the trace then stops at that epoch's end.

Arithmetic is in Python floats. The engine works in float32: the two agree exactly whenever the
numbers involved are exactly representable (the lesson's 0/1 inputs with eta = 1, 0.5, 0.25, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tui_nn.spec import PERCEPTRON_ACTIVATIONS

__all__ = [
    "EpochTrace",
    "PerceptronTrace",
    "SampleStep",
    "perceptron_step",
    "signed_target",
    "trace_perceptron",
]


def signed_target(label: float) -> int:
    """A class label as the rule's target: 1 for class 1 (or 1), -1 for class 0 (or -1)."""
    return 1 if label > 0 else -1


@dataclass(frozen=True)
class SampleStep:
    epoch: int  # 1-based
    position: int  # 0-based position in the epoch
    index: int  # the sample's index in the data
    x: tuple[float, ...]
    t: int  # -1 or 1
    a: float  # w.x + b before the update
    y: float  # the unit's output (sign: -1/1, step: 0/1)
    misclassified: bool
    dw: tuple[float, ...]  # eta*x*t when misclassified, zeros otherwise
    db: float  # eta*t when misclassified, 0 otherwise
    w: tuple[float, ...]  # the weights after the update
    b: float  # the bias after the update


@dataclass(frozen=True)
class EpochTrace:
    epoch: int  # 1-based
    w_start: tuple[float, ...]
    b_start: float
    steps: list[SampleStep]
    errors: int  # misclassified samples met in the epoch (the rule's cost)
    repeated: bool  # the weights at its start were seen at an earlier epoch's start

    @property
    def w_end(self) -> tuple[float, ...]:
        return self.steps[-1].w if self.steps else self.w_start

    @property
    def b_end(self) -> float:
        return self.steps[-1].b if self.steps else self.b_start


@dataclass
class PerceptronTrace:
    epochs: list[EpochTrace] = field(default_factory=list)
    converged: bool = False
    cycling: bool = False  # not linearly separable (found without shuffling only)
    stop_reason: str = "epochs"  # converged, not_separable or epochs (the budget ran out)
    message: str = ""

    @property
    def w(self) -> tuple[float, ...]:
        return self.epochs[-1].w_end if self.epochs else ()

    @property
    def b(self) -> float:
        return self.epochs[-1].b_end if self.epochs else 0.0

    @property
    def n_epochs(self) -> int:
        return len(self.epochs)

    @property
    def steps(self) -> list[SampleStep]:
        return [step for epoch in self.epochs for step in epoch.steps]


def _output(a: float, activation: str) -> float:
    if activation == "sign":
        return 1.0 if a > 0 else -1.0
    return 1.0 if a >= 0 else 0.0


def perceptron_step(
    w: Sequence[float],
    b: float,
    x: Sequence[float],
    t: int,
    *,
    eta: float = 1.0,
    activation: str = "sign",
    epoch: int = 1,
    position: int = 0,
    index: int = 0,
) -> SampleStep:
    """One application of the rule to the sample (x, t), t in {-1, 1}."""
    if activation not in PERCEPTRON_ACTIVATIONS:
        raise ValueError(f"a perceptron's activation is sign or step, not {activation!r}")
    if t not in (-1, 1):
        raise ValueError(f"the rule's target is -1 or 1, not {t!r}")
    if len(w) != len(x):
        raise ValueError(f"{len(w)} weights but {len(x)} inputs")
    a = sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b
    y = _output(a, activation)
    positive = a > 0 if activation == "sign" else a >= 0
    wrong = positive != (t > 0)
    if wrong:
        dw = tuple(eta * xi * t for xi in x)
        db = eta * t
    else:
        dw = tuple(0.0 for _ in x)
        db = 0.0
    return SampleStep(
        epoch=epoch,
        position=position,
        index=index,
        x=tuple(float(v) for v in x),
        t=t,
        a=float(a),
        y=y,
        misclassified=wrong,
        dw=dw,
        db=float(db),
        w=tuple(float(wi + d) for wi, d in zip(w, dw, strict=True)),
        b=float(b + db),
    )


def trace_perceptron(
    samples: Sequence[Sequence[float]],
    labels: Sequence[float],
    *,
    eta: float = 1.0,
    activation: str = "sign",
    w0: Sequence[float] | None = None,
    b0: float = 0.0,
    max_epochs: int = 100,
    orders: Sequence[Sequence[int]] | None = None,
) -> PerceptronTrace:
    """Run the rule from (w0, b0) (zeros by default) for at most `max_epochs` epochs.

    `labels` are classes 0/1 (or targets -1/1). Samples are visited in their order, or in
    `orders[epoch - 1]` when given (a shuffled run: the trainer's permutations); cycling is
    only detected without `orders`, as in the engine."""
    if len(samples) != len(labels) or not samples:
        raise ValueError(f"{len(samples)} samples but {len(labels)} labels")
    if max_epochs < 1:
        raise ValueError("max_epochs must be at least 1")
    n_inputs = len(samples[0])
    w = tuple(float(v) for v in (w0 if w0 is not None else [0.0] * n_inputs))
    b = float(b0)
    targets = [signed_target(label) for label in labels]
    trace = PerceptronTrace()
    seen: set[tuple[float, ...]] = set()
    for epoch in range(1, max_epochs + 1):
        if orders is None:
            order: Sequence[int] = range(len(samples))
            key = (*w, b)
            repeated = key in seen
            seen.add(key)
        else:
            order = orders[epoch - 1]
            repeated = False
        w_start, b_start = w, b
        steps: list[SampleStep] = []
        for position, index in enumerate(order):
            step = perceptron_step(
                w,
                b,
                samples[index],
                targets[index],
                eta=eta,
                activation=activation,
                epoch=epoch,
                position=position,
                index=index,
            )
            steps.append(step)
            w, b = step.w, step.b
        errors = sum(step.misclassified for step in steps)
        trace.epochs.append(EpochTrace(epoch, w_start, b_start, steps, errors, repeated))
        if errors == 0:
            trace.converged, trace.stop_reason = True, "converged"
            trace.message = f"converged: no misclassified samples in epoch {epoch}"
            return trace
        if repeated:
            trace.cycling, trace.stop_reason = True, "not_separable"
            trace.message = (
                "did not converge: the perceptron rule cycles through the same weights, "
                "so the data is not linearly separable"
            )
            return trace
    still = sum(
        perceptron_step(w, b, x, t, activation=activation).misclassified
        for x, t in zip(samples, targets, strict=True)
    )
    trace.message = (
        f"did not converge within {max_epochs} epochs: {still} samples still misclassified"
    )
    return trace
