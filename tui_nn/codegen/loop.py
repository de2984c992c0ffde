"""The exported script's training: tui-nn's own training functions (copied from tui_nn/training),
then the loop that calls them as the engine's trainer does, then the report.

The loop is the trainer's run without its controls (pause, events, checkpoints): gradient descent
steps through seeded shuffled batches, evaluates at the epochs' ends that the engine's schedule
(`tui_nn.training.eval_schedule`) picks by cost, at an epoch whose training loss says the target
loss may be met, and after the last epoch, and checks the stop rules after each evaluation; the
perceptron
rule goes sample by sample and judges every epoch by its misclassified samples. With `--load`
the script evaluates the weights a run of it saved instead of training; the report prints the
figures and saves the weights to WEIGHTS_FILE.
"""

from __future__ import annotations

import textwrap

from tui_nn.codegen.shared import engine_code, engine_constant
from tui_nn.spec import Preset

__all__ = ["REPORT", "SCHEDULE_CONSTANTS", "training_section"]

# The evaluation schedule's constants (the engine's own), as the script's header states them.
SCHEDULE_CONSTANTS = {
    name: engine_constant("training/eval_schedule", name) for name in ("EVAL_SHARE", "CALL_SAMPLES")
}

EVALUATION = [("training/evaluation", "Evaluation"), ("training/evaluation", "evaluate")]
STOP = [("training/stop_rules", "Stop")]
GRADIENT_STOPS = [
    ("training/stop_rules", "watched"),
    ("training/stop_rules", "track_best"),
    ("training/stop_rules", "gradient_stop"),
]

GRADIENT_PIECES = [
    ("training/steps", "gradient_step"),
    ("training/batch_order", "epoch_order"),
    ("training/eval_schedule", "evaluation_interval"),
    ("training/eval_schedule", "train_target_met"),
    *EVALUATION,
    *STOP,
    *GRADIENT_STOPS,
    ("training/stop_rules", "diverged"),
    ("training/stop_rules", "budget_stop"),
]
PERCEPTRON_PIECES = [
    ("training/steps", "perceptron_update"),
    ("training/batch_order", "epoch_order"),
    *EVALUATION,
    ("training/evaluation", "perceptron_costs"),
    *STOP,
    ("training/stop_rules", "weights_repeat"),
    ("training/stop_rules", "perceptron_stop"),
    ("training/stop_rules", "budget_stop"),
]
FROZEN_PIECES = [*EVALUATION, *STOP, *GRADIENT_STOPS, ("training/stop_rules", "frozen_stop")]

SETS = "train_set, test_set = (x_train, t_train, y_train), (x_test, t_test, y_test)\n"

GRADIENT_LOOP = """
generator = torch.Generator().manual_seed(SEED)  # the batches' order
n_train = len(x_train)
batch_size = min(BATCH_SIZE, n_train)
# Evaluations (and the stop rules after them) come at the end of every eval_every-th epoch (by
# their cost), of an epoch whose mean training loss may meet the target, and of the last epoch.
eval_every = evaluation_interval(n_train, len(x_test), math.ceil(n_train / batch_size))

epoch, step, stop, result = 0, 0, None, None
best_loss, best_epoch = math.inf, 0  # the lowest watched loss so far (patience counts from it)
while epoch < EPOCHS and stop is None:
    if batch_size >= n_train:
        batches = [(x_train, t_train)]  # a full batch: the same set in any order
    else:
        order = epoch_order(n_train, SHUFFLE, generator, DEVICE)
        batches = [(x_train[idx], t_train[idx]) for idx in order.split(batch_size)]
    loss_sum = 0.0  # the epoch's step losses
    for x_batch, t_batch in batches:
        loss = gradient_step(train_net, loss_fn, optimizer, x_batch, t_batch).item()
        step += 1
        if not math.isfinite(loss):
            stop, result = diverged(loss, step, LEARNING_RATE), None
            break
        loss_sum += loss
    if stop is not None:
        break
    epoch += 1
    met = train_target_met(loss_sum / len(batches), STOP_RULES["target_loss"], len(x_test))
    if epoch % eval_every == 0 or epoch == EPOCHS or met:
        result = evaluate(train_net, loss_fn, predict, train_set, test_set)
        if not math.isfinite(result.train_loss):
            stop, result = diverged(result.train_loss, step, LEARNING_RATE), None
        else:
            best_loss, best_epoch = track_best(result, epoch, best_loss, best_epoch)
            stop = gradient_stop(result, epoch, best_epoch, **STOP_RULES)
stop = stop or budget_stop(epoch)
"""

