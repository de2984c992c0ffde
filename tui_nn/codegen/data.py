"""The exported script's data: `load_data()` for each data set, drawn or read exactly as
`tui_nn.data` does (tests compare the tensors)."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import cast

import tui_nn
from tui_nn.codegen.shared import engine_code, engine_constant
from tui_nn.data.checks import check_samples
from tui_nn.errors import DataError
from tui_nn.lesson.gates import gate_input_names, gate_table
from tui_nn.spec import IDX_SETS, LOGIC_SETS, SYNTHETIC_SETS, Preset

__all__ = [
    "DIGITS_NAME",
    "DEFAULT_NOISE",
    "DEFAULT_SAMPLES",
    "DEFAULT_SINE_NOISE",
    "DIGITS_FILE",
    "SYNTHETIC_CONSTANTS",
    "bundled_files",
    "data_section",
    "float_list",
    "py_str",
]

DIGITS_FILE = Path(tui_nn.__file__).resolve().parent / "data" / "files" / "digits.csv.gz"
DIGITS_NAME = "digits.csv.gz"  # its name beside an exported script
DIGITS_LINE = 96  # base64 characters a line, embedded

# The defaults and constants of tui_nn/data/synthetic.py, read from its source.
_SYNTHETIC = "data/synthetic"
DEFAULT_SAMPLES = cast(int, engine_constant(_SYNTHETIC, "DEFAULT_SAMPLES"))
DEFAULT_NOISE = cast(float, engine_constant(_SYNTHETIC, "DEFAULT_NOISE"))
DEFAULT_SINE_NOISE = cast(float, engine_constant(_SYNTHETIC, "DEFAULT_SINE_NOISE"))
SYNTHETIC_CONSTANTS = {
    name: engine_constant(_SYNTHETIC, name)
    for name in (
        "CIRCLE_INNER",
        "CIRCLE_RING",
        "GAUSSIAN_CENTER",
        "GAUSSIAN_SPREAD",
        "XOR_MARGIN",
        "SPIRAL_TURNS",
    )
}

_MNIST_CODE = """
def read_idx(path):
    \"\"\"An IDX file (raw or gzipped) as a uint8 tensor of its declared shape.\"\"\"
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\\x1f\\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = bytearray(raw[4 + 4 * ndim :])
    return torch.frombuffer(data, dtype=torch.uint8).reshape(dims)


def idx_files(folder):
    \"\"\"{part: (images, labels)} for the parts "train" and "t10k" (the official test files),
    from the first folder that has any.\"\"\"
    for sub in SUBFOLDERS:
        parts = {}
        for part in ("train", "t10k"):
            found = []
            for stem in (f"{part}-images-idx3-ubyte", f"{part}-labels-idx1-ubyte"):
                for name in (stem, stem + ".gz"):
                    if os.path.isfile(os.path.join(folder, sub, name)):
                        found.append(os.path.join(folder, sub, name))
                        break
            if len(found) == 2:
                parts[part] = found
        if parts:
            return parts
    raise SystemExit(f"no IDX files in {folder}")


def load_data():
    \"\"\"Pixels / 255 as float32 (N, rows * columns), labels 0-9. With both parts, the training
    images (the first SAMPLES) then the official test images, which are the test part.\"\"\"
    parts = {part: [read_idx(f) for f in files] for part, files in idx_files(FOLDER).items()}
    if len(parts) == 2:
        (train_images, train_labels), (test_images, test_labels) = parts["train"], parts["t10k"]
        if SAMPLES is not None:
            train_images, train_labels = train_images[:SAMPLES], train_labels[:SAMPLES]
        images = torch.cat([train_images, test_images])
        labels = torch.cat([train_labels, test_labels])
        n_test = len(test_labels)
    else:  # one part: split below by TEST_FRACTION (not the official test set)
        ((images, labels),) = parts.values()
        if SAMPLES is not None:
            images, labels = images[:SAMPLES], labels[:SAMPLES]
        n_test = None
    n_pixels = images.shape[1] * images.shape[2]
    x = images.reshape(-1, n_pixels).to(torch.float32) / 255.0
    return x, labels.to(torch.int64), 10, n_test
"""

_CSV_CODE = """
def csv_rows():
    \"\"\"The file's non-blank rows as lists of stripped cells, less the header.\"\"\"
    with open(CSV_FILE, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    if SEPARATOR == " ":  # aligned columns: runs of blanks
        rows = [line.split() for line in text.splitlines()]
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=SEPARATOR, strict=True)
        rows = [[cell.strip() for cell in row] for row in reader]
    rows = [row for row in rows if any(row)]
    return rows[1:] if HEADER else rows


def number(cell):
    \"\"\"The cell as a float, or None when it is not a number.\"\"\"
    try:
        return float(cell.replace(",", ".") if DECIMAL == "," else cell)
    except ValueError:
        return None


