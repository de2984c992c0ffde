"""A comparison in the app, with a scripted trainer: `j` compares one more variant and `x` one
fewer (each a reload of the preset with its [compare] table); the plots overlay each network's
curves under one legend entry each, the race line shows each network, and the run is DONE only
once all of them are."""

from __future__ import annotations

import dataclasses

from support import SIZE, FakeTrainer, loaded, status_text, wait_for

from tui_nn.presets import preset_from_dict
from tui_nn.presets.compare import variants
from tui_nn.spec import CompareSpec
from tui_nn.trainer import protocol as p
from tui_nn.ui.panes.plots import PlotsPane
from tui_nn.ui.panes.race_line import RaceLine
from tui_nn.ui.screens.dialogs import ConfirmDialog
from tui_nn.ui.widgets.plot_line import overlay_key


class RaceFake(FakeTrainer):
    """Loads a comparison as the trainer does (its variants named in `Loaded`); a start trains
    the lead to its end and the others part way."""

    labels: list[str] = []

    def _do_load(self, command: p.Load) -> None:
        self.epoch = 0
        self.labels = [v.label for v in variants(preset_from_dict(command.preset))]
        compared = command.preset.get("compare", {}).get("key", "")
        self.emit(p.Loaded(**{**loaded().__dict__, "compared": compared, "variants": self.labels}))
        self._state("idle")

    def _do_start(self, command: p.Start) -> None:
        self._state("running")
        for index, _ in enumerate(self.labels):
            epochs = 3 if index == 0 else 2
            points = [p.EpochLoss(e, e, 1.0 / (e + index + 1)) for e in range(1, epochs + 1)]
            status: p.Status = "done" if index == 0 else "running"
            self.emit(
                p.Metrics(epochs, epochs, None, 1.0, 0.1, 0.1, status, epochs=points, variant=index)
            )
        self.epoch = 3
        states = [p.VariantState("done", 3, 3)] + [
            p.VariantState("running", 2, 2) for _ in self.labels[1:]
        ]
        self.emit(p.State("running", 3, 3, variants=states))

    def finish(self) -> None:
        states = [p.VariantState("done", 3, 3) for _ in self.labels]
        self.emit(p.State("done", 3, 3, variants=states))


async def test_variants_are_overlaid_and_the_race_line_shows_each(fake_app) -> None:
    app = fake_app("xor", fake=RaceFake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "the loaded event")
        plots, race = app.query_one(PlotsPane), app.query_one(RaceLine)
        assert not race.display and plots.variants == []
        await pilot.press("j")  # compare xor's own optimizer with another
        await wait_for(pilot, lambda: len(plots.variants) == 2, "two networks")
        assert app.editor.committed.compare is not None
        labels = plots.variants
        assert labels[0] == "optimizer=adam" and labels[1].startswith("optimizer=")
        await wait_for(pilot, lambda: plots.plots is not None, "the plots mounted")
        loss_plot, acc_plot = plots.plots
        assert [line.key for line in loss_plot.lines] == [
            overlay_key("train_loss", 0),
            overlay_key("train_loss", 1),
        ]
        assert [line.key for line in acc_plot.lines] == [
            overlay_key("train_acc", 0),  # xor has no test set: the training accuracy
            overlay_key("train_acc", 1),
        ]
        assert race.display
        await pilot.press("space")
        fake = FakeTrainer.instances[-1]
        await wait_for(
            pilot,
            lambda: len(plots.loss_history.points("train_loss#1")[0]) == 2,
            "the second network's curve",
        )
        assert plots.loss_history.points("train_loss#0")[1] == [0.5, 1 / 3, 0.25]
        assert plots.loss_history.points("train_loss#1")[1] == [1 / 3, 0.25]
        line = race.line()
        assert "adam ep 3" in line and "done" in line
        other = labels[1].partition("=")[2]
        assert f"{other} ep 2" in line
        # The lead is done, the other trains on: the app says RUNNING, not DONE.
        assert status_text(app).startswith(" RUNNING")
        fake.finish()
        await wait_for(pilot, lambda: status_text(app).startswith(" DONE"), "all done")
        await pilot.press("x")  # a run to discard: the app asks first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: plots.variants == [], "one network again")
        assert "the comparison is off" in status_text(app)
        assert app.editor.committed.compare is None and not race.display
        loss_plot, _ = plots.plots
        assert [line.key for line in loss_plot.lines] == ["train_loss", "test_loss"]
        await app.later.settle()


async def test_an_attached_app_draws_each_network_s_history(fake_app) -> None:
    app = fake_app("xor", fake=RaceFake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "the loaded event")
        fake = FakeTrainer.instances[-1]
        labels = ["optimizer=adam", "optimizer=sgd"]
        fake.emit(
            p.Loaded(**{**loaded().__dict__, "compared": "train.optimizer", "variants": labels})
        )
        plots = app.query_one(PlotsPane)
        await wait_for(pilot, lambda: plots.variants == labels, "the comparison")
        for index in range(2):
            points = [p.EpochLoss(e, e, 0.1 * (index + 1)) for e in range(1, 5)]
            fake.emit(p.History(points, [], variant=index))
        await wait_for(
            pilot, lambda: len(plots.loss_history.points("train_loss#1")[0]) == 4, "both histories"
        )
        assert plots.loss_history.points("train_loss#0")[1] == [0.1] * 4
        assert plots.loss_history.points("train_loss#1")[1] == [0.2] * 4
        await app.later.settle()


async def test_a_new_learning_rate_reloads_a_comparison_of_learning_rates(fake_app) -> None:
    app = fake_app("xor", fake=RaceFake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "the loaded event")
        editor = app.editor
        preset = editor.committed
        rates = dataclasses.replace(preset, compare=CompareSpec("train.learning_rate", [0.5]))
        optimizers = dataclasses.replace(preset, compare=CompareSpec("train.optimizer", ["sgd"]))
        for compared, live in ((rates, False), (optimizers, True)):
            editor.committed = compared
            faster = dataclasses.replace(
                compared, train=dataclasses.replace(compared.train, learning_rate=0.2)
            )
            # Networks named by their learning rates: a fresh comparison, not a live change.
            assert (editor.live_changes(faster) is not None) == live
        await app.later.settle()


def test_without_colours_the_race_line_marks_each_network_as_the_plots_do() -> None:
    race = RaceLine(mono=True)
    race.set_variants(["optimizer=adam", "optimizer=sgd"])
    assert race.line().startswith("optimizer  * adam ep 0") and "  o sgd ep 0" in race.line()
    race.mono = False
    assert "• adam" in race.line()