PERCEPTRON_LOOP = """
unit = model[0]  # the perceptron's one linear unit: a = w.x + b
generator = torch.Generator().manual_seed(SEED)  # the samples' order
n_train = len(x_train)
seen, cycling = set(), False  # the weights at each epoch's start, to notice a cycle
epoch, stop, result = 0, None, None
while epoch < EPOCHS and stop is None:
    if not SHUFFLE:
        cycling = weights_repeat(unit, seen) or cycling
    errors = 0  # misclassified samples met in this epoch
    for index in epoch_order(n_train, SHUFFLE, generator, "cpu").tolist():
        x_i, t = x_train[index], float(t_train[index])  # t is -1 or 1
        if perceptron_update(unit.weight[0], unit.bias[0], x_i, t, LEARNING_RATE, STRICT):
            errors += 1
    epoch += 1
    result = evaluate(train_net, loss_fn, predict, train_set, test_set)
    result = perceptron_costs(result, errors, len(x_test))
    stop = perceptron_stop(errors, epoch, cycling)
stop = stop or budget_stop(epoch, result.train_errors)
"""

FROZEN = """
# Every layer is frozen (trainable = false): nothing to train, only to evaluate.
epoch, result = 0, evaluate(train_net, loss_fn, predict, train_set, test_set)
stop = gradient_stop(result, 0, 0, **STOP_RULES) or frozen_stop(result)
"""

LOAD_BRANCH = """
if LOAD:  # `--load`: the weights an earlier run saved, evaluated; no training
    if not os.path.isfile(WEIGHTS_FILE):
        raise SystemExit(f"no weights in {WEIGHTS_FILE}: run this script without --load first")
    model.load_state_dict(torch.load(WEIGHTS_FILE, map_location=DEVICE, weights_only=True))
    epoch, stop, result = 0, None, evaluate(train_net, loss_fn, predict, train_set, test_set)
"""

# The weights go to a file, never to the screen (a 784-256-10 network is 4.5 MB of numbers).
REPORT = """
if LOAD:
    print(f"evaluated the weights in {WEIGHTS_FILE}")
else:
    torch.save({name: value.cpu() for name, value in model.state_dict().items()}, WEIGHTS_FILE)
    print(f"stopped after {epoch} epochs: {stop.reason} ({stop.message})")
    print(f"saved the weights in {WEIGHTS_FILE} (`--load` evaluates them)")
if result is not None:
    for key, value in vars(result).items():
        if value is not None:
            print(f"  {key.replace('_', ' ')}: {value:.4g}")
outcome = vars(result) if result is not None else {}
reason = stop.reason if stop is not None else None
summary = {"epochs": epoch, "stop": reason, **outcome, "weights": WEIGHTS_FILE}
print("RESULT " + json.dumps(summary))
"""


def optimizer_line(preset: Preset) -> str:
    train = preset.train
    params = "[p for p in model.parameters() if p.requires_grad]"
    if train.optimizer == "sgd":
        return (
            f"optimizer = torch.optim.SGD(\n    {params},\n    lr=LEARNING_RATE,\n"
            f"    momentum={train.momentum!r},\n    weight_decay={train.weight_decay!r},\n)"
        )
    name = "RMSprop" if train.optimizer == "rmsprop" else "Adam"
    return (
        f"optimizer = torch.optim.{name}(\n    {params},\n    lr=LEARNING_RATE,\n"
        f"    weight_decay={train.weight_decay!r},\n)"
    )


def _train_or_load(loop: str) -> str:
    """The training, under an `else:` of the `--load` branch."""
    return LOAD_BRANCH.lstrip("\n") + "else:\n" + textwrap.indent(loop.strip("\n"), "    ") + "\n"


def training_section(preset: Preset, trainable: bool) -> list[str]:
    """The script's parts from the engine's functions to the end of the loop (or the load)."""
    if preset.model.kind == "perceptron":
        return [engine_code(PERCEPTRON_PIECES), SETS + _train_or_load(PERCEPTRON_LOOP)]
    if not trainable:
        return [engine_code(FROZEN_PIECES), SETS + _train_or_load(FROZEN)]
    loop = _train_or_load(GRADIENT_LOOP)
    return [engine_code(GRADIENT_PIECES), optimizer_line(preset) + "\n\n" + SETS + loop]
