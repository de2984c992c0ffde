"""Widgets the panes and screens are built from: fields, the key bar, the loss plot."""
