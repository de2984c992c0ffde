"""The training engine: gradient descent for MLPs and the perceptron rule, metrics and stop rules.

One engine serves every path (the app's trainer process, `tui-nn train`, the tests). It is driven
step by step (`step_batch`, `run_epoch`) or run until a stop rule or a pause (`run`). Metric events
are the protocol's `Metrics`, sent to `on_event` at most `event_interval_s` apart, so a UI is never
flooded; `summary()` is the run's `Summary`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from tui_nn.data import Dataset, load_dataset, split_indices
from tui_nn.devices import resolve_device
from tui_nn.errors import TrainingError
from tui_nn.model import TaskHead, build_head, build_network
from tui_nn.spec import Preset
from tui_nn.trainer.protocol import (
    EvalPoint,
    LayerWeights,
    Metrics,
    Status,
    StopMark,
    Summary,
)

EventSink = Callable[[Metrics], None]

# Full evaluations cost a forward pass over all data: do one about every this many steps.
EVAL_EVERY_STEPS = 256


@dataclass
class Evaluation:
    train_loss: float
    test_loss: float | None
    train_acc: float | None
    test_acc: float | None
    train_errors: int | None  # misclassified training samples (classification)


@dataclass
class RunState:
    epoch: int = 0  # completed epochs
    step: int = 0  # optimizer steps (perceptron: samples seen)
    status: Status = "ready"  # ready, running, paused, done, diverged, failed
    stop_reason: str | None = None  # converged, target_loss, target_accuracy, patience, epochs, ...
    message: str = ""
    converged: bool = False
    elapsed_s: float = 0.0
    samples: int = 0
    best_loss: float = math.inf
    best_epoch: int = 0
    last_eval: Evaluation | None = None
    stops: list[StopMark] = field(default_factory=list)


def release_device_memory(device: torch.device) -> None:
    """Hand cached blocks back to the GPU so that a new run (or another program) can use them."""
    import gc

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


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
        self.on_epoch_end = (
            on_epoch_end  # e.g. checkpoints: an epoch's end is a point to resume from
        )
        self.device = resolve_device(preset.train.device)
        self.on_event = on_event
        self.event_interval_s = event_interval_s
        self.dataset = (
            dataset if dataset is not None else load_dataset(preset.data, preset.train.seed)
        )
        self._split_seed = preset.data.seed if preset.data.seed is not None else preset.train.seed
        train_idx, test_idx = split_indices(
            len(self.dataset), preset.data.test_fraction, self._split_seed
        )
        # Membership comes from the seed; the order stays the data's own (truth-table order).
        train_idx, test_idx = train_idx.sort().values, test_idx.sort().values
        self.x_train = self.dataset.x[train_idx].to(self.device)
        self.x_test = self.dataset.x[test_idx].to(self.device)
        self.train_idx, self.test_idx = train_idx, test_idx
        self.is_perceptron = preset.model.kind == "perceptron"
        self.reset()
        targets = self.head.targets
        self.t_train = targets[train_idx].to(self.device)
        self.t_test = targets[test_idx].to(self.device)
        self.y_train = self.dataset.y[train_idx].to(self.device)
        self.y_test = self.dataset.y[test_idx].to(self.device)
        self.n_train = len(train_idx)
        self.batch_size = min(preset.train.batch_size, self.n_train)
        # Optimizer steps in an epoch; the perceptron rule steps once per sample.
        self.steps_per_epoch = (
            self.n_train if self.is_perceptron else math.ceil(self.n_train / self.batch_size)
        )
        self.eval_every_epochs = max(1, math.ceil(EVAL_EVERY_STEPS / self.steps_per_epoch))
        # Reading a loss back makes the CPU wait for a GPU; there, losses are summed on the device.
        self._sync_each_step = self.device.type == "cpu"

    # -- set-up -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Fresh weights, optimizer and counters, from the preset's seed."""
        train = self.preset.train
        self.network = build_network(self.preset.model, self.dataset.n_features, train.seed)
        self.network.to(self.device)
        head_preset = self.preset
        if self.is_perceptron:
            head_preset = dataclasses.replace(
                self.preset, train=dataclasses.replace(train, loss="perceptron")
            )
        self.head: TaskHead = build_head(head_preset, self.network, self.dataset)
        self.optimizer = self._make_optimizer() if not self.is_perceptron else None
        if self.optimizer is not None:
            self._check_gradient_flows()
        self.generator = torch.Generator(device="cpu").manual_seed(train.seed)
        self.state = RunState()
        self._perm: torch.Tensor | None = None
        self._pos = 0
        self._epoch_loss_sum = 0.0
        self._epoch_errors = 0
        self._seen_weights: set[tuple[float, ...]] = set()
        self._last_eval_epoch = -1
        self._pending_evals: list[EvalPoint] = []  # evaluations since the last event
        self._reset_window()

    def _make_optimizer(self) -> torch.optim.Optimizer | None:
        train = self.preset.train
        params = [p for p in self.network.parameters() if p.requires_grad]
        if not params:
            return None  # every layer frozen: a hand-wired network, evaluated as it is
        if train.optimizer == "sgd":
            return torch.optim.SGD(
                params,
                lr=train.learning_rate,
                momentum=train.momentum,
                weight_decay=train.weight_decay,
            )
        if train.optimizer == "rmsprop":
            return torch.optim.RMSprop(
                params, lr=train.learning_rate, weight_decay=train.weight_decay
            )
        return torch.optim.Adam(params, lr=train.learning_rate, weight_decay=train.weight_decay)

    def _check_gradient_flows(self) -> None:
        """Step and sign have no gradient: gradient descent cannot train a layer before one."""
        trainable_seen = False
        for index, module in enumerate(self.head.train_net):
            if any(p.requires_grad for p in module.parameters()):
                trainable_seen = True
            name = type(module).__name__
            if trainable_seen and name in ("Step", "Sign"):
                raise TrainingError(
                    f"model.layers[{index // 2}] uses {name.lower()}, which has no gradient, so "
                    "gradient descent cannot train the layers before it: use a smooth activation "
                    "(sigmoid, tanh, relu), the perceptron loss for a step/sign output, or "
                    "trainable = false on those layers"
                )

    def _reset_window(self) -> None:
        self._window_loss: float | torch.Tensor = 0.0
        self._window_steps = 0
        self._window_samples = 0
        self._window_start = time.perf_counter()

    # -- controls ---------------------------------------------------------------------------

    @property
    def learning_rate(self) -> float:
        return self.preset.train.learning_rate

    def set_learning_rate(self, lr: float) -> None:
        if not (math.isfinite(lr) and lr > 0):
            raise TrainingError(f"learning rate must be a positive number, got {lr}")
        self.preset = dataclasses.replace(
            self.preset, train=dataclasses.replace(self.preset.train, learning_rate=lr)
        )
        if self.optimizer is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = lr

    @property
    def finished(self) -> bool:
        return self.state.status in ("done", "diverged", "failed")

    # -- stepping ---------------------------------------------------------------------------

    def step_batch(self) -> None:
        """One optimizer step (perceptron: one sample), then the epoch's end if it was the last."""
        if self.finished:
            return
        if self.optimizer is None and not self.is_perceptron:
            self._evaluate_frozen()
            return
        started = time.perf_counter()
        try:
            if self.is_perceptron:
                self._perceptron_sample()
            else:
                self._gradient_step()
            if self._pos >= self.n_train:
                self._end_epoch()
        except torch.OutOfMemoryError:
            self._out_of_memory()
        self.state.elapsed_s += time.perf_counter() - started

    def run_epoch(self) -> None:
        """Train to the end of the current epoch."""
        target = self.state.epoch + 1
        self.run(until_epoch=target)

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
        if self.optimizer is None and not self.is_perceptron:
            self._evaluate_frozen()
            self._emit()
            return state
        limit = self.preset.train.epochs if until_epoch is None else until_epoch
        state.status = "running"
        step = self._perceptron_sample if self.is_perceptron else self._gradient_step
        started = last = time.perf_counter()
        next_check = started + check_interval_s
        next_event = self._window_start + self.event_interval_s
        try:
            while state.status == "running" and state.epoch < limit:
                step()
                if self._pos >= self.n_train:
                    self._end_epoch()
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

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor, int]:
        n, size = self.n_train, self.batch_size
        if size >= n:
            # A full batch is the same set in any order: skip the permutation.
            self._pos = n
            return self.x_train, self.t_train, n
        if self._pos == 0 or self._perm is None:
            if self.preset.train.shuffle:
                self._perm = torch.randperm(n, generator=self.generator).to(self.device)
            else:
                self._perm = torch.arange(n, device=self.device)
        idx = self._perm[self._pos : self._pos + size]
        self._pos += size
        return self.x_train[idx], self.t_train[idx], len(idx)

    def _gradient_step(self) -> None:
        x, t, count = self._batch()
        out = self.head.train_net(x)
        loss = self.head.loss_fn(out, t)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        state = self.state
        state.step += 1
        state.samples += count
        self._window_steps += 1
        self._window_samples += count
        if self._sync_each_step:
            value = loss.item()
            if not math.isfinite(value):
                self._diverge(value)
                return
            self._window_loss += value
        else:
            self._window_loss = self._window_loss + loss.detach()

    def _perceptron_sample(self) -> None:
        """The lesson's rule on one sample: if misclassified, w += eta*x*t and b += eta*t (t in -1/1)."""
        n = self.n_train
        if self._pos == 0:
            if self.preset.train.shuffle:
                self._perm = torch.randperm(n, generator=self.generator)
            else:
                self._perm = torch.arange(n)
                self._check_cycle()
        index = int(self._perm[self._pos])
        self._pos += 1
        linear = self.network[0]
        x = self.x_train[index]
        t = float(self.t_train[index])  # -1 or 1
        with torch.no_grad():
            a = float(linear.weight[0] @ x + linear.bias[0])
            predicted_positive = a > 0 if self.head.strict else a >= 0
            if predicted_positive != (t > 0):
                eta = self.preset.train.learning_rate
                linear.weight[0] += eta * x * t
                linear.bias[0] += eta * t
                self._epoch_errors += 1
        self.state.step += 1
        self.state.samples += 1
        self._window_steps += 1
        self._window_samples += 1

    def _check_cycle(self) -> None:
        """Without shuffling the rule is deterministic: weights seen before at an epoch's start
        mean it will cycle for ever, which happens only when the data is not linearly separable."""
        linear = self.network[0]
        key = tuple(torch.cat([linear.weight[0], linear.bias]).tolist())
        if key in self._seen_weights and self.state.epoch > 0:
            self.state.stop_reason = "cycling"
        self._seen_weights.add(key)

    def _end_epoch(self) -> None:
        state = self.state
        self._pos = 0
        state.epoch += 1
        if self.is_perceptron:
            errors = self._epoch_errors
            self._epoch_errors = 0
            self._evaluate_and_check(perceptron_errors=errors)
        elif state.epoch % self.eval_every_epochs == 0:
            self._evaluate_and_check()
        if self.on_epoch_end is not None and state.status != "diverged":
            self.on_epoch_end(self)

    # -- evaluation and stop rules ----------------------------------------------------------

    @torch.no_grad()
    def evaluate(self) -> Evaluation:
        head = self.head
        self.network.eval()
        train_out = head.train_net(self.x_train)
        train_loss = float(head.loss_fn(train_out, self.t_train))
        train_acc = errors = None
        if head.classification:
            wrong = head.predict(train_out) != self.y_train
            errors = int(wrong.sum())
            train_acc = 1.0 - errors / max(1, self.n_train)
        test_loss = test_acc = None
        if len(self.x_test):
            test_out = head.train_net(self.x_test)
            test_loss = float(head.loss_fn(test_out, self.t_test))
            if head.classification:
                test_acc = float((head.predict(test_out) == self.y_test).float().mean())
        self.network.train()
        if self.is_perceptron:
            train_loss = float(errors)
            if test_acc is not None:
                test_loss = float(round((1 - test_acc) * len(self.x_test)))
        return Evaluation(train_loss, test_loss, train_acc, test_acc, errors)

    def _evaluate_and_check(self, perceptron_errors: int | None = None) -> None:
        state = self.state
        result = self.evaluate()
        if perceptron_errors is not None:
            result.train_loss = float(perceptron_errors)  # the rule's cost: errors met in the epoch
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
        train = self.preset.train
        if perceptron_errors is not None:
            if perceptron_errors == 0:
                self._stop(
                    "converged", f"converged: no misclassified samples in epoch {state.epoch}"
                )
            elif state.stop_reason == "cycling":
                self._stop(
                    "not_separable",
                    "did not converge: the perceptron rule cycles through the same weights, "
                    "so the data is not linearly separable",
                    converged=False,
                )
            return
        monitored_loss = result.test_loss if result.test_loss is not None else result.train_loss
        monitored_acc = result.test_acc if result.test_acc is not None else result.train_acc
        if monitored_loss < state.best_loss:
            state.best_loss, state.best_epoch = monitored_loss, state.epoch
        which = "test" if result.test_loss is not None else "train"
        if train.target_loss is not None and monitored_loss <= train.target_loss:
            self._stop("target_loss", f"reached the target {which} loss {train.target_loss:g}")
        elif (
            train.target_accuracy is not None
            and monitored_acc is not None
            and monitored_acc >= train.target_accuracy
        ):
            self._stop(
                "target_accuracy",
                f"reached the target {which} accuracy {train.target_accuracy:.0%}",
            )
        elif train.patience is not None and state.epoch - state.best_epoch >= train.patience:
            self._stop(
                "patience",
                f"stopped early: no better {which} loss for {train.patience} epochs "
                f"(best at epoch {state.best_epoch})",
                converged=False,
            )

    def _evaluate_frozen(self) -> None:
        self._evaluate_and_check()
        if self.finished:
            return
        result = self.state.last_eval
        accuracy = (
            f": {result.train_acc:.0%} of the training samples right"
            if result.train_acc is not None
            else ""
        )
        self._stop(
            "frozen",
            f"every layer is frozen (trainable = false), so there is nothing to train; "
            f"the network as set gets{accuracy or ' the loss shown'}",
            converged=result.train_acc == 1.0,
        )

    def set_weights(self, layers: list[LayerWeights]) -> None:
        """Hand-set weights and biases, one entry per layer (None keeps a layer's values)."""
        linears = list(self.network)[::2]
        if len(layers) != len(linears):
            raise TrainingError(f"expected weights for {len(linears)} layers, got {len(layers)}")
        with torch.no_grad():
            for index, (linear, given) in enumerate(zip(linears, layers, strict=True)):
                for name, target, rows in (
                    ("weights", linear.weight, given.weights),
                    ("bias", linear.bias, given.bias),
                ):
                    if rows is None:
                        continue
                    value = torch.tensor(rows, dtype=target.dtype)
                    if value.shape != target.shape or not torch.isfinite(value).all():
                        raise TrainingError(
                            f"layer {index} {name}: expected finite numbers of shape "
                            f"{tuple(target.shape)}, got {tuple(value.shape)}"
                        )
                    target.copy_(value.to(target.device))
        if self.optimizer is not None:
            self.optimizer = self._make_optimizer()  # moments of the old weights no longer apply
        self._seen_weights.clear()
        self.state.status = "paused" if self.state.status == "done" else self.state.status

    def _stop(self, reason: str, message: str, *, converged: bool = True) -> None:
        state = self.state
        state.status, state.stop_reason, state.message, state.converged = (
            "done",
            reason,
            message,
            converged,
        )
        state.stops.append(StopMark(state.epoch, state.step, reason))

    def _finish_budget(self) -> None:
        state = self.state
        if self._last_eval_epoch != state.epoch:
            self._evaluate_and_check()
            if self.finished:
                return
        if self.is_perceptron:
            message = (
                f"did not converge within {state.epoch} epochs: "
                f"{state.last_eval.train_errors} samples still misclassified"
            )
            self._stop("epochs", message, converged=False)
        else:
            self._stop("epochs", f"finished {state.epoch} epochs", converged=False)

    def _out_of_memory(self) -> None:
        """Stop with advice, and give the memory of the failed step back to the device."""
        state = self.state
        size = self.batch_size
        state.status, state.stop_reason, state.converged = "failed", "out_of_memory", False
        state.message = (
            f"out of memory on {self.device} at batch size {size} (step {state.step}): "
            f"try a smaller batch_size, e.g. {max(1, size // 4)}"
        )
        state.stops.append(StopMark(state.epoch, state.step, "out_of_memory"))
        if self.optimizer is not None:
            self.optimizer.zero_grad(set_to_none=True)
        self._window_loss, self._window_steps = 0.0, 0
        release_device_memory(self.device)

    def _diverge(self, value: float) -> None:
        state = self.state
        state.status, state.stop_reason, state.converged = "diverged", "diverged", False
        state.message = (
            f"diverged at step {state.step}: the loss became {value} (not finite); "
            f"try a smaller learning rate than {self.learning_rate:g}"
        )
        state.stops.append(StopMark(state.epoch, state.step, "diverged"))
        self._window_loss, self._window_steps = 0.0, 0

    # -- events -----------------------------------------------------------------------------

    def _emit(self) -> None:
        state = self.state
        now = time.perf_counter()
        span = max(now - self._window_start, 1e-9)
        train_loss = None
        if self._window_steps:
            total = self._window_loss
            if isinstance(total, torch.Tensor):
                total = float(total)
                if not math.isfinite(total):
                    self._diverge(total)
            if self.state.status != "diverged":
                if self.is_perceptron:
                    train_loss = None  # the epoch's error count comes with the evaluation
                else:
                    train_loss = total / self._window_steps
        evals, self._pending_evals = self._pending_evals, []
        latest = evals[-1] if evals else None
        event = Metrics(
            epoch=state.epoch,
            step=state.step,
            train_loss=train_loss,
            samples_per_s=self._window_samples / span,
            elapsed_s=state.elapsed_s,
            lr=self.learning_rate,
            status=state.status,
            eval_train_loss=latest.train_loss if latest else None,
            test_loss=latest.test_loss if latest else None,
            train_acc=latest.train_acc if latest else None,
            test_acc=latest.test_acc if latest else None,
            evals=evals,  # every evaluation since the last event, for per-epoch curves
        )
        self._reset_window()
        if self.on_event is not None and (train_loss is not None or evals or self.finished):
            self.on_event(event)

    def summary(self) -> Summary:
        state = self.state
        result = state.last_eval if state.status != "diverged" else None
        return Summary(
            preset=self.preset.name,
            device=str(self.device),
            status=state.status,
            epochs=state.epoch,
            steps=state.step,
            train_loss=result.train_loss if result else None,
            test_loss=result.test_loss if result else None,
            train_acc=result.train_acc if result else None,
            test_acc=result.test_acc if result else None,
            elapsed_s=state.elapsed_s,
            samples_per_s=state.samples / state.elapsed_s if state.elapsed_s > 0 else 0.0,
            converged=state.converged,
            stop_reason=state.stop_reason,
            message=state.message,
        )
