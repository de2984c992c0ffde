"""tui-nn: learn and try neural networks in a terminal."""

import warnings

__version__ = "0.1.0"

# torch warns at import when NumPy is absent; tui-nn never hands tensors to NumPy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
