"""The trainer: data on the device, a network, one of the two learning rules, and the run around
them (stepping, pausing, evaluations at epochs' ends, stop rules, metric events, failures).

One trainer serves every path (the app's trainer process, `tui-nn train`, the tests). It is driven
step by step (`step_batch`, `run_epoch`) or run until a stop rule or a pause (`run`). Metric events
are the protocol's `Metrics`, sent to `on_event` at most `event_interval_s` apart, so a UI is never
flooded, each with the training loss of every epoch since the last (`MetricsWindow`), so nothing
of the run is lost; `summary()` is the run's `Summary`. Evaluations follow `eval_schedule`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import torch

from tui_nn.data import Dataset, load_dataset
from tui_nn.data.scaling import InputScaling
from tui_nn.devices import release_device_memory, resolve_device
from tui_nn.errors import TrainingError
from tui_nn.model import TaskHead, build_head, build_network
from tui_nn.spec import Preset
from tui_nn.trainer.protocol import EvalPoint, LayerWeights, Metrics, Status, Summary
from tui_nn.training.batch_order import BatchOrder
from tui_nn.training.eval_schedule import train_target_met
from tui_nn.training.evaluation import Evaluation, evaluate
from tui_nn.training.hand_weights import copy_layer_weights
from tui_nn.training.input_data import InputData
from tui_nn.training.metrics_window import MetricsWindow, epoch_stride
from tui_nn.training.run_state import (
    RunState,
    eval_point,
    metrics_event,
    record_stop,
    run_summary,
)
from tui_nn.training.stop_rules import Stop, blew_up, diverged, frozen_stop
from tui_nn.training.strategies import EpochProgress, learning_rule, make_optimizer

__all__ = ["EventSink", "RunState", "Trainer", "release_device_memory"]

EventSink = Callable[[Metrics], None]


class Trainer:
    def __init__(
        self,
        preset: Preset,
        *,
        dataset: Dataset | None = None,
        on_event: EventSink | None = None,
        on_epoch_end: Callable[[Trainer], None] | None = None,
        event_interval_s: float = 0.1,
    ) -> None:
        self.preset = preset
        # e.g. checkpoints: an epoch's end is a point to resume from
        self.on_epoch_end = on_epoch_end
        self.on_event = on_event
        self.event_interval_s = event_interval_s
        self.device = resolve_device(preset.train.device)
        self.data = InputData(
            preset,
            dataset if dataset is not None else load_dataset(preset.data, preset.train.seed),
            self.device,
        )
        data = self.data  # the same tensors: restoring a checkpoint's scaling changes them
        self.train_idx, self.test_idx = data.train_idx, data.test_idx
        self.x_train, self.x_test = data.x_train, data.x_test
        self.y_train, self.y_test = data.y_train, data.y_test
        self.n_train = len(self.train_idx)
        self.batch_size = min(preset.train.batch_size, self.n_train)
        self.is_perceptron = preset.model.kind == "perceptron"
        self.reset()

    # -- set-up -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Fresh weights, learning rule and counters, from the preset's seed."""
        preset, train = self.preset, self.preset.train
        self.network = build_network(preset.model, self.dataset.n_features, train.seed)
        self.network.to(self.device)
        if self.is_perceptron:  # its cost is the perceptron criterion's, whatever the preset says
            preset = dataclasses.replace(
                preset, train=dataclasses.replace(train, loss="perceptron")
            )
        self.head: TaskHead = build_head(preset, self.network, self.dataset)
        self.t_train = self.head.targets[self.train_idx].to(self.device)
        self.t_test = self.head.targets[self.test_idx].to(self.device)
        self.generator = torch.Generator(device="cpu").manual_seed(train.seed)  # batches' order
        self.rule = learning_rule(self)  # gradient descent or the perceptron rule
        self.state = RunState()
        self.window = MetricsWindow(self.device)
        self._last_eval_epoch = -1
        self._recorded_eval_epoch = 0
        self._pending_evals: list[EvalPoint] = []  # evaluations since the last event
        self._first_loss: torch.Tensor | None = None  # the first step's, read at an evaluation
        self._start_loss: float | None = None

    @property
    def dataset(self) -> Dataset:
        return self.data.dataset

    @property
    def raw_x(self) -> torch.Tensor:
        return self.data.raw_x

    @property
    def scaling(self) -> InputScaling | None:
        return self.data.scaling

    def scale_inputs(self, x: torch.Tensor) -> torch.Tensor:
        return self.data.scale_inputs(x)

    def restore_scaling(self, scaling: InputScaling) -> None:
        self.data.restore_scaling(scaling)

    def make_optimizer(self) -> torch.optim.Optimizer | None:
        """The preset's optimizer for the network's trainable parameters (None: all frozen)."""
        return make_optimizer(self.network, self.preset.train)

    # -- what the rest of tui-nn reads ------------------------------------------------------

    @property
    def optimizer(self) -> torch.optim.Optimizer | None:
        return self.rule.optimizer

    @property
    def order(self) -> BatchOrder:
        return self.rule.order

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps in an epoch; the perceptron rule steps once per sample."""
        return self.rule.order.steps_per_epoch

    @property
    def eval_every_epochs(self) -> int:
        return self.rule.evaluate_every

    @property
    def epoch_progress(self) -> EpochProgress:
        """Where the current epoch stands (for checkpoints; see `resume_epoch`)."""
        return self.rule.progress()

    def resume_epoch(self, progress: EpochProgress) -> None:
        """Go on mid-epoch from a checkpoint's `epoch_progress`, with the same batches."""
        self.rule.resume(progress)

    @property
    def learning_rate(self) -> float:
        return self.preset.train.learning_rate

    @property
    def start_loss(self) -> float | None:
        """The loss of the run's first step, before any update (None before it, and for the
        perceptron rule): the blow-up rule's reference, kept in checkpoints. Read from the
        device once, when first asked (at an evaluation, which waits for the device anyway)."""
        if self._start_loss is None and self._first_loss is not None:
            self._start_loss, self._first_loss = float(self._first_loss), None
        return self._start_loss

    @start_loss.setter
    def start_loss(self, value: float | None) -> None:
        self._start_loss, self._first_loss = value, None

    @property
    def finished(self) -> bool:
        return self.state.status in ("done", "diverged", "failed")

    # -- controls ---------------------------------------------------------------------------

    def set_learning_rate(self, lr: float) -> None:
        if not (math.isfinite(lr) and lr > 0):
            raise TrainingError(f"learning rate must be a positive number, got {lr}")
        self.preset = dataclasses.replace(
            self.preset, train=dataclasses.replace(self.preset.train, learning_rate=lr)
        )
        self.rule.set_learning_rate(lr)

    def set_epochs(self, epochs: int) -> None:
        """A new budget, also mid-run: a run that its budget ended may go on (`extend`)."""
        if epochs < 1:
            raise TrainingError(f"epochs must be at least 1, got {epochs}")
        self.preset = dataclasses.replace(
            self.preset, train=dataclasses.replace(self.preset.train, epochs=epochs)
        )

    def set_weights(self, layers: list[LayerWeights]) -> None:
        """Hand-set weights and biases, one entry per layer (None keeps a layer's values)."""
        copy_layer_weights(self.network, layers)
        self.rule.weights_changed()
        self.start_loss = None  # hand-set weights: the next step's loss is where it starts
        self.state.status = "paused" if self.state.status == "done" else self.state.status

    # -- stepping ---------------------------------------------------------------------------

    def step_batch(self) -> None:
        """One optimizer step (perceptron: one sample), then the epoch's end if it was the last."""
        if self.finished:
            return
        if not self.rule.can_train:
            self._evaluate_frozen()
            return
        started = time.perf_counter()
        try:
            self._step()
        except torch.OutOfMemoryError:
            self._out_of_memory()
        self.state.elapsed_s += time.perf_counter() - started

    def run_epoch(self) -> None:
        """Train to the end of the current epoch."""
        self.run(until_epoch=self.state.epoch + 1)

    def run(
        self,
        *,
        until_epoch: int | None = None,
        should_pause: Callable[[], bool] | None = None,
        check_interval_s: float = 0.02,
        max_steps: int | None = None,
        turn: bool = False,
    ) -> RunState:
        """Train until a stop rule fires, the epoch budget ends, `until_epoch` is reached, or
        `should_pause()` (asked about every `check_interval_s`) says to pause. After `max_steps`
        steps it returns still "running" (the caller goes on at its pace, or calls `pause`).
        A `turn` of networks side by side sends no event at its end unless the run ended: the
        next turn's or `emit_pending` sends what it trained."""
        state = self.state
        if self.finished:
            return state
        if not self.rule.can_train:
            self._evaluate_frozen()
            self._emit()
            return state
        state.status = "running"
        started = last = time.perf_counter()
        next_check = started + check_interval_s
        next_event = self.window.started + self.event_interval_s
        stop_step = None if max_steps is None else state.step + max_steps
        try:
            while (
                state.status == "running"
                and state.epoch < (self.preset.train.epochs if until_epoch is None else until_epoch)
                and state.step != stop_step
            ):  # the budget is read each step: `set_epochs` applies at once
                self._step()
                now = time.perf_counter()
                if now >= next_check:
                    state.elapsed_s += now - last
                    last = now
                    next_check = now + check_interval_s
                    if now >= next_event:
                        self._emit()
                        next_event = now + self.event_interval_s
                    if should_pause is not None and state.status == "running" and should_pause():
                        state.status = "paused"
        except torch.OutOfMemoryError:
            self._out_of_memory()
        state.elapsed_s += time.perf_counter() - last
        if state.status == "running":
            if state.epoch >= self.preset.train.epochs:
                self._finish_budget()
            elif state.step != stop_step:
                state.status = "paused"
        if not turn or self.finished:
            self._emit()
        return state

    def emit_pending(self) -> None:
        """The event of what was trained since the last (after turns)."""
        self._emit()

    def pause(self) -> None:
        """A run left "running" by `run(max_steps=...)` is paused."""
        if self.state.status == "running":
            self.state.status = "paused"

    def extend(self) -> bool:
        """Let a run that ended by its budget or a stop rule ("done") train on (`n` after DONE):
        it is paused, and an epoch beyond its budget ends it again. False for a run that
        diverged or failed, which has nothing sound to go on from."""
        if self.state.status != "done":
            return False
        self.state.status = "paused"
        return True

    def _step(self) -> None:
        samples, loss = self.rule.step()
        if loss is not None and self._first_loss is None and self._start_loss is None:
            self._first_loss = loss.detach()
        state = self.state
        state.step += 1
        state.samples += samples
        not_finite = self.window.add(samples, loss)
        if not_finite is not None:
            self._diverge(not_finite)  # a failed step does not end its epoch
        elif self.rule.order.epoch_done:
            self._end_epoch()

    def _end_epoch(self) -> None:
        state = self.state
        self.rule.end_epoch()
        state.epoch += 1
        self.window.end_epoch(state.epoch, state.step)
        if state.epoch % self.rule.evaluate_every == 0 or self._train_target_met():
            self._evaluate_and_check()
        if self.on_epoch_end is not None and state.status != "diverged":
            self.on_epoch_end(self)

    # -- evaluation and stop rules ----------------------------------------------------------

    def _train_target_met(self) -> bool:
        """The epoch's training loss, where it is on the host already (a CPU run), says that a
        target on the training loss may be met: evaluate now, not at the next scheduled one."""
        loss = self.window.last_epoch_loss
        target = self.preset.train.target_loss
        return loss is not None and train_target_met(loss, target, len(self.x_test))

    def evaluate(self) -> Evaluation:
        """The whole training and test sets, as the learning rule counts its cost."""
        head = self.head
        predict = head.predict if head.classification else None
        result = evaluate(
            head.train_net,
            head.loss_fn,
            predict,
            (self.x_train, self.t_train, self.y_train),
            (self.x_test, self.t_test, self.y_test),
        )
        return self.rule.cost(result)

    def _evaluate_and_check(self) -> None:
        state = self.state
        result = self.evaluate()
        state.last_eval = result
        self._last_eval_epoch = state.epoch
        point = eval_point(state, result)
        if not math.isfinite(result.train_loss):
            self._diverge(result.train_loss)
        elif not self._check_blow_up(result.train_loss):
            stop = self.rule.stop_rule(result, state, self.preset.train)
            if stop is not None:
                self._stop(stop)
        # Recorded as the epochs are (one per `epoch_stride`), and always the run's last.
        stride = epoch_stride(state.epoch)
        if self.finished or state.epoch // stride > self._recorded_eval_epoch // stride:
            self._recorded_eval_epoch = state.epoch
            self._pending_evals.append(point)

    def _check_blow_up(self, train_loss: float) -> bool:
        """Stop as diverged when the (finite) training loss blew up from the run's start."""
        start = self.start_loss
        if start is None or not math.isfinite(start):
            return False
        blown = blew_up(train_loss, start, self.state.epoch, self.learning_rate)
        if blown is None:
            return False
        self._stop(blown, "diverged")
        self.window.drop_losses()
        return True

    def _evaluate_frozen(self) -> None:
        self._evaluate_and_check()
        if not self.finished and self.state.last_eval is not None:
            self._stop(frozen_stop(self.state.last_eval))

    def _finish_budget(self) -> None:
        state = self.state
        if self._last_eval_epoch != state.epoch:
            self._evaluate_and_check()
            if self.finished:
                return
        self._stop(self.rule.budget_stop(state))

    def _stop(self, stop: Stop, status: Status = "done") -> None:
        record_stop(self.state, stop, status)

    def _diverge(self, value: float) -> None:
        self._stop(diverged(value, self.state.step, self.learning_rate), "diverged")
        self.window.drop_losses()

    def _out_of_memory(self) -> None:
        """Stop with advice, and give the memory of the failed step back to the device."""
        size = self.batch_size
        message = (
            f"out of memory on {self.device} at batch size {size} (step {self.state.step}): "
            f"try a smaller batch_size, e.g. {max(1, size // 4)}"
        )
        self._stop(Stop("out_of_memory", message, converged=False), "failed")
        if self.optimizer is not None:
            self.optimizer.zero_grad(set_to_none=True)
        self.window.drop_losses()
        release_device_memory(self.device)

    # -- events -----------------------------------------------------------------------------

    def _emit(self) -> None:
        state = self.state
        window = self.window
        train_loss = window.mean_loss()  # on a GPU: the one read-back of this window's losses
        if train_loss is not None and not math.isfinite(train_loss):
            self._diverge(train_loss)
        elif train_loss is not None and not self.finished:
            self._check_blow_up(train_loss)  # between evaluations too: ~10 times a second
        if state.status == "diverged":
            train_loss = None
        evals, self._pending_evals = self._pending_evals, []
        epochs = window.take_epochs()
        event = metrics_event(
            state,
            train_loss=train_loss,
            samples_per_s=window.samples_per_s(time.perf_counter()),
            lr=self.learning_rate,
            evals=evals,
            epochs=epochs,
        )
        window.reset()
        news = train_loss is not None or evals or epochs or self.finished
        if self.on_event is not None and news:
            self.on_event(event)

    def summary(self) -> Summary:
        return run_summary(self.state, preset=self.preset.name, device=str(self.device))
