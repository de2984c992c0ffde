"""The engine's own code, as text for the exported scripts.

The training functions of `tui_nn.training` (and the threshold modules of `tui_nn.model`) are
copied into each script from their source files, so the script runs the lines the engine runs.
The files are read and parsed, never imported: the app shows the code without loading torch.
What `engine_source` returns is `inspect.getsource` of the object, less its `# type: ignore[...]`
comments (they are for mypy, not for a reader).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Sequence
from pathlib import Path

__all__ = ["PACKAGE", "engine_code", "engine_constant", "engine_source"]

PACKAGE = Path(__file__).resolve().parent.parent  # the tui_nn folder
_TYPE_IGNORE = re.compile(r"  # type: ignore\[[^\]]*\]")


@functools.cache
def _parsed(module: str) -> tuple[list[str], ast.Module]:
    """The lines and syntax tree of `module`, a path under tui_nn without ".py"."""
    text = (PACKAGE / f"{module}.py").read_text(encoding="utf-8")
    return text.splitlines(keepends=True), ast.parse(text)


def engine_source(module: str, name: str) -> str:
    """The source of the top-level function or class `name` in tui_nn/`module`.py, with its
    decorators."""
    lines, tree = _parsed(module)
    for node in tree.body:
        if (
            isinstance(node, ast.FunctionDef | ast.ClassDef)
            and node.name == name
            and node.end_lineno is not None
        ):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return _TYPE_IGNORE.sub("", "".join(lines[first - 1 : node.end_lineno]))
    raise LookupError(f"tui_nn/{module}.py defines no {name}")


def engine_constant(module: str, name: str) -> object:
    """The value of the top-level constant `name = <literal>` in tui_nn/`module`.py."""
    _, tree = _parsed(module)
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
        ):
            return ast.literal_eval(node.value)
    raise LookupError(f"tui_nn/{module}.py defines no constant {name}")


def engine_code(pieces: Sequence[tuple[str, str]]) -> str:
    """The (module, name) pieces in order, each run of them from one file under a comment that
    names the file."""
    groups: list[tuple[str, list[str]]] = []
    for module, name in pieces:
        if not groups or groups[-1][0] != module:
            groups.append((module, []))
        groups[-1][1].append(engine_source(module, name).rstrip("\n"))
    return (
        "\n\n\n".join(
            f"# tui-nn's own code, from tui_nn/{module}.py:\n" + "\n\n\n".join(sources)
            for module, sources in groups
        )
        + "\n"
    )
