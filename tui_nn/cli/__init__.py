"""The `tui-nn` command: opens the app, or runs `train`, `sweep`, `presets`, `devices`, `runs`,
`attach`, `show`, `code`, `backprop`, `export`.

- `parser`: the parsers and argument types;
- `commands`: opening the app, attaching to a run, and the listing commands;
- `train`: `tui-nn train`, on the run lifecycle of `tui_nn.runs.session`;
- `sweep`: `tui-nn sweep`, many runs at once (`tui_nn.sweep`);
- `stop_signals`: SIGINT, SIGTERM and SIGHUP as train and sweep take them;
- `backprop`: `tui-nn backprop`, one sample's backpropagation as text or JSON;
- `export`: `tui-nn export RUN --onnx FILE | --script FILE`, a trained network as ONNX or a script;
- `show`: `tui-nn show RUN`, the app on a run's preset and curves;
- `report`: progress as a bar, plain lines or JSON lines.

Heavy imports (torch, textual) happen inside the commands that need them, so that `--help` is
instant and the app can draw before torch is loaded.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from tui_nn.cli import backprop, commands, export, show, sweep, train
from tui_nn.cli.parser import COMMANDS, build_command_parser, build_parser
from tui_nn.errors import TuiNnError


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in COMMANDS:
            if len(args) == 1 and _names_a_preset(args[0]):
                print(
                    f"tui-nn: {args[0]} is a command and a preset: `tui-nn {args[0]} "
                    f"PRESET_OR_FILE` runs the command, `tui-nn -- {args[0]}` opens the app on "
                    "the preset",
                    file=sys.stderr,
                )
                return 2
            options = build_command_parser().parse_args(args)
            handler = {
                "train": train.cmd_train,
                "sweep": sweep.cmd_sweep,
                "presets": commands.cmd_presets,
                "devices": commands.cmd_devices,
                "runs": commands.cmd_runs,
                "attach": commands.cmd_attach,
                "show": show.cmd_show,
                "code": commands.cmd_code,
                "backprop": backprop.cmd_backprop,
                "export": export.cmd_export,
            }
            code = handler[options.command](options)
            sys.stdout.flush()  # here, where a closed pipe is caught, not at the exit
            return code
        options = build_parser().parse_args(args)
        return commands.cmd_app(options)
    except TuiNnError as error:
        print(f"tui-nn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tui-nn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tui-nn runs | head`: the reader has what it wanted
        from tui_nn.cli.report import EXIT_OUTPUT_CLOSED, silence_stdout

        silence_stdout()
        return EXIT_OUTPUT_CLOSED
    except Exception as error:
        if os.environ.get("TUI_NN_DEBUG"):
            raise
        print(
            f"tui-nn: unexpected error: {type(error).__name__}: {error} "
            "(set TUI_NN_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 1


def _names_a_preset(name: str) -> bool:
    """`tui-nn backprop` alone: the command, or the preset of that name?"""
    from tui_nn.presets import resolve_preset

    try:
        resolve_preset(name)
    except TuiNnError:
        return False
    return True
