"""The app's keys: each binding's description is its key bar label, its tooltip the line of the
help screen (F1) and the command palette (ctrl+p). Keys that terminals often swallow have a
second binding (F5 next to space, ctrl+c next to q). Digits and Alt+letters jump to the sidebar
tabs; Escape leaves a text field so that these keys work again."""

from __future__ import annotations

from textual.binding import Binding, BindingType

KEYS: list[BindingType] = [
    Binding("space", "space_run", "Run", tooltip="start or pause training", priority=True),
    Binding(
        "f5",
        "toggle_run",
        "Run",
        tooltip="start or pause (also from a text field)",
        show=False,
        priority=True,
    ),
    Binding("n", "one_epoch", "Epoch", tooltip="train one more epoch (also after DONE)"),
    Binding("t", "one_step", "Step", tooltip="train one step (one batch), then pause"),
    Binding("minus", "slower", "Slower", tooltip="a slower pace: 100, 30, 10, 3, 1 steps/s"),
    Binding("plus,equals_sign", "faster", "Faster", tooltip="a faster pace, up to full speed"),
    Binding("r", "reset", "Reset", tooltip="reset the weights (a fresh run; asks while training)"),
    Binding(
        "k", "compare", "Compare", tooltip="compare variants side by side: what differs, values"
    ),
    Binding(
        "j",
        "add_variant",
        "+Variant",
        tooltip="add a variant to the comparison (the next value of what differs)",
        show=False,
    ),
    Binding(
        "x", "drop_variant", "-Variant", tooltip="drop the comparison's last variant", show=False
    ),
    Binding("l", "log_scale", "Log", tooltip="log scale for the loss plot (on/off)"),
    Binding("a", "ascii", "ASCII", tooltip="plain-ASCII plots (on/off)"),
    Binding("v", "lesson", "Lesson", tooltip="the lesson views (on/off)", show=False),
    Binding("c", "code", "Code", tooltip="the preset as plain PyTorch code", show=False),
    Binding(
        "ctrl+s",
        "save",
        "Save",
        tooltip="save the preset to your presets folder",
        priority=True,
    ),
    Binding(
        "ctrl+o", "open", "Open", tooltip="open a preset: a name, a file or a path", priority=True
    ),
    Binding(
        "ctrl+r",
        "runs",
        "Runs",
        tooltip="runs: open, continue or attach to one; s: a sweep side by side",
    ),
    Binding("1,alt+p", "tab('presets')", "Presets", tooltip="the Presets tab", show=False),
    Binding("2,alt+n", "tab('network')", "Network", tooltip="the Network tab", show=False),
    Binding("3,alt+t", "tab('training')", "Training", tooltip="the Training tab", show=False),
    Binding("4,alt+l", "tab('lesson')", "Lesson tab", tooltip="the Lesson tab", show=False),
    Binding(
        "escape",
        "leave_field",
        "Leave field",
        tooltip="leave a field, dropping an unapplied change",
        show=False,
    ),
    Binding("f1", "help", "Help", tooltip="this key reference"),
    Binding("q", "quit", "Quit", tooltip="quit (stops training)"),
    Binding("ctrl+c", "quit", "Quit", tooltip="quit (stops training)", show=False, priority=True),
]
