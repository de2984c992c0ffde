"""The digits view: the data overview's digit images with their true and predicted labels (the
mistakes marked), and the confusion matrix of the trainer's latest snapshot."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_nn.lesson.confusion import per_class_accuracy, render_confusion
from tui_nn.lesson.digits_render import render_image

from . import render
from .data import DataView, LessonData


class DigitsView(DataView, VerticalScroll):
    """See the module docstring."""

    def compose(self) -> ComposeResult:
        yield Static("", id="digits-title", classes="lesson-title")
        with Vertical(id="digits-body"):
            yield Static("", id="digits-grid")
            yield Static("", id="digits-confusion")

    def on_resize(self) -> None:
        self.show()

    def show(self) -> None:
        data = self.data
        if data is None:
            return
        overview = data.overview
        images = overview.get("images", [])
        labels = overview.get("image_labels", [])
        shape = overview.get("image_shape", [])
        snapshot = data.snapshot
        predicted = snapshot.predicted if snapshot is not None else None
        confusion = snapshot.confusion if snapshot is not None else None
        title = self.query_one("#digits-title", Static)
        grid = self.query_one("#digits-grid", Static)
        table = self.query_one("#digits-confusion", Static)
        part = (snapshot.confusion_of if snapshot is not None else None) or "test"
        wrong_mark = "!" if data.ascii_only else "✗"
        wrong = None
        if predicted is not None and len(predicted) == len(labels):
            wrong = sum(p != t for p, t in zip(predicted, labels, strict=True))
        summary = "true/predicted" if wrong is not None else "true labels (no predictions yet)"
        if wrong is not None:
            summary += f"; {wrong} of {len(labels)} wrong, marked {wrong_mark}"
        title.update(
            Content.assemble((f"{part.capitalize()} digits", "bold"), (f"  {summary}", "dim"))
        )
        if not images or not shape:
            grid.update(Content("waiting for the data ..."))
        else:
            height, width = shape[0], shape[1]
            grid.update(self._grid(data, images, labels, predicted, (height, width), wrong_mark))
        if confusion:
            names = overview.get("class_names") or None
            text = render_confusion(
                confusion, names, width=60, zero="." if data.ascii_only else "·"
            )
            table.update(_confusion_content(text, confusion))
        else:
            table.update(Content("confusion matrix: waiting for predictions ..."))

    def _grid(
        self,
        data: LessonData,
        images: list[list[float]],
        labels: list[int],
        predicted: list[int] | None,
        shape: tuple[int, int],
        wrong_mark: str,
    ) -> Content:
        height, width = shape
        factor = 1 if width <= 16 else math.ceil(width / 14)
        mode = "ascii" if data.ascii_only else "half"
        tiles: list[tuple[list[str], str, str]] = []
        for index, pixels in enumerate(images):
            lines = render_image(pixels, (height, width), mode=mode, factor=factor)
            true = str(labels[index]) if index < len(labels) else "?"
            if predicted is not None and index < len(predicted):
                mistake = str(predicted[index]) != str(true)
                label = f"{true}/{predicted[index]}" + (wrong_mark if mistake else "")
                style = "bold reverse $error" if mistake else render.OK_STYLE
            else:
                label, style = true, "bold"
            tiles.append((lines, label, style))
        tile_w = max(max(len(line) for line in lines) for lines, _, _ in tiles)
        tile_w = max(tile_w, 5)
        gap = 2
        available = self.query_one("#digits-grid").size.width or 40
        per_row = max(1, (available + gap) // (tile_w + gap))
        out: list[Content] = []
        for start in range(0, len(tiles), per_row):
            band = tiles[start : start + per_row]
            for r in range(len(band[0][0])):
                out.append(Content(" " * gap).join(Content(t[0][r].ljust(tile_w)) for t in band))
            out.append(
                Content(" " * gap).join(
                    Content.assemble((t[1], t[2]), " " * (tile_w - len(t[1]))) for t in band
                )
            )
        return Content("\n").join(out)


def _confusion_content(text: str, matrix: list[list[int]]) -> Content:
    """The confusion matrix text with its recall column coloured by size."""
    lines = text.split("\n")
    recalls = per_class_accuracy(matrix)
    out = [Content.styled("Confusion matrix", "bold"), Content.styled(lines[0], "bold")]
    out.append(Content(lines[1]))
    for line, recall in zip(lines[2 : 2 + len(matrix)], recalls, strict=False):
        style = "" if recall is None else (render.OK_STYLE if recall >= 0.9 else render.WRONG_STYLE)
        head, _, tail = line.rpartition(" ")
        out.append(Content.assemble(head + " ", (tail, style)))
    out.extend(Content(line) for line in lines[2 + len(matrix) :])
    return Content("\n").join(out)
