"""The project's own errors: each carries a one-line message meant for the user."""


class TuiNnError(Exception):
    """Bad input the user can fix; the CLI prints it as one line and exits with status 2."""


class PresetError(TuiNnError):
    """A preset file or value is invalid."""


class DataError(TuiNnError):
    """A data set cannot be loaded."""


class DeviceError(TuiNnError):
    """The requested device does not exist here."""


class TrainingError(TuiNnError):
    """Training cannot start or continue (for example an incompatible loss and output)."""
