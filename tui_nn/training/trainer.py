"""The trainer: data on the device, a network, one of the two learning rules, and the run around
them (stepping, pausing, evaluations at epochs' ends, stop rules, metric events, failures).

One trainer serves every path (the app's trainer process, `tui-nn train`, the tests). It is driven
step by step (`step_batch`, `run_epoch`) or run until a stop rule or a pause (`run`). Metric events
are the protocol's `Metrics`, sent to `on_event` at most `event_interval_s` apart, so a UI is never
flooded; `summary()` is the run's `Summary`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import torch

from tui_nn.data import Dataset, load_dataset
from tui_nn.data.scaling import InputScaling, fill_missing, fit_scaling
from tui_nn.devices import release_device_memory, resolve_device
from tui_nn.errors import TrainingError
from tui_nn.model import TaskHead, build_head, build_network
from tui_nn.spec import Preset, standardizes
from tui_nn.trainer.protocol import EvalPoint, LayerWeights, Metrics, Status, Summary
from tui_nn.training.batch_order import BatchOrder
from tui_nn.training.evaluation import Evaluation, evaluate
from tui_nn.training.hand_weights import copy_layer_weights
from tui_nn.training.metrics_window import MetricsWindow
from tui_nn.training.run_state import RunState, metrics_event, record_stop, run_summary
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
        self.dataset = (
            dataset if dataset is not None else load_dataset(preset.data, preset.train.seed)
        )
        split_seed = preset.data.seed if preset.data.seed is not None else preset.train.seed
        # Membership comes from the seed (or the data's official test part); the order stays
        # the data's own (truth-table order).
        self.train_idx, self.test_idx = self.dataset.split(preset.data.test_fraction, split_seed)
        # The raw inputs; `dataset.x` has its missing values filled in, `x_train` and `x_test`
        # are also standardised: what the network sees (`scale_inputs`).
        self.raw_x = self.dataset.x
        self.scaling = fit_scaling(
            self.raw_x[self.train_idx],
            fill=preset.data.missing == "mean",
            scale=standardizes(preset.data),
            input_names=self.dataset.input_names,
        )
        if self.scaling is not None and self.scaling.fill is not None:
            self.dataset = dataclasses.replace(
                self.dataset, x=fill_missing(self.raw_x, self.scaling.fill)
            )
        self.x_train = self.scale_inputs(self.dataset.x[self.train_idx]).to(self.device)
        self.x_test = self.scale_inputs(self.dataset.x[self.test_idx]).to(self.device)
        self.y_train = self.dataset.y[self.train_idx].to(self.device)
        self.y_test = self.dataset.y[self.test_idx].to(self.device)
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
        self._pending_evals: list[EvalPoint] = []  # evaluations since the last event
        self._first_loss: torch.Tensor | None = None  # the first step's, read at an evaluation
        self._start_loss: float | None = None

    def scale_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Raw inputs (missing values filled in) as the network takes them: standardised when
        the preset says so, with the training split's statistics."""
        return x if self.scaling is None else self.scaling.apply(x)

    def restore_scaling(self, scaling: InputScaling) -> None:
        """Scale the inputs with a checkpoint's statistics (those the run was trained with)."""
        if self.scaling is None or scaling.kinds() != self.scaling.kinds():
            raise TrainingError("the checkpoint's input scaling does not fit this preset")
        self.scaling = scaling
        if scaling.fill is not None:
            self.dataset = dataclasses.replace(
                self.dataset, x=fill_missing(self.raw_x, scaling.fill)
            )
        with torch.no_grad():  # in place: the learning rule holds these tensors
            self.x_train.copy_(self.scale_inputs(self.dataset.x[self.train_idx]))
            self.x_test.copy_(self.scale_inputs(self.dataset.x[self.test_idx]))

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
    ) -> RunState:
        """Train until a stop rule fires, the epoch budget ends, `until_epoch` is reached, or
        `should_pause()` (asked about every `check_interval_s`) says to pause."""
        state = self.state
        if self.finished:
            return state
        if not self.rule.can_train:
            self._evaluate_frozen()
            self._emit()
            return state
        limit = self.preset.train.epochs if until_epoch is None else until_epoch
        state.status = "running"
        started = last = time.perf_counter()
        next_check = started + check_interval_s
        next_event = self.window.started + self.event_interval_s
        try:
            while state.status == "running" and state.epoch < limit:
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
            else:
                state.status = "paused"
        self._emit()
        return state

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
        if state.epoch % self.rule.evaluate_every == 0:
            self._evaluate_and_check()
        if self.on_epoch_end is not None and state.status != "diverged":
            self.on_epoch_end(self)

    # -- evaluation and stop rules ----------------------------------------------------------

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
        self._pending_evals.append(
            EvalPoint(
                epoch=state.epoch,
                step=state.step,
                train_loss=result.train_loss,
                test_loss=result.test_loss,
                train_acc=result.train_acc,
                test_acc=result.test_acc,
            )
        )
        if not math.isfinite(result.train_loss):
            self._diverge(result.train_loss)
            return
        if self._check_blow_up(result.train_loss):
            return
        stop = self.rule.stop_rule(result, state, self.preset.train)
        if stop is not None:
            self._stop(stop)

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
        event = metrics_event(
            state,
            train_loss=train_loss,
            samples_per_s=window.samples_per_s(time.perf_counter()),
            lr=self.learning_rate,
            evals=evals,
        )
        window.reset()
        if self.on_event is not None and (train_loss is not None or evals or self.finished):
            self.on_event(event)

    def summary(self) -> Summary:
        return run_summary(self.state, preset=self.preset.name, device=str(self.device))
