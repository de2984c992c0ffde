"""The app's panes: one per file, each a widget that shows part of the state and posts what the
user edits (`tui_nn.ui.messages`)."""
