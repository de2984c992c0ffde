"""`tui-nn code`: a preset as a standalone, plain PyTorch script ("show the code").

The script needs only torch. On the CPU it trains exactly as the engine does: the same data
(logic gates as literal tensors, synthetic sets and the sine curve drawn by the same code from
the same seed, the bundled digits from a file written beside the script or embedded in it, IDX
folders and CSV files read from `data.path` as tui-nn reads them, with the guesses it made
written out), the same split (seeded, or MNIST's official test files), the same input scaling
(the engine's own `tui_nn.data.scaling` functions, on the training split), the same initial weights
(`torch.manual_seed(seed)` before the layers are made, in the same order), the same loss on the
same targets, optimizer, batch order and stop rules evaluated at the same epochs. The training
itself is the engine's own code: the script carries the source of `tui_nn.training`'s
`gradient_step`, `perceptron_update`, `epoch_order`, `evaluate` and stop rules (`shared`), and
its loop calls them as the trainer does. At the end it saves the trained weights (the state
dict, `torch.save`) to a file beside itself, prints the final metrics and a short `RESULT {json}`
line naming that file, which is how the tests compare it with the engine; `--load` evaluates the
saved weights instead of training.

- `data`: `load_data()` for each data set
- `head`: the network and the task head (targets, loss, predictions)
- `loop`: the engine's training functions, the loop that calls them, the report
- `shared`: the engine's source, read from its files
- `script`: `export_script`, which puts the parts together, and `write_export`

This package must not import torch or textual (the app shows the code without loading torch).
"""

from tui_nn.codegen.data import (
    DEFAULT_NOISE,
    DEFAULT_SAMPLES,
    DEFAULT_SINE_NOISE,
    DIGITS_FILE,
    SYNTHETIC_CONSTANTS,
)
from tui_nn.codegen.script import (
    export_conflicts,
    export_files,
    export_script,
    weights_path,
    write_export,
)

__all__ = [
    "DEFAULT_NOISE",
    "DEFAULT_SAMPLES",
    "DEFAULT_SINE_NOISE",
    "DIGITS_FILE",
    "SYNTHETIC_CONSTANTS",
    "export_conflicts",
    "export_files",
    "export_script",
    "weights_path",
    "write_export",
]
