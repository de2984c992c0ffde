"""The decision map: grids, cells, the perceptron's line, the boundary, points and rendering."""

from __future__ import annotations

import pytest

from tui_nn.lesson.decision_map import (
    LOGIC_BOUNDS,
    MapPoint,
    as_bounds,
    boundary_cells,
    cell_centers,
    cell_of,
    decision_map,
    evaluate_grid,
    grid_inputs,
    line_cells,
    linear_values,
    linspace_cell_bounds,
    padded_bounds,
    shade,
    to_unit,
)

UNIT = (0.0, 1.0, 0.0, 1.0)


def test_cell_centres_and_grid_by_hand() -> None:
    xs, ys = cell_centers(UNIT, 2, 4)
    assert xs == [0.125, 0.375, 0.625, 0.875]
    assert ys == [0.75, 0.25]  # the top row holds the largest x2
    assert evaluate_grid(lambda x, y: x + 10 * y, UNIT, 2, 4) == [
        [7.625, 7.875, 8.125, 8.375],
        [2.625, 2.875, 3.125, 3.375],
    ]
    assert grid_inputs(UNIT, 2, 2) == [(0.25, 0.75), (0.75, 0.75), (0.25, 0.25), (0.75, 0.25)]
    assert linear_values((1, -1), 0.5, UNIT, 1, 2) == [[0.25, 0.75]]


def test_cell_of_points() -> None:
    assert cell_of(0.0, 0.0, UNIT, 4, 4) == (3, 0)  # bottom left
    assert cell_of(1.0, 1.0, UNIT, 4, 4) == (0, 3)  # the far edges belong to the last cells
    assert cell_of(0.3, 0.6, UNIT, 4, 4) == (1, 1)
    assert cell_of(1.01, 0.5, UNIT, 4, 4) is None


def test_bounds_forms() -> None:
    assert as_bounds([[-1, 1], [0, 2]]) == (-1.0, 1.0, 0.0, 2.0)
    assert as_bounds(LOGIC_BOUNDS) == (-0.25, 1.25, -0.25, 1.25)
    assert padded_bounds([(0, 0), (1, 2)], pad=0.1) == pytest.approx((-0.1, 1.1, -0.2, 2.2))
    # A 3x5 linspace grid from 0 to 1 (x) and 0 to 2 (y): samples 0.25 and 1 apart.
    cells = linspace_cell_bounds([[0, 1], [0, 2]], rows=3, cols=5)
    assert cells == (-0.125, 1.125, -0.5, 2.5)
    xs, ys = cell_centers(cells, 3, 5)
    assert xs == pytest.approx([0, 0.25, 0.5, 0.75, 1]) and ys == pytest.approx([2, 1, 0])
    with pytest.raises(ValueError, match="empty bounds"):
        cell_of(0, 0, (1, 0, 0, 1), 2, 2)


def test_a_vertical_and_a_horizontal_line() -> None:
    # x1 = 0.5 (w = (1, 0), b = -0.5): a changes sign in column 1 of 4 (a >= 0 from x1 = 0.5 on).
    vertical = line_cells((1, 0), -0.5, UNIT, 3, 4)
    assert vertical == {(0, 1): "│", (1, 1): "│", (2, 1): "│"}
    horizontal = line_cells((0, 2), -0.9, UNIT, 4, 3, ascii_only=True)  # x2 = 0.45
    assert horizontal == {(2, 0): "-", (2, 1): "-", (2, 2): "-"}
    assert line_cells((0, 0), 1.0, UNIT, 3, 3) == {}


def test_a_diagonal_line_uses_slanted_characters() -> None:
    up = line_cells((1, -1), 0.0, UNIT, 4, 8)  # x2 = x1: up to the right on screen
    assert set(up.values()) == {"╱"} and (0, 7) in up and (3, 0) in up
    down = line_cells((1, 1), -1.0, UNIT, 4, 8, ascii_only=True)  # x2 = 1 - x1
    assert set(down.values()) == {"\\"}


def test_boundary_cells_where_the_class_changes() -> None:
    grid = [
        [0.0, 0.0, 1.0],
        [0.0, 1.0, 1.0],
    ]
    # (0, 1) differs from its right neighbour, (1, 0) from its right one; (0, 0) from neither.
    assert boundary_cells(grid) == {(0, 1), (1, 0)}


def test_shades() -> None:
    values = (0.0, 0.19, 0.2, 0.5, 0.79, 0.8, 1.0, 7.0, -1.0)
    # fifths: [0, 0.2) blank, [0.2, 0.4) light, ..., [0.8, 1] full; clamped outside 0..1
    assert "".join(shade(v) for v in values) == "  ░▒▓███ "
    assert "".join(shade(v, " .:o#") for v in values) == "  .:o### "
    assert shade(float("nan")) == " "
    assert to_unit(-1.0, signed=True) == 0.0 and to_unit(0.25, signed=False) == 0.25


def test_nand_perceptron_map_by_hand() -> None:
    # The rule's final perceptron for NAND: class 1 where -2*x1 - x2 + 3 > 0.
    values = evaluate_grid(lambda x, y: 1.0 if -2 * x - y + 3 > 0 else 0.0, LOGIC_BOUNDS, 6, 12)
    points = [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 0)]
    m = decision_map(values, LOGIC_BOUNDS, points=points, line=((-2, -1), 3), ascii_only=True)
    assert m.text() == "\n".join(
        [
            "#########\\\\ ",
            "##x#######o\\",
            "###########\\",
            "############",
            "############",
            "##x#######x#",
        ]
    )
    assert m.styles[1][10] == "point0" and m.styles[5][2] == "point1"
    assert m.styles[0][9] == "line" and m.styles[0][11] == "class0" and m.styles[3][3] == "class1"
    assert m.values == values and (m.rows, m.cols) == (6, 12)
    framed = m.text(frame=True).splitlines()
    assert framed[0] == "+" + "-" * 12 + "+" and framed[-1] == "x1 -0.25..1.25, x2 -0.25..1.25"


def test_test_points_boundary_and_styles() -> None:
    values = [[0.1, 0.9], [0.4, 0.6]]
    m = decision_map(
        values,
        UNIT,
        points=[MapPoint(0.2, 0.8, 0), MapPoint(0.8, 0.2, 1, test=True), (5.0, 5.0, 1)],
        boundary=True,
    )
    # (0, 0) is on the boundary but holds a point; (0, 1) has class 1 right and below it.
    assert m.chars == [["o", "█"], ["·", "X"]]
    assert m.styles == [["point0", "class1"], ["line", "test1"]]
    plain = decision_map(values, UNIT)
    assert plain.lines() == [" █", "▒▓"]
    with pytest.raises(ValueError, match="differ in length"):
        decision_map([[0.0, 1.0], [0.0]], UNIT)
