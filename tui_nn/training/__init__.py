"""Training, in small named pieces that read next to the lecture.

- `steps`: the two learning rules, one step each (`gradient_step`, `perceptron_update`)
- `batch_order`: the seeded order of each epoch's samples, resumable mid-epoch
- `evaluation`: loss and accuracy on the whole training and test sets
- `stop_rules`: target loss, target accuracy, patience, converged, cycling: why to stop, or None
- `metrics_window`: the loss since the last event and each epoch's, summed on the device (no
  per-step GPU wait)
- `eval_schedule`: when to evaluate, by cost, the same from run to run
- `strategies`: gradient descent and the perceptron rule, driven the same way by the trainer
- `run_state`: the run's `RunState`, its stops, and the `Metrics` and `Summary` made of it
- `hand_weights`: hand-set weights (`SetWeights`), checked and copied into the network
- `trainer`: the `Trainer` that composes them into a run

`tui-nn code` copies the source of `steps`, `batch_order.epoch_order`, `evaluation`,
`eval_schedule` and `stop_rules` into the scripts it exports (see `tui_nn.codegen.shared`), so what it shows is this code.
"""

from tui_nn.training.evaluation import Evaluation
from tui_nn.training.steps import gradient_step, perceptron_update
from tui_nn.training.strategies import EpochProgress
from tui_nn.training.trainer import RunState, Trainer, release_device_memory

__all__ = [
    "EpochProgress",
    "Evaluation",
    "RunState",
    "Trainer",
    "gradient_step",
    "perceptron_update",
    "release_device_memory",
]
