"""The confusion matrix of a classifier: rows are the true classes, columns the predicted ones."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "confusion_matrix",
    "overall_accuracy",
    "per_class_accuracy",
    "render_confusion",
]


def confusion_matrix(
    true: Sequence[int], predicted: Sequence[int], n_classes: int
) -> list[list[int]]:
    """counts[t][p]: how many samples of true class t were predicted as class p."""
    if len(true) != len(predicted):
        raise ValueError(f"{len(true)} true labels but {len(predicted)} predictions")
    if n_classes < 1:
        raise ValueError(f"n_classes must be at least 1, not {n_classes}")
    counts = [[0] * n_classes for _ in range(n_classes)]
    for t, p in zip(true, predicted, strict=True):
        t, p = int(t), int(p)
        if not (0 <= t < n_classes and 0 <= p < n_classes):
            raise ValueError(f"label {t} or prediction {p} is not a class 0-{n_classes - 1}")
        counts[t][p] += 1
    return counts


def per_class_accuracy(matrix: Sequence[Sequence[int]]) -> list[float | None]:
    """Per true class, the share predicted right (recall); None for a class with no samples."""
    out: list[float | None] = []
    for i, row in enumerate(matrix):
        total = sum(row)
        out.append(row[i] / total if total else None)
    return out


def overall_accuracy(matrix: Sequence[Sequence[int]]) -> float | None:
    """The share of all samples on the diagonal; None without samples."""
    total = sum(sum(row) for row in matrix)
    if not total:
        return None
    return sum(matrix[i][i] for i in range(len(matrix))) / total


def _count(n: int, width: int) -> str:
    """n in at most `width` characters (1234567 -> 1.2M when it must)."""
    text = str(n)
    if len(text) <= width:
        return text
    for div, suffix in ((1_000, "k"), (1_000_000, "M"), (1_000_000_000, "G")):
        if n >= div:
            short = f"{n / div:.0f}{suffix}"
            if len(short) <= width:
                return short
    return text[:width]


def render_confusion(
    matrix: Sequence[Sequence[int]],
    class_names: Sequence[str] | None = None,
    *,
    width: int = 80,
    zero: str = "·",
) -> str:
    """The matrix as text no wider than `width` (80 columns fit 10 classes with up to 99,999
    samples a cell): a header of predicted classes, one row per true class with its recall,
    and the overall accuracy. Zeros show as `zero` so the diagonal stands out."""
    n = len(matrix)
    names = [str(name) for name in (class_names or range(n))]
    if len(names) != n:
        raise ValueError(f"{len(names)} class names for {n} classes")
    label_w = max(4, max((len(name) for name in names), default=1))
    recall_w = 8  # "  recall" / " 100.0%"
    biggest = max((max(row, default=0) for row in matrix), default=0)
    cell_w = max(len(str(biggest)), max((len(name) for name in names), default=1), 1) + 1
    room = (width - label_w - 1 - recall_w) // max(n, 1)
    cell_w = max(2, min(cell_w, room))
    head = "true".ljust(label_w) + "|" + "".join(name[: cell_w - 1].rjust(cell_w) for name in names)
    lines = [head + "  recall", "-" * (label_w + 1 + cell_w * n + recall_w)]
    recalls = per_class_accuracy(matrix)
    for name, row, recall in zip(names, matrix, recalls, strict=True):
        cells = "".join((zero if v == 0 else _count(v, cell_w - 1)).rjust(cell_w) for v in row)
        shown = "     -" if recall is None else f"{recall:6.1%}"
        lines.append(name[:label_w].ljust(label_w) + "|" + cells + " " + shown)
    acc = overall_accuracy(matrix)
    total = sum(sum(row) for row in matrix)
    acc_text = "-" if acc is None else f"{acc:.1%}"
    lines.append(f"rows: true class, columns: predicted; accuracy {acc_text} of {total} samples")
    return "\n".join(line.rstrip() for line in lines)