def load_data():
    \"\"\"FEATURE_COLUMNS as float32 (NaN where a value is missing), LABEL_COLUMN as classes
    (the sorted distinct labels) or, for regression, as numbers.\"\"\"
    x, labels = [], []
    for row in csv_rows():
        values = [math.nan if row[j].lower() in MISSING_CELLS else number(row[j]) for j in FEATURE_COLUMNS]
        if MISSING == "drop" and (row[LABEL_COLUMN] in ("", "?") or any(map(math.isnan, values))):
            continue
        x.append(values)
        labels.append(row[LABEL_COLUMN])
    x = torch.tensor(x, dtype=torch.float32).reshape(len(labels), len(FEATURE_COLUMNS))
    if TASK == "regression":
        y = torch.tensor([number(label) for label in labels], dtype=torch.float32)
        if SAMPLES is not None:
            x, y = x[:SAMPLES], y[:SAMPLES]
        return x, y.reshape(-1, 1), 0, None
    values = {label: number(label) for label in set(labels)}
    if all(v is not None and math.isfinite(v) for v in values.values()):
        classes = sorted(values, key=lambda label: (values[label], label))
    else:
        classes = sorted(values)
    index = {label: i for i, label in enumerate(classes)}
    y = torch.tensor([index[label] for label in labels], dtype=torch.int64)
    if SAMPLES is not None:
        x, y = x[:SAMPLES], y[:SAMPLES]
    return x, y, len(classes), None
"""


def py_str(text: str) -> str:
    """A Python string literal, in double quotes where that needs no escapes."""
    if '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    return repr(text)


def float_list(values: list[float]) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def data_section(
    preset: Preset, data_seed: int, *, embed: bool = False
) -> tuple[str, set[str], int | None, int | None]:
    """(code defining load_data() -> (x, y, n_classes, n_test), modules it needs, inputs,
    classes); n_test counts the official test samples at the end (None: split by
    TEST_FRACTION); inputs and classes are None when only the data can tell (the IDX sets);
    classes are 0 for regression. `embed` puts tui-nn's own data (the digits) into the script;
    else the script reads it beside itself (`bundled_files`)."""
    spec = preset.data
    name = spec.set
    if name in LOGIC_SETS:
        rows = gate_table(name)
        inputs = ", ".join(gate_input_names(name))
        xs = ", ".join(float_list(list(row)) for row, _ in rows)
        ys = ", ".join(str(out) for _, out in rows)
        code = f'''
def load_data():
    """The truth table of {name.upper()} (inputs {inputs}), rows in counting order."""
    x = torch.tensor([{xs}], dtype=torch.float32)
    y = torch.tensor([{ys}], dtype=torch.int64)
    return x, y, 2, None
'''
        return code, set(), len(rows[0][0]), 2
    if name in SYNTHETIC_SETS or name == "sine":
        samples = DEFAULT_SAMPLES if spec.samples is None else spec.samples
        if name == "sine":
            noise = DEFAULT_SINE_NOISE if spec.noise is None else float(spec.noise)
            check_samples(samples, "sine")
            code = f'''
def load_data():
    """Regression: x uniform in [-pi, pi], y = sin(x) + noise * N(0, 1), both (N, 1)."""
    samples, noise = {samples}, {noise!r}
    g = torch.Generator().manual_seed(DATA_SEED)
    x = (2 * torch.rand(samples, 1, generator=g) - 1) * math.pi
    y = torch.sin(x)
    if noise > 0:
        y = y + noise * torch.randn(y.shape, generator=g)
    return x.to(torch.float32), y.to(torch.float32), 0, None
'''
            return code, {"math"}, 1, 0
        noise = DEFAULT_NOISE if spec.noise is None else float(spec.noise)
        check_samples(samples, name, 2)
        constants = "\n".join(f"{key} = {value!r}" for key, value in SYNTHETIC_CONSTANTS.items())
        maker = "_" + name.replace("-", "_")
        makers = engine_code([(_SYNTHETIC, f) for f in ("_class_sizes", maker, "_labels")])
        code = f'''
{constants}


{makers}

def load_data():
    """The {name} set: {samples} points, noise {noise:g}, balanced classes, shuffled."""
    samples, noise = {samples}, {noise!r}
    g = torch.Generator().manual_seed(DATA_SEED)
    n0, n1 = _class_sizes(samples)
    points, y = {maker}(n0, n1, g)
    points = points.to(torch.float32)
    if noise > 0:
        points = points + noise * torch.randn(points.shape, generator=g)
    order = torch.randperm(samples, generator=g)
    return points[order].contiguous(), y[order].contiguous(), 2, None
'''
        return code, {"math"}, 2, 2
    if name == "digits":
        modules = {"base64", "csv", "gzip", "io"} if embed else {"csv", "gzip", "os"}
        return _digits_section(spec.samples, embed), modules, 64, 10
    if name in IDX_SETS:
        title = cast(dict[str, str], engine_constant("data/mnist", "TITLES"))[name]
        if spec.path is None:
            raise DataError(
                f"the {name} data set needs data.path (or --data PATH): the folder holding "
                f"{title}'s IDX files"
            )
        folder = os.path.abspath(os.path.expanduser(spec.path))
        if not os.path.isdir(folder):
            raise DataError(f"{title} folder not found: {folder} (set data.path or --data)")
        torchvision = "FashionMNIST" if name == "fashion-mnist" else "MNIST"
        head = (
            f"# {title}'s IDX files, read from data.path:\nFOLDER = {py_str(folder)}\n"
            f'SUBFOLDERS = (".", os.path.join("{torchvision}", "raw"), "raw")\n'
            f"SAMPLES = {spec.samples!r}  # data.samples: the training images kept\n\n"
        )
        return head + _MNIST_CODE, {"gzip", "os"}, None, 10
    if name == "csv":
        return _csv_section(preset)
    raise DataError(f"unknown data set {name!r}")


def _digits_section(cap: int | None, embed: bool) -> str:
    if embed:
        encoded = base64.b64encode(DIGITS_FILE.read_bytes()).decode("ascii")
        lines = "\n".join(
            f'    "{encoded[i : i + DIGITS_LINE]}"' for i in range(0, len(encoded), DIGITS_LINE)
        )
        source = f"""# The digits bundled with tui-nn (UCI, CC BY 4.0), embedded here: digits.csv.gz in
