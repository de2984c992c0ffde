"""A population of same-shaped runs trained as one stacked model in one process.

Each member is a `tui_nn.training.Trainer` built from its own preset, as `tui-nn train` builds
it: its data split, its initial weights (from its seed) and its batch order. The population
stacks the members' weights (member first: a layer's weights are one [members, out, in] tensor),
runs every member's batch through batched matrix products, and steps them with one
`StackedOptimizer`. Each step takes each member's next batch from that member's own
`trainer.order`, so batches, the order's random state and a mid-epoch position are the
member's, exactly as in its single run. Every layer runs batched only where that rounds bit for
bit as the member's own layer does (`StackedNet` checks each shape once), and the optimizer's
updates are elementwise and rounded as torch's, so on the CPU a member's weights are its single
run's, bit for bit (the tests check it).

Bookkeeping follows the trainer's, from its public pieces: at each epoch's end the member's
`rule.end_epoch()`, at the trainer's evaluation cadence (`eval_every_epochs`) its own
`evaluate()` on its own network (the stacked weights are copied back first) and its own stop
rules (`rule.stop_rule`), so stop rules apply per member: a member that stops leaves the stack,
and the others go on. When a member ends, its weights and optimizer moments are copied back
into its trainer, whose `state` then says what a single run's would: the run folder is written
from the trainer by the same `RunSession` lifecycle as `tui-nn train`.

Two things a single run does by the clock are done here at evaluations only: the blow-up rule
(a single run also checks it about ten times a second) and, on a GPU, the check for a loss that
is not finite (on the CPU it is checked every step, as a single run does). On a GPU the epochs'
losses stay on the device until an event reads them all at once, as a trainer reads them.

The stacked model itself (layers, data, losses, evaluations) is `tui_nn.sweep.stacked_net`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch

from tui_nn.sweep.stacked_net import StackedNet, stack_key
from tui_nn.sweep.stacked_optim import StackedOptimizer
from tui_nn.trainer.protocol import EpochLoss, EvalPoint, Metrics
from tui_nn.training import Trainer
from tui_nn.training.eval_schedule import train_target_met
from tui_nn.training.evaluation import Evaluation
from tui_nn.training.metrics_window import epoch_stride
from tui_nn.training.run_state import eval_point, metrics_event, record_stop
from tui_nn.training.stop_rules import blew_up, diverged

__all__ = ["Population", "stack_key"]

_CHECK_EVERY_S = 0.02  # how often `should_stop` is asked, as a trainer asks `should_pause`
_EPOCHS_PER_EVENT = 1000  # a metrics line at least this often between evaluations
_EVENT_EVERY_S = 0.1  # a trainer's `event_interval_s`


class Population:
    def __init__(
        self,
        trainers: list[Trainer],
        *,
        should_stop: Callable[[], bool] | None = None,
        on_epoch: Callable[[int], None] | None = None,
    ) -> None:
        """`trainers` must share one `stack_key`; `on_epoch(n)` is told each epoch's end, with
        the number of members that trained it."""
        keys = {stack_key(trainer) for trainer in trainers}
        if not trainers or None in keys or len(keys) != 1:
            raise ValueError("a population needs trainers with one stack key")
        self.trainers = trainers
        self.should_stop = should_stop
        self.on_epoch = on_epoch
        first = trainers[0]
        self.device = first.device
        self.on_cpu = self.device.type == "cpu"  # reading a loss back costs nothing there
        self.eval_every = first.eval_every_epochs
        self.net = StackedNet(trainers)
        train = first.preset.train
        self.optimizer = StackedOptimizer(
            train.optimizer,
            self.net.trainable(),
            [trainer.learning_rate for trainer in trainers],
            momentum=train.momentum,
            weight_decay=train.weight_decay,
        )
        self.active = list(range(len(trainers)))  # the members in the stack's rows, in order
        self.epoch = self.step = self.samples = 0
        self.elapsed_s = 0.0
        # Losses since the last event and since the last epoch point; summed in float64 on the
        # CPU, as a trainer sums the values it reads there (in float32 on the device elsewhere).
        dtype = torch.float64 if self.on_cpu else torch.float32
        self.loss_sum = torch.zeros(len(trainers), device=self.device, dtype=dtype)
        self.losses = 0
        self.epoch_sum = torch.zeros_like(self.loss_sum)
        self.epoch_losses = 0
        self.epoch_points: list[list[EpochLoss]] = [[] for _ in trainers]
        self.unread: list[tuple[int, int, torch.Tensor]] = []  # epoch points still on a GPU
        self.start_losses: list[float | None] = [None] * len(trainers)
        self.last_eval_epoch = [-1] * len(trainers)
        self.evaluations: list[Evaluation] = []  # those of every row, at `evaluated_at`
        self.evaluated_at = -1
        self.next_event_s = _EVENT_EVERY_S
        self.pending: list[list[EvalPoint]] = [[] for _ in trainers]
        self.events: list[list[Metrics]] = [[] for _ in trainers]  # each member's, in order

    # -- training ---------------------------------------------------------------------------

    def run(self) -> None:
        """Train every member to its end (a stop rule, its budget, divergence), or until
        `should_stop()` says to stop: then the members still training are "paused"."""
        for trainer in self.trainers:
            trainer.state.status = "running"
        started = time.perf_counter()
        next_check = started + _CHECK_EVERY_S
        while self.active:
            self._step()
            self.elapsed_s = time.perf_counter() - started
            if self.active and self.trainers[self.active[0]].order.epoch_done:
                self._end_epoch()
            if self.should_stop is not None and self.active and time.perf_counter() >= next_check:
                next_check = time.perf_counter() + _CHECK_EVERY_S
                if self.should_stop():
                    self._pause_all()

    def _step(self) -> None:
        # Each member's next batch from its own order: its batches, its order's random state.
        batches = [self.trainers[member].order.next_batch() for member in self.active]
        self.optimizer.zero_grad()
        losses, batch_size = self.net.batch_losses(batches)
        losses.sum().backward()  # type: ignore[no-untyped-call]  # members are independent
        self.optimizer.step()
        losses = losses.detach()
        self.step += 1
        self.samples += batch_size
        if self.step == 1:
            for row, value in enumerate(losses.tolist()):
                self.start_losses[self.active[row]] = value
        self.loss_sum += losses
        self.losses += 1
        self.epoch_sum += losses
        self.epoch_losses += 1
        if self.on_cpu:
            finite = torch.isfinite(losses)
            if not bool(finite.all()):
                values = losses.tolist()
                for row in (~finite).nonzero().flatten().tolist():
                    self._diverge(self.active[row], values[row])
                    self._emit(self.active[row])
                self._drop_finished()

    def _end_epoch(self) -> None:
        self.epoch += 1
        points = self._epoch_points()
        scheduled = self.epoch % self.eval_every == 0
        evaluated = False
        for row, member in enumerate(self.active):
            trainer = self.trainers[member]
            trainer.rule.end_epoch()
            self._sync(member)
            # As a trainer does: evaluate now when the epoch's loss (read on the CPU) meets a
            # target on the training loss, rather than at the next scheduled evaluation.
            early = points is not None and train_target_met(
                points[row], trainer.preset.train.target_loss, len(trainer.x_test)
            )
            budget = self.epoch >= trainer.preset.train.epochs
            if scheduled or early:
                self._evaluate(member, row)
                evaluated = True
            if budget and not trainer.finished:
                if self.last_eval_epoch[member] != self.epoch:
                    self._evaluate(member, row)
                if not trainer.finished:
                    record_stop(trainer.state, trainer.rule.budget_stop(trainer.state))
        # Metric events about every `_EVENT_EVERY_S`, as a trainer sends them, and at the end.
        due = evaluated and self.elapsed_s >= self.next_event_s
        crowded = len(self.unread) + len(self.epoch_points[self.active[0]]) >= _EPOCHS_PER_EVENT
        if due or crowded or any(self.trainers[m].finished for m in self.active):
            self.next_event_s = self.elapsed_s + _EVENT_EVERY_S
            self._read_points()
            for member in self.active:
                self._emit(member)
            self.loss_sum.zero_()
            self.losses = 0
        trained = len(self.active)
        self._drop_finished()
        if self.on_epoch is not None:
            self.on_epoch(trained)

    def _epoch_points(self) -> list[float] | None:
        """Each row's mean loss over the epoch (or epochs, beyond `DENSE_EPOCHS`) that just
        ended, a point of its history: read now on the CPU (and returned), kept on a GPU."""
        if self.epoch % epoch_stride(self.epoch) or not self.epoch_losses:
            return None
        means = self.epoch_sum / self.epoch_losses
        self.epoch_sum = torch.zeros_like(self.epoch_sum)
        self.epoch_losses = 0
        if not self.on_cpu:
            self.unread.append((self.epoch, self.step, means))
            return None
        values = means.tolist()
        self._add_points(self.epoch, self.step, values)
        return values

    def _read_points(self) -> None:
        """The epoch points kept on a GPU, in one read; a loss that is not finite diverges."""
        if not self.unread:
            return
        unread, self.unread = self.unread, []
        table = torch.stack([means for _, _, means in unread]).tolist()
        for (epoch, step, _), values in zip(unread, table, strict=True):
            self._add_points(epoch, step, values)
        for row, value in enumerate(table[-1]):
            if not math.isfinite(value):
                self._diverge(self.active[row], value)

    def _add_points(self, epoch: int, step: int, values: list[float]) -> None:
        for row, member in enumerate(self.active):
            if math.isfinite(values[row]):
                self.epoch_points[member].append(EpochLoss(epoch, step, values[row]))

    def _evaluate(self, member: int, row: int) -> None:
        trainer = self.trainers[member]
        state = trainer.state
        if self.evaluated_at != self.epoch:
            self.evaluations, self.evaluated_at = self.net.evaluations(), self.epoch
        result = self.evaluations[row]
        state.last_eval = result
        self.last_eval_epoch[member] = self.epoch
        self.pending[member].append(eval_point(state, result))
        if not math.isfinite(result.train_loss):
            self._diverge(member, result.train_loss)
            return
        start = self.start_losses[member]
        if start is not None and math.isfinite(start):
            blown = blew_up(result.train_loss, start, state.epoch, trainer.learning_rate)
            if blown is not None:
                record_stop(state, blown, "diverged")
                return
        stop = trainer.rule.stop_rule(result, state, trainer.preset.train)
        if stop is not None:
            record_stop(state, stop)

    def _diverge(self, member: int, value: float) -> None:
        trainer = self.trainers[member]
        if trainer.finished:
            return
        self._sync(member)
        record_stop(trainer.state, diverged(value, self.step, trainer.learning_rate), "diverged")

    def _emit(self, member: int) -> None:
        trainer = self.trainers[member]
        state = trainer.state
        train_loss: float | None = None
        if self.losses and state.status != "diverged":
            train_loss = float(self.loss_sum[self.active.index(member)]) / self.losses
        evals, self.pending[member] = self.pending[member], []
        epochs, self.epoch_points[member] = self.epoch_points[member], []
        if train_loss is None and not evals and not epochs and not trainer.finished:
            return  # nothing new, as a trainer sends no event then
        self.events[member].append(
            metrics_event(
                state,
                train_loss=train_loss,
                samples_per_s=state.samples / state.elapsed_s if state.elapsed_s > 0 else 0.0,
                lr=trainer.learning_rate,
                evals=evals,
                epochs=epochs,
            )
        )

    def _sync(self, member: int) -> None:
        state = self.trainers[member].state
        state.epoch, state.step, state.samples = self.epoch, self.step, self.samples
        state.elapsed_s = self.elapsed_s

    def _pause_all(self) -> None:
        self._read_points()
        for member in self.active:
            self._sync(member)
            self.trainers[member].state.status = "paused"
            self._emit(member)
        self._drop_finished()

    # -- members leaving the stack ----------------------------------------------------------

    def _drop_finished(self) -> None:
        """Copy each member that ended (or paused) back into its trainer and out of the stack."""
        gone = [r for r, m in enumerate(self.active) if self.trainers[m].state.status != "running"]
        if not gone:
            return
        self._read_points()  # before the rows change
        for row in gone:
            self._write_back(self.active[row], row)
        kept = [row for row in range(len(self.active)) if row not in gone]
        self.active = [self.active[row] for row in kept]
        if not self.active:
            return
        rows = torch.tensor(kept, device=self.device)
        self.net.keep(rows)
        self.optimizer.keep(rows, self.net.trainable())
        self.loss_sum = self.loss_sum.index_select(0, rows)
        self.epoch_sum = self.epoch_sum.index_select(0, rows)

    def _write_back(self, member: int, row: int) -> None:
        """The member's weights, optimizer moments and first loss, into its trainer."""
        trainer = self.trainers[member]
        self.net.write_weights(member, row)
        trainer.start_loss = self.start_losses[member]
        optimizer = trainer.optimizer
        if optimizer is None:
            return
        params = [p for group in optimizer.param_groups for p in group["params"]]
        for index, param in enumerate(params):
            state = self.optimizer.member_state(index, row)
            if state:
                optimizer.state[param] = {
                    key: value if key == "step" else value.to(param.device)
                    for key, value in state.items()
                }
