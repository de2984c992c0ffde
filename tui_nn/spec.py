"""The preset model: what a preset file says, as plain dataclasses (no torch, no textual).

`tui_nn.presets` reads and writes these from TOML and validates them; the names allowed for
activations, losses, optimizers, data sets and initialisations live here so that every
part of the program (loader, model builder, UI choices) agrees on them. The numeric limits
of the fields are in `tui_nn.presets.limits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCHEMA_VERSION = 1

ACTIVATIONS = (
    "identity",
    "step",
    "sign",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "gelu",
    "softmax",
)
LOSSES = ("mse", "bce", "cross_entropy", "perceptron")
OPTIMIZERS = ("sgd", "rmsprop", "adam")
INITS = ("default", "zeros", "uniform", "normal")
MODEL_KINDS = ("mlp", "perceptron")
PERCEPTRON_ACTIVATIONS = ("step", "sign")  # the activations a perceptron (kind "perceptron") takes
LOGIC_SETS = ("and", "or", "nand", "nor", "xor", "xnor", "not", "sprinkler")
SYNTHETIC_SETS = ("circle", "gaussian", "xor-cloud", "spiral")
IDX_SETS = ("mnist", "fashion-mnist")  # images and labels in MNIST's IDX files, in a folder
DATA_SETS = LOGIC_SETS + SYNTHETIC_SETS + ("sine", "digits", *IDX_SETS, "csv")
PATH_SETS = (*IDX_SETS, "csv")  # the sets read from data.path (or --data); the others take none
CSV_SEPARATORS = (",", ";", "\t", "|", " ")  # " ": runs of spaces or tabs (aligned columns)
CSV_DECIMALS = (".", ",")
CSV_MISSING = ("error", "drop", "mean")  # what a missing feature value does
TASKS = ("classification", "regression")
# Sets whose samples are drawn with noise; the UI offers the noise field only for these.
NOISY_SETS = SYNTHETIC_SETS + ("sine",)
# The keys a comparison ([compare]) may vary, one per comparison; N is a layer's index.
COMPARE_KEYS = (
    "train.optimizer",
    "train.learning_rate",
    "train.batch_size",
    "train.loss",
    "train.momentum",
    "train.weight_decay",
    "model.init",
    "model.layers.N.units",
    "model.layers.N.activation",
)
MAX_VARIANTS = 6  # the preset and up to 5 others: more curves than this cannot be told apart


@dataclass
class DataSpec:
    set: str = "xor"
    test_fraction: float = 0.0  # share of samples held out for testing, split once by seed
    samples: int | None = None  # sample count (synthetic sets) or a cap (digits, mnist, csv)
    noise: float | None = None  # noise level of synthetic sets
    seed: int | None = None  # data seed; the train seed when absent
    path: str | None = None  # folder (mnist, fashion-mnist) or file (csv)
    # csv: the label column, by name (a string) or 0-based index (an integer); the last if absent
    label_column: str | int | None = None
    separator: str | None = None  # csv: one of CSV_SEPARATORS; sniffed if absent
    decimal: str | None = None  # csv: "." or ","; decimal commas are noticed if absent
    header: bool | None = None  # csv: whether line 1 names the columns; detected if absent
    drop_columns: list[str | int] | None = None  # csv: names or indices; absent: a pandas index
    missing: str | None = None  # csv: one of CSV_MISSING; "error" if absent
    task: str | None = None  # csv: one of TASKS; regression if absent and a label has a fraction
    # Standardise the inputs with the training split's mean and standard deviation. Absent: on for
    # csv (columns in any units), off for the built-in sets (already scaled to about -1..1 or 0..1).
    standardize: bool | None = None


def standardizes(spec: DataSpec) -> bool:
    """Whether the inputs of this data are standardised (see `DataSpec.standardize`)."""
    return spec.standardize if spec.standardize is not None else spec.set == "csv"


@dataclass
class LayerSpec:
    units: int = 1
    activation: str = "identity"
    trainable: bool = True  # false freezes the layer (random projections)
    weights: list[list[float]] | None = None  # hand-set weights, one row per unit
    bias: list[float] | None = None  # hand-set biases, one per unit


@dataclass
class ModelSpec:
    kind: str = "mlp"
    init: str = "default"
    layers: list[LayerSpec] = field(default_factory=lambda: [LayerSpec()])


@dataclass
class TrainSpec:
    loss: str = "mse"
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.0  # sgd only
    weight_decay: float = 0.0
    batch_size: int = 32
    epochs: int = 100
    shuffle: bool = True
    seed: int = 0
    device: str = "auto"
    target_loss: float | None = None  # stop once the monitored loss is at or below this
    target_accuracy: float | None = None  # stop once the monitored accuracy (0..1) reaches this
    patience: int | None = None  # stop after this many epochs without a better monitored loss
    pace: float | None = None  # the app's pace, steps a second (None: full speed); CLI ignores it


@dataclass
class CompareSpec:
    """Train variants of the preset side by side: the preset itself, then one variant for each
    of `values`, each with `key` (one of `COMPARE_KEYS`) set to that value and all else equal."""

    key: str = "train.optimizer"
    values: list[str | int | float] = field(default_factory=list)


@dataclass
class Preset:
    name: str = "untitled"
    description: str = ""
    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    compare: CompareSpec | None = None
    schema: int = SCHEMA_VERSION


def parameter_count(units: list[int], n_inputs: int) -> int:
    """Weights and biases of fully connected layers of these sizes on `n_inputs` inputs."""
    total, fan_in = 0, n_inputs
    for n in units:
        total += fan_in * n + n
        fan_in = n
    return total
