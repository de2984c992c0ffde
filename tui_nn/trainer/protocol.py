"""The protocol between the app and its trainer process: every command and every event.

The app (`tui_nn.trainer.client`, in the UI process) and the trainer (`tui_nn.trainer.server`, in a
process of its own) exchange JSON lines over a Unix socket (or the trainer's stdin/stdout). Each line
is one message: a command carries its name under ``"cmd"``, an event under ``"event"``; the other
keys are the fields of the dataclass below of that name. `encode` turns a message into its line and
`decode_command` / `decode_event` turn a line back into the dataclass, checking every field's type,
so that neither side reads a message defensively. Run folders' metrics.jsonl holds the same
`Metrics` and `Summary` lines, read back with `decode_event`.

A connection goes like this:

    app                                     trainer
     |  (connects)                             |
     |  <------------------------------ Ready  |  protocol version, devices, pid
     |  <------- Loaded, Run, History, State ..|  what a newly attached app needs (attach)
     |  Load(preset) ------------------------> |
     |  <------------------------ Loaded, State|  data and network sizes, data overview
     |  Start -------------------------------> |
     |  <------------ Run, State("running")    |  the run folder, at a run's first start
     |  <--------- Metrics, Snapshot, ...      |  ~10 a second while training (every step
     |                                         |  at a SetPace pace)
     |  <---------------------- DeviceStats    |  ~1 a second
     |  <---------------- Summary, State       |  when a stop rule or the budget ends the run
     |  Quit --------------------------------> |  (or Detach: the run goes on in the background)

A preset that compares variants ([compare]) trains them side by side, each a run of its own:
`Loaded.variants` names them, and `RunOpened`, `History`, `Metrics` and `Summary` say which one
they are of in `variant` (0: the preset's own network, which the lesson views show);
`State.variants` says where each stands. Commands apply to all of them.

A trainer sends `Ready` first, with `PROTOCOL_VERSION`; an app refuses a trainer whose version
differs (`check_version`). Change the version whenever a message changes shape.

This module imports neither torch nor Textual: both sides, the CLI and the tests use it.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from tui_nn.lesson.backprop import BackpropResult
from tui_nn.trainer.protocol_codec import ProtocolError as ProtocolError
from tui_nn.trainer.protocol_codec import decode_line, message_from_json, message_to_json
from tui_nn.trainer.protocol_parts import DeviceInfo as DeviceInfo
from tui_nn.trainer.protocol_parts import EpochLoss as EpochLoss
from tui_nn.trainer.protocol_parts import EvalPoint as EvalPoint
from tui_nn.trainer.protocol_parts import GpuStats as GpuStats
from tui_nn.trainer.protocol_parts import LayerWeights as LayerWeights
from tui_nn.trainer.protocol_parts import StopMark as StopMark
from tui_nn.trainer.protocol_parts import VariantState as VariantState
from tui_nn.trainer.view_data import Curve as Curve
from tui_nn.trainer.view_data import DataOverview as DataOverview
from tui_nn.trainer.view_data import DataPoints as DataPoints
from tui_nn.trainer.view_data import DecisionMap as DecisionMap
from tui_nn.trainer.view_data import LayerStats as LayerStats

PROTOCOL_VERSION = 5

Status = Literal["idle", "ready", "running", "paused", "done", "diverged", "failed", "stopped"]


class VersionMismatch(ProtocolError):
    """The other side speaks another version of this protocol."""


# -- commands: app -> trainer ----------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """Build the network and data of a preset (the dict of `tui_nn.presets.preset_to_dict`)."""

    NAME: ClassVar[str] = "load"
    preset: dict[str, Any]


@dataclass(frozen=True)
class Resume:
    """Load a run folder's preset and last checkpoint; `Start` then continues that run."""

    NAME: ClassVar[str] = "resume"
    path: str


@dataclass(frozen=True)
class Start:
    """Train until a stop rule, the epoch budget or a pause."""

    NAME: ClassVar[str] = "start"


@dataclass(frozen=True)
class Pause:
    NAME: ClassVar[str] = "pause"


@dataclass(frozen=True)
class TrainEpoch:
    """Train one more epoch, then pause."""

    NAME: ClassVar[str] = "epoch"


@dataclass(frozen=True)
class TrainStep:
    """One optimizer step (the perceptron rule: one sample), then pause."""

    NAME: ClassVar[str] = "step"


@dataclass(frozen=True)
class SetPace:
    """Train at most `steps_per_s` optimizer steps a second (None: full speed). At a pace, every
    step sends its `Metrics` and, with the views on, its `Snapshot`; applies at once."""

    NAME: ClassVar[str] = "pace"
    steps_per_s: float | None


