"""The Textual app of tui-nn (imports no torch: training runs in `tui_nn.trainer.server`)."""
