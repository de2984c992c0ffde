"""The app at a pace a person can follow: the pace keys, single steps, a run started while the
trainer loads, an app that attaches to a run in progress and gets its whole history, and the
epoch budget changed while a run goes on."""

from __future__ import annotations

from support import SIZE, FakeTrainer, loaded, status_text, wait_for

from tui_nn.trainer import protocol as p
from tui_nn.ui.panes.plots import PlotsPane


async def test_pace_keys_slow_down_speed_up_and_the_status_says_so(fake_app):
    app = fake_app("xor", pace=20.0)  # the lesson preset's own pace
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "the loaded event")
        fake = FakeTrainer.instances[0]
        await wait_for(pilot, lambda: p.SetPace(20.0) in fake.commands, "the preset's pace")
        await wait_for(pilot, lambda: "pace 20/s" in status_text(app), "the pace shown")
        await pilot.press("minus")
        assert fake.commands[-1] == p.SetPace(10.0)
        await wait_for(pilot, lambda: "pace 10/s" in status_text(app), "the slower pace shown")
        await pilot.press("plus")
        await pilot.press("plus")
        assert fake.commands[-1] == p.SetPace(100.0)
        await pilot.press("plus")
        assert fake.commands[-1] == p.SetPace(None)
        assert "pace" not in status_text(app).split("\n")[0]  # full speed: the rate again
        await pilot.press("t")
        assert fake.commands[-1] == p.TrainStep()
        await app.later.settle()


async def test_a_new_trainer_is_told_the_pace(fake_app):
    app = fake_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "the loaded event")
        await pilot.press("minus")
        first = FakeTrainer.instances[0]
        assert first.commands[-1] == p.SetPace(100.0)
        first.crash()
        await wait_for(pilot, lambda: app.link.status == "failed", "the crash")
        await pilot.press("space")  # a new trainer
        await wait_for(pilot, lambda: len(FakeTrainer.instances) > 1, "a restarted trainer")
        second = FakeTrainer.instances[-1]
        await wait_for(pilot, lambda: p.SetPace(100.0) in second.commands, "the pace again")
        await app.later.settle()


class _SlowToLoad(FakeTrainer):
    """Ready and loaded only when the test says so, as a trainer still importing torch."""

    def start(self, *, ready: bool = True) -> None:
        super().start(ready=False)

    def _do_load(self, command: p.Load) -> None:
        self.pending = command

    def become_ready(self) -> None:
        self.emit(p.Ready(protocol=p.PROTOCOL_VERSION, devices=[], pid=0))
        super()._do_load(self.pending)

    def _do_start(self, command: p.Start) -> None:
        if getattr(self, "pending", None) is not None and self.epoch == 0:
            self._state("running")
            for epoch in (1, 2, 3):  # every epoch's loss, from the first
                self.epoch = epoch
                self.emit(
                    p.Metrics(
                        epoch,
                        epoch,
                        0.5,
                        1.0,
                        0.0,
                        0.1,
                        "running",
                        epochs=[p.EpochLoss(epoch, epoch, 1.0 / epoch)],
                    )
                )


async def test_space_while_loading_is_taken_and_the_curve_starts_at_step_zero(fake_app):
    app = fake_app("xor", fake=_SlowToLoad)
    async with app.run_test(size=SIZE) as pilot:
        fake = FakeTrainer.instances[0]
        await wait_for(pilot, lambda: "load" in fake.names(), "the load command")
        assert app.link.status == "loading"
        await pilot.press("space")
        await wait_for(pilot, lambda: "start" in fake.names(), "the start command")
        assert "starts when the trainer is ready" in status_text(app)
        fake.become_ready()
        plots = app.query_one(PlotsPane)
        await wait_for(pilot, lambda: plots.loss_history.last("train_loss") is not None, "curve")
        xs, ys = plots.loss_history.points("train_loss")
        assert xs == [1.0, 2.0, 3.0] and ys[0] == 1.0
        await app.later.settle()


class _RunInProgress(FakeTrainer):
    """A trainer whose run is 200 epochs along when the app attaches: its welcome says so."""

    def start(self, *, ready: bool = True) -> None:
        super().start(ready=ready)
        self.emit(loaded("XOR"))
        self.emit(p.RunOpened("/tmp/tui-nn-test-run"))
        self.emit(
            p.History(
                [p.EpochLoss(e, e, 1.0 / e) for e in range(1, 201)],
                [p.EvalPoint(e, e, 1.0 / e, None, 0.5 + e / 400, None) for e in range(4, 201, 4)],
            )
        )
        self.emit(p.State("running", epoch=200, step=200))
        self.epoch = 200

    def _do_load(self, command: p.Load) -> None:
        pass  # attached: the run's own preset stays


async def test_an_app_attached_mid_run_draws_the_whole_history(fake_app):
    app = fake_app("xor", fake=_RunInProgress)
    async with app.run_test(size=SIZE) as pilot:
        plots = app.query_one(PlotsPane)
        await wait_for(pilot, lambda: plots.loss_history.last("train_loss") is not None, "history")
        xs, _ = plots.loss_history.points("train_loss")
        assert xs[0] == 1.0 and xs[-1] == 200.0 and len(xs) == 200
        acc_xs, _ = plots.acc_history.points("train_acc")
        assert acc_xs[0] == 4.0 and acc_xs[-1] == 200.0
        fake = FakeTrainer.instances[0]
        fake.emit(
            p.Metrics(
                201, 201, None, 1.0, 2.0, 0.1, "running", epochs=[p.EpochLoss(201, 201, 0.004)]
            )
        )
        await wait_for(
            pilot, lambda: plots.loss_history.last("train_loss") == (201.0, 0.004), "live"
        )
        await app.later.settle()


async def test_the_epoch_budget_changes_a_run_without_a_reset(fake_app):
    from support import show_tab, type_into
    from textual.widgets import Input

    from tui_nn.ui.screens.dialogs import ConfirmDialog

    app = fake_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.link.loaded is not None, "the loaded event")
        fake = FakeTrainer.instances[0]
        await pilot.press("space")
        await wait_for(pilot, lambda: app.link.epoch == 3, "a run")
        await show_tab(pilot, "training")
        await type_into(pilot, app.query_one("#epochs", Input), "900")
        await wait_for(pilot, lambda: p.SetEpochs(900) in fake.commands, "the new budget")
        assert not isinstance(app.screen, ConfirmDialog)  # nothing to ask: no reset
        assert fake.names().count("load") == 1 and app.link.epoch == 3
        assert app.editor.committed.train.epochs == 900 and "/900" in status_text(app)
        await app.later.settle()
