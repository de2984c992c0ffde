"""The confusion matrix, per-class and overall accuracy, and its 80-column rendering."""

from __future__ import annotations

import pytest

from tui_nn.lesson.confusion import (
    confusion_matrix,
    overall_accuracy,
    per_class_accuracy,
    render_confusion,
)


def test_matrix_and_accuracies_by_hand() -> None:
    true = [0, 0, 1, 2, 2, 2]
    predicted = [0, 1, 1, 2, 2, 0]
    m = confusion_matrix(true, predicted, 3)
    assert m == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]  # rows true, columns predicted
    assert per_class_accuracy(m) == [0.5, 1.0, pytest.approx(2 / 3)]
    assert overall_accuracy(m) == pytest.approx(4 / 6)
    assert per_class_accuracy([[0, 0], [0, 3]]) == [None, 1.0]
    assert overall_accuracy([[0, 0], [0, 0]]) is None


def test_bad_labels() -> None:
    with pytest.raises(ValueError, match="2 true labels but 1 predictions"):
        confusion_matrix([0, 1], [0], 2)
    with pytest.raises(ValueError, match="not a class 0-1"):
        confusion_matrix([0, 2], [0, 1], 2)


def test_small_render_by_hand() -> None:
    m = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    assert render_confusion(m, ["cat", "dog", "emu"]) == "\n".join(
        [
            "true| cat dog emu  recall",
            "-------------------------",
            "cat |   1   1   ·  50.0%",
            "dog |   ·   1   · 100.0%",
            "emu |   1   ·   2  66.7%",
            "rows: true class, columns: predicted; accuracy 66.7% of 6 samples",
        ]
    )


@pytest.mark.parametrize("per_cell", [7, 7_000, 99_999, 2_500_000])
def test_ten_classes_fit_80_columns(per_cell: int) -> None:
    m = [[per_cell if i == j else i + j for j in range(10)] for i in range(10)]
    text = render_confusion(m, [str(d) for d in range(10)])
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) == 13 and lines[2].startswith("0   |")
    assert lines[2].rstrip().endswith("%")