@dataclass(frozen=True)
class Reset:
    """Fresh weights from the preset's seed; the run so far is closed."""

    NAME: ClassVar[str] = "reset"


@dataclass(frozen=True)
class SetLearningRate:
    """Applies at once, also while training."""

    NAME: ClassVar[str] = "lr"
    value: float


@dataclass(frozen=True)
class SetEpochs:
    """A new epoch budget; applies at once, also while training. Raising it past the end of a
    run that its budget ended lets that run go on (`Start`)."""

    NAME: ClassVar[str] = "set_epochs"
    value: int


@dataclass(frozen=True)
class SetViews:
    """Send `Snapshot`s (for the lesson views) or stop sending them."""

    NAME: ClassVar[str] = "views"
    enabled: bool = True


@dataclass(frozen=True)
class SetWeights:
    NAME: ClassVar[str] = "set_weights"
    layers: list[LayerWeights]


@dataclass(frozen=True)
class WatchBackprop:
    """Send `Backprop` for training sample `sample` (after every change of the weights, and a
    few times a second while training), or stop sending it (None): a hidden view costs nothing."""

    NAME: ClassVar[str] = "backprop"
    sample: int | None
    check: bool = False  # with a finite-difference check of a few weights against autograd


@dataclass(frozen=True)
class BackpropStep:
    """One optimizer step on training sample `sample` alone (the lecture's W <- W - eta dW),
    then `State` and a fresh `Backprop`."""

    NAME: ClassVar[str] = "backprop_step"
    sample: int


@dataclass(frozen=True)
class Quit:
    """Save a checkpoint of the run in progress and end the trainer."""

    NAME: ClassVar[str] = "quit"


Command = (
    Load
    | Resume
    | Start
    | Pause
    | TrainEpoch
    | TrainStep
    | SetPace
    | Reset
    | SetLearningRate
    | SetEpochs
    | SetViews
    | SetWeights
    | WatchBackprop
    | BackpropStep
    | Quit
)


# -- events: trainer -> app ------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The trainer has imported torch and can train: the first event of every connection."""

    NAME: ClassVar[str] = "ready"
    protocol: int
    devices: list[DeviceInfo]
    pid: int


@dataclass(frozen=True)
class Loaded:
    """A preset is loaded: the sizes the panes show and the data the lesson views draw."""

    NAME: ClassVar[str] = "loaded"
    preset: str
    device: str
    n_features: int
    n_classes: int
    input_names: list[str]
    task: str  # "classification" or "regression"
    n_train: int
    n_test: int
    parameters: int
    steps_per_epoch: int  # optimizer steps in an epoch (perceptron: samples)
    overview: DataOverview
    data_note: str = ""  # one line of what the loader guessed (a CSV's separator, MNIST's parts)
    compared: str = ""  # the preset key its variants differ in ("" for a single network)
    variants: list[str] = field(default_factory=list)  # what each sets, e.g. "optimizer=adam"


@dataclass(frozen=True)
class RunOpened:
    """The run folder of the run in progress (at its first start, on resume and on attach)."""

    NAME: ClassVar[str] = "run"
    path: str
    variant: int = 0


@dataclass(frozen=True)
class State:
    """The trainer's state, after every command and whenever it changes."""

    NAME: ClassVar[str] = "state"
    status: Status
    epoch: int = 0
    step: int = 0
    message: str = ""
    lr: float | None = None
    stops: list[StopMark] = field(default_factory=list)
    pace: float | None = None  # steps a second (None: full speed)
    variants: list[VariantState] = field(default_factory=list)  # a comparison's networks


@dataclass(frozen=True)
class Metrics:
    """Training progress since the last `Metrics` (about 10 a second while training).

    `train_loss` is the mean loss of the steps in that window (None when there were none, and
    for the perceptron rule, whose cost is its errors per epoch: see `evals`); `epochs` are the
    training losses of the epochs that ended since the last event (the run's history at the
    resolution of training); `evals` are the evaluations made since the last event, and the
    fields after `status` repeat the latest."""

    NAME: ClassVar[str] = "metrics"
    epoch: int
    step: int
    train_loss: float | None
    samples_per_s: float
    elapsed_s: float
    lr: float
    status: Status
    eval_train_loss: float | None = None
    test_loss: float | None = None
    train_acc: float | None = None
    test_acc: float | None = None
    evals: list[EvalPoint] = field(default_factory=list)
    epochs: list[EpochLoss] = field(default_factory=list)
    variant: int = 0


