"""tui-nn: learn and try neural networks in a terminal."""

__version__ = "0.1.0"
