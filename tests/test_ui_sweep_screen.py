"""The sweep screen (s on the runs screen) with a real small sweep in the runs folder: its runs in
a table, sorted by key, reversed and by a click on a column's head, two runs selected and their
curves overlaid with a legend naming each, enter opening a run, escape going back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import status_text, wait_for
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from tui_nn.cli import main
from tui_nn.runs import runs_root
from tui_nn.ui.screens.runs import RunsScreen
from tui_nn.ui.screens.sweep import SweepScreen
from tui_nn.ui.widgets.loss_plot import LossPlot
from tui_nn.ui.widgets.plot_line import overlay_key

SWEEP = "20260105-100000-sweep-circle"
EPOCHS = 5


@pytest.fixture(scope="module")
def made_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Circle (it has a test set): two learning rates times seeds 0 and 1."""
    out = tmp_path_factory.mktemp("sweep") / SWEEP
    args = ["sweep", "circle", "--seeds", "0-1", "--set", "train.learning_rate=0.05,0.5"]
    assert main([*args, "--set", f"train.epochs={EPOCHS}", "--out", str(out)]) == 0
    return out


@pytest.fixture
def sweep(made_sweep: Path) -> Path:
    """The sweep in this test's runs folder, beside a run of its own (newer: listed first)."""
    folder = runs_root() / SWEEP
    shutil.copytree(made_sweep, folder)
    shutil.copytree(folder / "000-learning-rate-0-05-seed-0", runs_root() / "20260106-100000-xor")
    return folder


def column(table: DataTable, key: str) -> list[str]:
    return [str(cell) for cell in table.get_column(key)]


async def test_the_sweep_screen_sorts_selects_overlays_and_opens(fake_app, sweep):
    app = fake_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "loaded")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), "the runs screen")
        runs = app.screen
        await wait_for(pilot, lambda: len(runs.runs) == 5, "the runs listed")
        assert runs.selected() is not None and not runs.selected().sweep
        await pilot.press("s")  # a run of its own: nothing to show, and it says so
        await pilot.pause()
        assert app.screen is runs
        runs.query_one(DataTable).move_cursor(row=2)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen), "the sweep screen")
        screen = app.screen
        await wait_for(pilot, lambda: screen.table is not None, "the sweep read")
        table = screen.query_one(DataTable)
        assert table.row_count == 4
        assert column(table, "run") == ["000", "001", "002", "003"]
        assert column(table, "seed") == ["0", "1", "0", "1"]
        assert column(table, "train.learning_rate") == ["0.05", "0.05", "0.5", "0.5"]
        assert column(table, "epochs") == [str(EPOCHS)] * 4
        heads = [" ".join(str(c.label).split()) for c in table.columns.values()]
        assert heads[1:5] == ["run ▲", "seed", "lr", "train loss"] and "test acc" in heads
        assert table.cursor_row == 1  # the run highlighted on the runs screen

        await pilot.press("s")  # the next column: seed
        assert screen.sort_column == "seed"
        assert column(table, "seed") == ["0", "0", "1", "1"]
        assert column(table, "run") == ["000", "002", "001", "003"]  # ties in the sweep's order
        await pilot.press("r")
        assert column(table, "seed") == ["1", "1", "0", "0"]
        assert str(table.columns[ColumnKey("seed")].label).split() == ["seed", "▼"]
        # a click on the test accuracy's head sorts by it, another reverses
        index = list(table.columns).index("test_acc")
        x = sum(c.get_render_width(table) for c in list(table.columns.values())[:index]) + 1
        await pilot.click(table, offset=(x, 0))
        await wait_for(pilot, lambda: screen.sort_column == "test_acc", "sorted by a click")
        accuracies = [float(text.rstrip("%")) for text in column(table, "test_acc")]
        assert accuracies == sorted(accuracies) and not screen.reverse
        await pilot.click(table, offset=(x, 0))
        await wait_for(pilot, lambda: screen.reverse, "reversed by a second click")
        accuracies = [float(text.rstrip("%")) for text in column(table, "test_acc")]
        assert accuracies == sorted(accuracies, reverse=True)

        # two runs selected: their curves overlaid, the legend naming each by what differs
        paths = [row.path for row in screen.rows]
        for name in ("000-learning-rate-0-05-seed-0", "003-learning-rate-0-5-seed-1"):
            table.move_cursor(row=paths.index(sweep / name))
            await pilot.press("space")
        await wait_for(pilot, lambda: screen.curves_ready, "the curves read")
        await pilot.pause()
        loss = screen.query_one("#sweep-loss-plot", LossPlot)
        acc = screen.query_one("#sweep-acc-plot", LossPlot)
        names = ["lr=0.05 seed 0", "lr=0.5 seed 1"]
        assert [line.label for line in loss.lines] == names
        assert [line.label for line in acc.lines] == names
        for i in range(2):
            assert len(loss.history.points(overlay_key("train_loss", i))[0]) == EPOCHS
            assert acc.history.points(overlay_key("test_acc", i))[0]
        assert loss.lines[0].color != loss.lines[1].color
        assert str(screen.query_one("#sweep-acc-title", Static).render()) == "Test accuracy"
        legend = str(screen.query_one("#sweep-legend", Static).render())
        assert all(name in legend for name in names)
        marks = column(table, "mark")
        assert sum(mark.strip() != "" for mark in marks) == 2
        await pilot.press("space")  # the highlighted (the second selected) off again
        await wait_for(pilot, lambda: len(loss.lines) == 1, "one run left")
        assert loss.lines[0].label == "lr=0.05 seed 0"  # a lone run: named by all it sets
        highlighted = screen.highlighted_path()
        await pilot.press("c")  # none selected: the highlighted run's curves
        await wait_for(pilot, lambda: screen.shown == [highlighted], "the highlighted run")
        assert highlighted == sweep / "003-learning-rate-0-5-seed-1"
        assert column(table, "mark") == [" "] * 4

        await pilot.press("escape")  # back to the runs screen, then in again and open a run
        await wait_for(pilot, lambda: app.screen is runs, "back on the runs screen")
        runs.query_one(DataTable).move_cursor(row=1)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen), "the sweep again")
        await wait_for(pilot, lambda: app.screen.table is not None, "the sweep read again")
        await pilot.press("enter")
        run_id = f"{SWEEP}/000-learning-rate-0-05-seed-0"
        shown = f"run {run_id} (done, {EPOCHS} epochs) shown"
        await wait_for(pilot, lambda: shown in status_text(app), "the run opened")
        assert not isinstance(app.screen, SweepScreen | RunsScreen)
