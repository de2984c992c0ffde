"""What the lesson views show, computed in pure Python (no torch, no textual).

The UI process imports this package; the trainer process sends it plain numbers (weights,
outputs, predictions). Modules:

- `threshold`: evaluate a small network given as plain lists (every activation of the engine);
- `gates`: the logic gates' truth tables;
- `truth_table`: a/y/t per row of a gate and whether the class matches;
- `perceptron_trace`: the perceptron rule sample by sample, epoch summaries, cycling;
- `decision_map`: the output over the 2-D input square as shaded cells, points and the line;
- `confusion`: the confusion matrix, per-class and overall accuracy;
- `network_stats`: weights as glyphs by sign and size, per-layer statistics;
- `network_picture`: a small network drawn as neurons and weighted lines, y and delta per neuron;
- `digits_render`: 8x8 / 28x28 images as terminal text, grids of "true/pred" labels;
- `backprop`, `backprop_text`: one sample's backpropagation as numbers, and as lecture text.
- `diagnosis`: what is going wrong with a run, in words (diverging, stuck, overfitting, ...).
"""

from tui_nn.lesson.confusion import (
    confusion_matrix,
    overall_accuracy,
    per_class_accuracy,
    render_confusion,
)
from tui_nn.lesson.decision_map import (
    DecisionMap,
    MapPoint,
    decision_map,
    evaluate_grid,
    line_cells,
    linear_values,
)
from tui_nn.lesson.digits_render import render_digit_grid, render_image
from tui_nn.lesson.gates import GATE_NAMES, gate_input_names, gate_table
from tui_nn.lesson.network_stats import layer_stats, render_layer_stats, render_weights
from tui_nn.lesson.perceptron_trace import PerceptronTrace, perceptron_step, trace_perceptron
from tui_nn.lesson.threshold import Layer, LayerTrace, activate, forward, predict
from tui_nn.lesson.truth_table import (
    TruthTable,
    decision_rule,
    render_truth_table,
    truth_table,
    truth_table_from_outputs,
)

__all__ = [
    "GATE_NAMES",
    "DecisionMap",
    "Layer",
    "LayerTrace",
    "MapPoint",
    "PerceptronTrace",
    "TruthTable",
    "activate",
    "confusion_matrix",
    "decision_map",
    "decision_rule",
    "evaluate_grid",
    "forward",
    "gate_input_names",
    "gate_table",
    "layer_stats",
    "line_cells",
    "linear_values",
    "overall_accuracy",
    "per_class_accuracy",
    "perceptron_step",
    "predict",
    "render_confusion",
    "render_digit_grid",
    "render_image",
    "render_layer_stats",
    "render_truth_table",
    "render_weights",
    "trace_perceptron",
    "truth_table",
    "truth_table_from_outputs",
]
