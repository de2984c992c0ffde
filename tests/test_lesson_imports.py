"""The lesson package and the code exporter stay free of torch and textual (the UI imports them)."""

from __future__ import annotations

import subprocess
import sys


def test_lesson_and_codegen_import_neither_torch_nor_textual() -> None:
    code = (
        "import sys\n"
        "import tui_nn.lesson, tui_nn.codegen\n"
        "from tui_nn.lesson import confusion, decision_map, digits_render, gates, network_stats\n"
        "from tui_nn.lesson import network_picture, perceptron_trace, threshold, truth_table\n"
        "from tui_nn.presets import load_named\n"
        "tui_nn.codegen.export_script(load_named('mnist-like'))\n"
        "tui_nn.codegen.export_script(load_named('circle'))\n"
        "print(sorted(m for m in ('torch', 'textual') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