# base64, 1,797 rows of 64 pixels (0-16) and the digit.
DIGITS_GZ_BASE64 = (
{lines}
)


def digits_file():
    return io.BytesIO(base64.b64decode(DIGITS_GZ_BASE64))
"""
    else:
        source = f"""# The digits bundled with tui-nn (UCI, CC BY 4.0), read from {DIGITS_NAME} beside this
# script (`tui-nn code PRESET --out FILE` writes it there).
DIGITS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "{DIGITS_NAME}")


def digits_file():
    return DIGITS_FILE
"""
    return (
        source
        + f'''SAMPLES = {cap!r}


def load_data():
    """1,797 8x8 handwritten digits: pixels / 16 as float32 (N, 64), labels 0-9."""
    with gzip.open(digits_file(), "rt", encoding="ascii", newline="") as f:
        rows = [[int(cell) for cell in row] for row in csv.reader(f) if row]
    if SAMPLES is not None:
        rows = rows[:SAMPLES]
    pixels = torch.tensor([row[:64] for row in rows], dtype=torch.uint8)
    y = torch.tensor([row[64] for row in rows], dtype=torch.int64)
    return pixels.to(torch.float32) / 16.0, y, 10, None
'''
    )


def _csv_section(preset: Preset) -> tuple[str, set[str], int | None, int | None]:
    """The CSV file read as tui-nn reads it: the file is read now, and what tui-nn guessed
    (separator, header, columns, task) is written into the script."""
    from tui_nn.data.table import MISSING_CELLS, CsvOptions, read_table, separator_name

    spec = preset.data
    file = None if spec.path is None else os.path.abspath(os.path.expanduser(spec.path))
    table = read_table(file, CsvOptions.of(spec))
    layout = table.layout
    names = ", ".join(_quoted(table.columns[j]) for j in layout.feature_columns[:8])
    more = ", ..." if len(layout.feature_columns) > 8 else ""
    n_classes = 0 if table.is_regression else len(table.class_names)
    guessed = "" if table.note is None else f"\n# tui-nn read it so: {table.note}"
    head = f"""# The CSV file, read from data.path as tui-nn reads it:{guessed}
CSV_FILE = {py_str(str(file))}
SEPARATOR = {py_str(layout.separator)}  # {separator_name(layout.separator)}
DECIMAL = {py_str(layout.decimal)}
HEADER = {layout.header}
FEATURE_COLUMNS = {list(layout.feature_columns)!r}  # {names}{more}
LABEL_COLUMN = {layout.label_column}  # {_quoted(table.columns[layout.label_column])}
MISSING = {py_str(spec.missing or "error")}  # data.missing: "drop" skips rows, "mean" fills in
MISSING_CELLS = {sorted(MISSING_CELLS)!r}
TASK = {py_str(layout.task)}
SAMPLES = {spec.samples!r}

"""
    return head + _CSV_CODE, {"csv", "io", "math"}, len(layout.feature_columns), n_classes


def _quoted(name: str) -> str:
    return '"' + name.replace("\n", " ") + '"'


def bundled_files(preset: Preset) -> dict[str, Path]:
    """The files of tui-nn's own that the script reads beside itself, by name there."""
    return {DIGITS_NAME: DIGITS_FILE} if preset.data.set == "digits" else {}
