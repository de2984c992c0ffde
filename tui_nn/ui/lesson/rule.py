"""The perceptron rule, one sample at a time (`s`), the rest of an epoch (`e`), from the start
again (`z`): the sample, a = w·x + b, y, t, whether it is misclassified, the update
Δw = η·x·t, Δb = η·t and the new weights, with a summary line per finished epoch. The trace is
`tui_nn.lesson.perceptron_trace` from the preset's initial weights, in the data's order (the
truth table's order for gates), exactly as the engine runs it without shuffling."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_nn.lesson.gates import gate_table
from tui_nn.lesson.perceptron_trace import PerceptronTrace, SampleStep, trace_perceptron

from . import render
from .data import LessonData

MAX_ROWS_SHOWN = 12  # steps of the current epoch shown (the latest ones)


def _vector(values: Iterable[float]) -> str:
    return "(" + ", ".join(render.num(v) for v in values) + ")"


class RuleView(VerticalScroll):
    """See the module docstring. `position` is how many steps have been taken."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: LessonData | None = None
        self.trace: PerceptronTrace | None = None
        self.problem = ""
        self.position = 0
        self._key: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="rule-title", classes="lesson-title")
        yield Static("", id="rule-body")

    # -- the trace -----------------------------------------------------------------------

    def _samples(self, data: LessonData) -> tuple[list[list[float]], list[float]] | None:
        if data.gate is not None:
            rows = gate_table(data.gate)
            return [list(map(float, x)) for x, _ in rows], [float(t) for _, t in rows]
        points = data.train_points
        n_train = data.loaded.n_train if data.loaded is not None else None
        if not points or n_train != len(points):
            return None
        return [list(row[:-1]) for row in points], [float(row[-1]) for row in points]

    def set_data(self, data: LessonData) -> None:
        self.data = data
        preset = data.preset
        key = (
            preset.data.set,
            preset.train.learning_rate,
            preset.train.epochs,
            preset.model.layers[0].activation,
            repr(preset.model.layers[0].weights),
            repr(preset.model.layers[0].bias),
            data.loaded.n_train if data.loaded is not None else None,
        )
        if key != self._key:
            self._key = key
            self.position = 0
            self._build(data)
        self.show()

    def _build(self, data: LessonData) -> None:
        self.trace, self.problem = None, ""
        samples = self._samples(data)
        if samples is None:
            self.problem = "the step-by-step rule needs every training sample (at most 400)"
            return
        x, labels = samples
        preset = data.preset
        initial = data.initial_layers()
        w0 = list(initial[0].weights[0]) if initial else None
        b0 = initial[0].bias[0] if initial else 0.0
        try:
            self.trace = trace_perceptron(
                x,
                labels,
                eta=preset.train.learning_rate,
                activation=preset.model.layers[0].activation,
                w0=w0,
                b0=b0,
                max_epochs=max(1, preset.train.epochs),
            )
        except ValueError as error:
            self.problem = str(error)

    @property
    def steps(self) -> list[SampleStep]:
        return self.trace.steps if self.trace else []

    @property
    def finished(self) -> bool:
        return self.trace is not None and self.position >= len(self.steps)

    def step(self) -> None:
        if self.trace is not None and not self.finished:
            self.position += 1
            self.show()

    def finish_epoch(self) -> None:
        steps = self.steps
        if self.trace is None or self.finished:
            return
        epoch = steps[self.position].epoch
        while self.position < len(steps) and steps[self.position].epoch == epoch:
            self.position += 1
        self.show()

    def rewind(self) -> None:
        self.position = 0
        self.show()

    # -- showing -------------------------------------------------------------------------

    def show(self) -> None:
        data = self.data
        if data is None:
            return
        preset = data.preset
        activation = preset.model.layers[0].activation
        title = self.query_one("#rule-title", Static)
        body = self.query_one("#rule-body", Static)
        trace = self.trace
        if trace is None or not trace.epochs:
            title.update(Content.styled("The perceptron rule, step by step", "bold"))
            body.update(Content(self.problem or "no samples"))
            return
        first = trace.epochs[0]
        title.update(
            Content.assemble(
                (f"Perceptron rule on {data.data_set.upper()}", "bold"),
                f"  {render.symbols(data.ascii_only)['eta']} = "
                f"{render.num(preset.train.learning_rate)}, {activation} unit, "
                f"from w = {_vector(first.w_start)}, b = {render.num(first.b_start)}\n",
                ("s", "bold"),
                " next sample  ",
                ("e", "bold"),
                " rest of the epoch  ",
                ("z", "bold"),
                " start over",
                *[
                    (f"\n{note}", "dim")
                    for note in render.threshold_notes([activation], data.ascii_only)
                ],
            )
        )
        body.update(self._body(data, trace))

    def _body(self, data: LessonData, trace: PerceptronTrace) -> Content:
        steps = self.steps
        ascii_only = data.ascii_only
        ok, wrong = render.marks(ascii_only)
        lines: list[Content] = []
        done = steps[: self.position]
        current_epoch = steps[self.position].epoch if not self.finished else steps[-1].epoch
        if self.finished:
            current_epoch += 1  # every epoch is summarised
        for epoch in trace.epochs:
            if epoch.epoch >= current_epoch:
                break
            style = render.OK_STYLE if epoch.errors == 0 else ""
            repeat = "  (a repeat: a cycle)" if epoch.repeated else ""
            lines.append(
                Content.assemble(
                    (f"epoch {epoch.epoch}: ", "bold"),
                    (f"{epoch.errors} of {len(epoch.steps)} misclassified", style),
                    f" -> w = {_vector(epoch.w_end)}, b = {render.num(epoch.b_end)}",
                    (repeat, "dim"),
                )
            )
        if not self.finished:
            epoch_trace = trace.epochs[current_epoch - 1]
            shown = [s for s in done if s.epoch == current_epoch]
            lines.append(
                Content.assemble(
                    (f"epoch {current_epoch}", "bold"),
                    f" starts with w = {_vector(epoch_trace.w_start)}, "
                    f"b = {render.num(epoch_trace.b_start)}",
                    ("  (weights seen before: a cycle)" if epoch_trace.repeated else "", "dim"),
                )
            )
            lines.extend(self._table(data, shown, ok, wrong))
        if done:
            lines.append(self._explain(done[-1], data))
        if self.finished:
            lines.append(self._verdict(trace))
        else:
            nxt = steps[self.position]
            lines.append(
                Content.assemble(
                    ("next: ", "dim"),
                    f"sample {nxt.position + 1} x = {_vector(nxt.x)}, t = {nxt.t}  ",
                    ("(s)", "dim"),
                )
            )
        return Content("\n").join(lines)

    def _table(
        self, data: LessonData, shown: list[SampleStep], ok: str, wrong: str
    ) -> list[Content]:
        names = data.input_names or [f"x{i}" for i in range(len(shown[0].x) if shown else 2)]
        d = render.symbols(data.ascii_only)["delta"]
        n = len(names)
        head = (
            ["#", *names, "t", "a", "y", "", *(f"{d}w{i}" for i in range(n)), f"{d}b"]
            + [f"w{i}" for i in range(n)]
            + ["b"]
        )
        rows: list[list[str]] = []
        hidden = max(0, len(shown) - MAX_ROWS_SHOWN)
        for s in shown[hidden:]:
            rows.append(
                [
                    str(s.position + 1),
                    *(render.num(v) for v in s.x),
                    str(s.t),
                    render.num(s.a),
                    render.num(s.y),
                    wrong if s.misclassified else ok,
                    *(render.num(v) if s.misclassified else "." for v in s.dw),
                    render.num(s.db) if s.misclassified else ".",
                    *(render.num(v) for v in s.w),
                    render.num(s.b),
                ]
            )
        widths = [max(len(r[j]) for r in [head, *rows]) for j in range(len(head))]
        split = 1 + n + 4  # the update columns start here
        out: list[Content] = []

        def line(cells: list[str], style: str = "", mark_style: str = "") -> Content:
            parts: list[render.Part] = []
            for j, (cell, width) in enumerate(zip(cells, widths, strict=True)):
                sep = "  |  " if j == split + n + 1 else (" " if j else "")
                if j == split:
                    sep = "  "
                parts.append(sep)
                text = cell.rjust(width)
                parts.append((text, mark_style) if j == split - 1 and mark_style else text)
            return Content.assemble(*parts).stylize(style) if style else Content.assemble(*parts)

        out.append(line(head, "bold"))
        if hidden:
            out.append(Content.styled(f"  ({hidden} earlier samples not shown)", "dim"))
        for s, cells in zip(shown[hidden:], rows, strict=True):
            out.append(
                line(cells, mark_style=render.WRONG_STYLE if s.misclassified else render.OK_STYLE)
            )
        if not shown:
            out.append(Content.styled("  (no sample yet: press s)", "dim"))
        return out

    def _explain(self, s: SampleStep, data: LessonData) -> Content:
        activation = data.preset.model.layers[0].activation
        eta = render.num(data.preset.train.learning_rate)
        sym = render.symbols(data.ascii_only)
        d, e, dot = sym["delta"], sym["eta"], sym["dot"]
        terms = " + ".join(
            f"{render.num(w)}{dot}{render.num(x)}" for w, x in zip(_before(s), s.x, strict=True)
        )
        b_before = s.b - s.db
        text = (
            f"sample {s.position + 1}: a = w{dot}x + b = {terms} + {render.num(b_before)} = "
            f"{render.num(s.a)}, y = {activation}(a) = {render.num(s.y)}, t = {s.t}"
        )
        if s.misclassified:
            update = (
                f" -> misclassified: {d}w = {e}{dot}x{dot}t = {eta}{dot}{_vector(s.x)}{dot}{s.t} "
                f"= {_vector(s.dw)}, {d}b = {e}{dot}t = {render.num(s.db)}; "
                f"now w = {_vector(s.w)}, b = {render.num(s.b)}"
            )
            return Content.assemble(text, (update, render.WRONG_STYLE))
        return Content.assemble(text, (" -> correct: no change", render.OK_STYLE))

    def _verdict(self, trace: PerceptronTrace) -> Content:
        if trace.converged:
            return Content.styled(trace.message, render.OK_STYLE)
        if trace.cycling:
            last = trace.epochs[-1]
            earlier = next(
                (
                    e.epoch
                    for e in trace.epochs[:-1]
                    if (e.w_start, e.b_start) == (last.w_start, last.b_start)
                ),
                None,
            )
            where = f" (epoch {last.epoch} started as epoch {earlier} did)" if earlier else ""
            return Content.styled(trace.message + where, render.WRONG_STYLE)
        return Content.styled(trace.message, render.WRONG_STYLE)


def _before(s: SampleStep) -> tuple[float, ...]:
    return tuple(w - d for w, d in zip(s.w, s.dw, strict=True))