@dataclass(frozen=True)
class History:
    """What the run in progress has recorded so far (its `Metrics.epochs` and `evals`), sent to a
    newly attached app before `State`, so that its plots start at the run's first step."""

    NAME: ClassVar[str] = "history"
    epochs: list[EpochLoss]
    evals: list[EvalPoint]
    variant: int = 0


@dataclass(frozen=True)
class Snapshot:
    """What the lesson views draw of the network now (only after `SetViews(True)`)."""

    NAME: ClassVar[str] = "snapshot"
    epoch: int
    step: int
    layers: list[LayerStats]
    map: DecisionMap | None = None  # two inputs
    curve: Curve | None = None  # one input
    predicted: list[int] | None = None  # more than two classes
    confusion: list[list[int]] | None = None
    confusion_of: str | None = None  # "test" or "train"


@dataclass(frozen=True)
class Backprop:
    """One training sample's forward and backward pass by the lecture's formulas, next to
    autograd's gradients, and the optimizer's next step (only after `WatchBackprop`)."""

    NAME: ClassVar[str] = "backprop"
    epoch: int
    step: int
    result: BackpropResult | None  # None: the network cannot be shown so (e.g. the perceptron)
    reason: str = ""  # why there is no result


@dataclass(frozen=True)
class Summary:
    """The end of a run: why it stopped and its last evaluation."""

    NAME: ClassVar[str] = "summary"
    preset: str
    device: str
    status: Status
    epochs: int
    steps: int
    train_loss: float | None
    test_loss: float | None
    train_acc: float | None
    test_acc: float | None
    elapsed_s: float
    samples_per_s: float
    converged: bool
    stop_reason: str | None
    message: str
    variant: int = 0


@dataclass(frozen=True)
class DeviceStats:
    """The trainer process and its device, about once a second while an app is attached."""

    NAME: ClassVar[str] = "device_stats"
    device: str
    cpu_percent: float | None  # of one core, by the trainer process
    rss_bytes: int | None  # the trainer's resident memory
    samples_per_s: float | None  # while training
    eta_s: float | None  # time left to the epoch budget at that rate
    gpu: GpuStats | None = None
    note: str = ""  # why the panel shows less (no NVML, a CPU run, ...)


@dataclass(frozen=True)
class Error:
    """A command failed; the message is one line for the user."""

    NAME: ClassVar[str] = "error"
    message: str


@dataclass(frozen=True)
class Exited:
    """The connection ended (made by the client, never sent): the trainer's exit status where it
    is known, and the last line it wrote to its log, or why the trainer was refused."""

    NAME: ClassVar[str] = "exited"
    returncode: int | None
    stderr: str


Event = (
    Ready
    | Loaded
    | RunOpened
    | State
    | Metrics
    | History
    | Snapshot
    | Backprop
    | Summary
    | DeviceStats
    | Error
    | Exited
)
Message = Command | Event

_COMMAND_TYPES: tuple[type[Any], ...] = typing.get_args(Command)
COMMANDS: dict[str, type[Any]] = {cls.NAME: cls for cls in _COMMAND_TYPES}
EVENTS: dict[str, type[Any]] = {cls.NAME: cls for cls in typing.get_args(Event)}


# -- encoding --------------------------------------------------------------------------------


def to_json(message: Message) -> dict[str, Any]:
    """The message as a JSON-ready dict: its name first, then its fields."""
    return message_to_json(message, "cmd" if isinstance(message, _COMMAND_TYPES) else "event")


def encode(message: Message) -> str:
    """One line (with its newline) for the socket or a metrics.jsonl file."""
    return json.dumps(to_json(message), separators=(",", ":"), allow_nan=True) + "\n"


# -- decoding --------------------------------------------------------------------------------


def decode_event(line: str | bytes) -> Event:
    """The event on `line`; `ProtocolError` (one line) when it is not one."""
    return typing.cast(Event, decode_line(line, "event", EVENTS))


def decode_command(line: str | bytes) -> Command:
    """The command on `line`; `ProtocolError` (one line) when it is not one."""
    return typing.cast(Command, decode_line(line, "cmd", COMMANDS))


def event_from_json(body: dict[str, Any]) -> Event:
    """An event from its already-parsed dict."""
    return typing.cast(Event, message_from_json(body, "event", EVENTS))


def check_version(ready: Ready) -> None:
    """Refuse a trainer that speaks another version of this protocol."""
    if ready.protocol != PROTOCOL_VERSION:
        raise VersionMismatch(
            f"the trainer speaks protocol version {ready.protocol} and this app version "
            f"{PROTOCOL_VERSION}: install the same tui-nn for both (or quit that run's app)"
        )
