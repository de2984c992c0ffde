"""The status bar: run state, epoch, step, losses, accuracy, speed, time, device; and below it
the last message (a stop reason, an error) when there is one."""

from __future__ import annotations

import math
from typing import Any, TypedDict, Unpack

from textual.content import Content
from textual.widgets import Static

STATE_STYLES = {
    "idle": "bold",
    "loading": "bold",
    "starting": "bold $warning",
    "running": "bold $success",
    "paused": "bold $warning",
    "done": "bold $accent",
    "diverged": "bold $error",
    "failed": "bold reverse $error",
    "no trainer": "bold",
}


def format_loss(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "-"
    if not math.isfinite(value):
        return str(value)
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.2e}"
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.4g}"


def format_acc(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return "-"
    return f"{100 * value:.1f}%"


def format_rate(value: Any) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return "-"
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def format_time(seconds: Any) -> str:
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds < 0:
        return "-"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class StatusFields(TypedDict, total=False):
    """What the status bar shows; `show` takes any of them and keeps the others."""

    state: str
    epoch: int
    epochs: int | None
    step: int
    train_loss: float | None
    test_loss: float | None
    train_acc: float | None
    test_acc: float | None
    eval_epoch: int | None  # the figures are those of the evaluation at this epoch
    pace: float | None  # steps a second (None: full speed)
    steps_per_s: float | None
    elapsed_s: float | None
    device: str | None
    message: str
    message_style: str


class StatusBar(Static):
    """Shows the fields it is given with `show(**fields)`; keeps the others."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._lines = 0
        self.fields: StatusFields = {
            "state": "idle",
            "epoch": 0,
            "epochs": None,
            "step": 0,
            "train_loss": None,
            "test_loss": None,
            "train_acc": None,
            "test_acc": None,
            "eval_epoch": None,
            "pace": None,
            "steps_per_s": None,
            "elapsed_s": None,
            "device": None,
            "message": "",
            "message_style": "",
        }

    def on_mount(self) -> None:
        self._render_fields()

    def show(self, **fields: Unpack[StatusFields]) -> None:
        self.fields.update(fields)
        if "message" in fields and "message_style" not in fields:
            self.fields["message_style"] = ""
        self._render_fields()

    def clear_metrics(self) -> None:
        self.show(
            epoch=0,
            step=0,
            train_loss=None,
            test_loss=None,
            train_acc=None,
            test_acc=None,
            eval_epoch=None,
            steps_per_s=None,
            elapsed_s=None,
        )

    def line(self) -> str:
        """The status as plain text."""
        return self.render_content().plain

    def render_content(self) -> Content:
        f = self.fields
        state = str(f["state"])
        epochs = f["epochs"]
        epoch = f"{f['epoch']}" + (f"/{epochs}" if epochs else "")
        # (priority, parts): the lowest priorities go first when the line is too narrow.
        items: list[tuple[int, list[str | tuple[str, str]]]] = [
            (9, [(f" {state.upper()} ", STATE_STYLES.get(state, "bold"))]),
            (8, [("ep ", "dim"), epoch]),
            (3, [("step ", "dim"), str(f["step"])]),
            (7, [("loss ", "dim"), format_loss(f["train_loss"])]),
        ]
        if f["test_loss"] is not None:
            items.append((6, [("test ", "dim"), format_loss(f["test_loss"])]))
        if f["train_acc"] is not None or f["test_acc"] is not None:
            acc = format_acc(f["train_acc"])
            if f["test_acc"] is not None:
                acc += "/" + format_acc(f["test_acc"])
            items.append((5, [("acc ", "dim"), acc]))
        if f["eval_epoch"] is not None:
            items.append((4, [("(evaluated at ep ", "dim"), str(f["eval_epoch"]), (")", "dim")]))
        if f["pace"] is not None:
            items.append((8, [("pace ", "dim"), (f"{f['pace']:g}/s", "bold")]))
        else:
            items.append((2, [format_rate(f["steps_per_s"]), ("/s", "dim")]))
        items.append((4, [format_time(f["elapsed_s"])]))
        if f["device"]:
            items.append((1, [(str(f["device"]), "italic")]))
        width = self.size.width or 10_000

        def assemble(chosen: list[tuple[int, list[str | tuple[str, str]]]], gap: str) -> Content:
            parts: list[str | tuple[str, str]] = []
            for index, (_, item) in enumerate(chosen):
                if index:
                    parts.append(gap)
                parts.extend(item)
            return Content.assemble(*parts)

        content = assemble(items, "  ")
        if content.cell_length > width:
            content = assemble(items, " ")
        while content.cell_length > width and len(items) > 2:
            lowest = min(range(len(items)), key=lambda i: items[i][0])
            del items[lowest]
            content = assemble(items, " ")
        message = str(f["message"] or "")
        if message:
            content = content + Content("\n") + Content.assemble((message, f["message_style"]))
        return content

    def on_resize(self) -> None:
        self._render_fields()

    def _render_fields(self) -> None:
        content = self.render_content()
        lines = content.plain.count("\n") + 1
        # A layout pass only when the height changes (a message appeared or went away): the
        # bar is updated on every metrics event.
        self.update(content, layout=lines != self._lines)
        self._lines = lines
