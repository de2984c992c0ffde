"""The command line's parsers and argument types (no heavy imports: `--help` is instant)."""

from __future__ import annotations

import argparse
import math

from tui_nn import __version__

COMMANDS = (
    "train",
    "sweep",
    "presets",
    "devices",
    "runs",
    "attach",
    "show",
    "code",
    "backprop",
    "export",
)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    from tui_nn.presets.limits import MAX_SEED

    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_SEED}, got {value}")
    return value


def _add_data_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="PATH", help="data folder or file (overrides data.path)")


class OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="tui-nn",
        description="Learn and try neural networks in a terminal. "
        "Without a command, opens the app (with PRESET_OR_FILE loaded if given).",
        epilog="Commands: train, sweep, presets, devices, runs, attach, show, code, backprop, "
        "export. "
        "`tui-nn COMMAND --help` for each.",
    )
    parser.add_argument("--version", action="version", version=f"tui-nn {__version__}")
    parser.add_argument(
        "preset",
        nargs="?",
        metavar="PRESET_OR_FILE",
        help="preset name, .toml file, or a CSV data file to build a preset from",
    )
    _add_data_argument(parser)
    return parser


def build_command_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="tui-nn")
    parser.add_argument("--version", action="version", version=f"tui-nn {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser
    )

    train = commands.add_parser("train", help="train a preset headless and print its metrics")
    train.add_argument(
        "preset",
        nargs="?",
        metavar="PRESET_OR_FILE",
        help="preset name (see `tui-nn presets`), .toml file, or a CSV data file to build "
        "a preset from",
    )
    train.add_argument(
        "--resume", metavar="RUN", help="continue a run (id from `tui-nn runs`, path, or latest)"
    )
    train.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (default: the preset's)")
    train.add_argument("--epochs", type=_positive_int, help="epoch budget")
    train.add_argument("--seed", type=_seed, help="random seed")
    train.add_argument("--lr", type=_positive_float, help="learning rate")
    _add_data_argument(train)
    train.add_argument(
        "--out",
        metavar="DIR",
        help="the run folder (default: a new folder in the user's runs folder)",
    )
    train.add_argument(
        "--checkpoint-every",
        type=_positive_float,
        default=30.0,
        metavar="SECONDS",
        help="seconds between checkpoints (default 30; also at the end)",
    )
    train.add_argument(
        "--json", action="store_true", help="one JSON object a line; the last is the summary"
    )

    sweep = commands.add_parser(
        "sweep",
        help="train a grid of a preset's variants and seeds, stacked where they share a shape",
        description="Train a grid of a preset's variants and seeds, stacked where they share a "
        "shape. A preset with a [compare] table sweeps its compared key over the preset's own "
        "value and the table's values, times any --set keys; a --set of the compared key takes "
        "the table's place.",
    )
    sweep.add_argument("preset", metavar="PRESET_OR_FILE", help="preset name, .toml or CSV file")
    sweep.add_argument(
        "--seeds", metavar="A-B|A,B,C", help="the seeds, a range or a list (default: the preset's)"
    )
    sweep.add_argument(
        "--set",
        action="append",
        metavar="KEY=V1,V2",
        help="a preset key and its values, e.g. train.learning_rate=0.01,0.1 or "
        "model.layers.0.units=4,8 (repeat for a grid; none or off clears a stop rule)",
    )
    sweep.add_argument(
        "--workers", type=_positive_int, help="worker processes (default: one per core)"
    )
    sweep.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="local (default) or ray: Ray tasks on RAY_ADDRESS's cluster or a local one",
    )
    sweep.add_argument(
        "--out",
        metavar="DIR",
        help="the sweep's folder, new or empty (default: a new folder in the user's runs folder)",
    )
    _add_data_argument(sweep)
    sweep.add_argument(
        "--no-stack", action="store_true", help="train every run alone, as `tui-nn train` does"
    )
    sweep.add_argument(
        "--json", action="store_true", help="metric lines, then one object with every run"
    )

    commands.add_parser("presets", help="list built-in and user presets")
    devices = commands.add_parser(
        "devices", help="the devices training can use, their utilisation and memory in use"
    )
    devices.add_argument("--json", action="store_true", help="one JSON array, an object a device")
    commands.add_parser("runs", help="list training runs, newest first")
    attach = commands.add_parser(
        "attach", help="open the app on a run that trains in the background"
    )
    attach.add_argument(
        "run",
        nargs="?",
        metavar="RUN",
        help="run id (see `tui-nn runs`) or folder; default: the newest run training",
    )
    show = commands.add_parser(
        "show", help="open the app on a run's preset and curves (nothing trains until asked)"
    )
    show.add_argument(
        "run",
        nargs="?",
        metavar="RUN",
        help="run id (see `tui-nn runs`), folder, or latest (the default)",
    )
    code = commands.add_parser("code", help="print the preset as a standalone PyTorch script")
    code.add_argument(
        "preset", metavar="PRESET_OR_FILE", help="preset name, .toml file or CSV data file"
    )
    _add_data_argument(code)
    code.add_argument(
        "--out",
        metavar="FILE",
        help="write the script to FILE and the bundled data it reads beside it "
        "(default: print it, with that data embedded)",
    )
    export = commands.add_parser(
        "export",
        help="write a run's trained network as ONNX (with its input scaling), or as a script",
    )
    export.add_argument("run", metavar="RUN", help="run id (see `tui-nn runs`), folder, or latest")
    export.add_argument(
        "--onnx", metavar="FILE", help="the ONNX file to write (needs tui-nn[onnx])"
    )
    export.add_argument(
        "--script",
        metavar="FILE",
        help="the run's preset as a PyTorch script (as `tui-nn code --out`) with the run's trained "
        "weights beside it, which `python FILE --load` evaluates",
    )
    backprop = commands.add_parser(
        "backprop", help="one training sample's backpropagation, by the lecture's formulas"
    )
    backprop.add_argument("preset", metavar="PRESET_OR_FILE", help="preset name or .toml file")
    backprop.add_argument(
        "--sample", type=int, default=0, metavar="I", help="training sample, from 0 (default 0)"
    )
    backprop.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help="train N epochs first (default: the preset's initial weights)",
    )
    backprop.add_argument("--json", action="store_true", help="one JSON object")
    backprop.add_argument(
        "--check", action="store_true", help="check a few weights by finite differences"
    )
    return parser
