"""The exported script's data: `load_data()` for each data set, drawn or read exactly as
`tui_nn.data` does (tests compare the tensors)."""

from __future__ import annotations

import os
from pathlib import Path

import tui_nn
from tui_nn.errors import DataError
from tui_nn.lesson.gates import gate_input_names, gate_table
from tui_nn.spec import LOGIC_SETS, SYNTHETIC_SETS, Preset

__all__ = [
    "DEFAULT_NOISE",
    "DEFAULT_SAMPLES",
    "DEFAULT_SINE_NOISE",
    "DIGITS_FILE",
    "SYNTHETIC_CONSTANTS",
    "data_section",
    "float_list",
    "py_str",
]

DIGITS_FILE = Path(tui_nn.__file__).resolve().parent / "data" / "files" / "digits.csv.gz"

# The defaults and constants of tui_nn/data/synthetic.py (tests check they still agree).
DEFAULT_SAMPLES = 200
DEFAULT_NOISE = 0.1
DEFAULT_SINE_NOISE = 0.0
SYNTHETIC_CONSTANTS = {
    "CIRCLE_INNER": 0.5,
    "CIRCLE_RING": (0.7, 1.0),
    "GAUSSIAN_CENTER": 0.5,
    "GAUSSIAN_SPREAD": 0.2,
    "XOR_MARGIN": 0.05,
    "SPIRAL_TURNS": 1.75,
}

_SYNTHETIC_MAKERS = {
    "circle": '''
def circle(n0, n1, g):
    """Class 1 inside a disc of radius CIRCLE_INNER, class 0 in the ring CIRCLE_RING."""
    lo, hi = CIRCLE_RING
    r_in = CIRCLE_INNER * torch.rand(n1, generator=g)
    r_out = lo + (hi - lo) * torch.rand(n0, generator=g)
    radius = torch.cat([r_out, r_in])
    angle = 2 * math.pi * torch.rand(n0 + n1, generator=g)
    points = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    return points, labels(n0, n1)
''',
    "gaussian": '''
def gaussian(n0, n1, g):
    """Two clusters: class 0 around (-c, -c), class 1 around (c, c)."""
    centers = torch.cat(
        [torch.full((n0, 2), -GAUSSIAN_CENTER), torch.full((n1, 2), GAUSSIAN_CENTER)]
    )
    points = centers + GAUSSIAN_SPREAD * torch.randn(n0 + n1, 2, generator=g)
    return points, labels(n0, n1)
''',
    "xor-cloud": '''
def xor_cloud(n0, n1, g):
    """Class 1 where x1 * x2 > 0 (quadrants ++ and --), class 0 in the other two."""
    n = n0 + n1
    magnitude = XOR_MARGIN + (1 - XOR_MARGIN) * torch.rand(n, 2, generator=g)
    sign1 = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    same = torch.cat([-torch.ones(n0), torch.ones(n1)])  # sign2 = sign1 * same
    points = magnitude * torch.stack([sign1, sign1 * same], dim=1)
    return points, labels(n0, n1)
''',
    "spiral": '''
def spiral(n0, n1, g):
    """Two interleaved spiral arms, half a turn apart."""
    arms = []
    for count, offset in ((n0, math.pi), (n1, 0.0)):
        t = torch.arange(count, dtype=torch.float32) / max(count, 1)
        angle = SPIRAL_TURNS * 2 * math.pi * t + offset
        arms.append(torch.stack([t * torch.sin(angle), t * torch.cos(angle)], dim=1))
    return torch.cat(arms), labels(n0, n1)
''',
}

_MNIST_CODE = '''
def read_idx(path):
    """An IDX file (raw or gzipped) as a uint8 tensor of its declared shape."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\\x1f\\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = bytearray(raw[4 + 4 * ndim :])
    return torch.frombuffer(data, dtype=torch.uint8).reshape(dims)


def mnist_files(folder):
    """(images, labels) file pairs, train before t10k, from the first folder that has any."""
    for sub in (".", os.path.join("MNIST", "raw"), "raw"):
        pairs = []
        for part in ("train", "t10k"):
            found = []
            for stem in (f"{part}-images-idx3-ubyte", f"{part}-labels-idx1-ubyte"):
                for name in (stem, stem + ".gz"):
                    if os.path.isfile(os.path.join(folder, sub, name)):
                        found.append(os.path.join(folder, sub, name))
                        break
            if len(found) == 2:
                pairs.append(found)
        if pairs:
            return pairs
    raise SystemExit(f"no MNIST IDX files in {folder}")


def load_data():
    """MNIST: pixels / 255 as float32 (N, rows * columns), labels 0-9."""
    images, labels = [], []
    loaded = 0
    for images_file, labels_file in mnist_files(MNIST_FOLDER):
        if SAMPLES is not None and loaded >= SAMPLES:
            break
        images.append(read_idx(images_file))
        labels.append(read_idx(labels_file))
        loaded += len(labels[-1])
    images, labels = torch.cat(images), torch.cat(labels)
    if SAMPLES is not None:
        images, labels = images[:SAMPLES], labels[:SAMPLES]
    n_pixels = images.shape[1] * images.shape[2]
    return images.reshape(-1, n_pixels).to(torch.float32) / 255.0, labels.to(torch.int64), 10
'''

_CSV_CODE = '''
def number(cell):
    """The cell as a float, or None when it is not a number."""
    try:
        return float(cell)
    except ValueError:
        return None


def load_data():
    """Numeric feature columns and a label column; the sorted distinct labels are the classes."""
    with open(CSV_FILE, encoding="utf-8-sig", newline="") as f:
        rows = [[cell.strip() for cell in row] for row in csv.reader(f, strict=True)]
    rows = [row for row in rows if any(row)]
    first = rows[0]
    header = None  # undecided
    if LABEL_COLUMN is None:
        label = len(first) - 1
    elif LABEL_COLUMN in first and any(number(cell) is None for cell in first):
        label, header = first.index(LABEL_COLUMN), True
    else:
        label = int(LABEL_COLUMN)
    features = [j for j in range(len(first)) if j != label]
    if header is None:
        header = any(number(first[j]) is None for j in features)
    data = rows[1:] if header else rows
    x = [[float(row[j]) for j in features] for row in data]
    names = [row[label] for row in data]
    values = {name: number(name) for name in set(names)}
    if all(v is not None and math.isfinite(v) for v in values.values()):
        classes = sorted(values, key=lambda name: (values[name], name))
    else:
        classes = sorted(values)
    index = {name: i for i, name in enumerate(classes)}
    if SAMPLES is not None:
        x, names = x[:SAMPLES], names[:SAMPLES]
    y = torch.tensor([index[name] for name in names], dtype=torch.int64)
    return torch.tensor(x, dtype=torch.float32), y, len(classes)
'''


def py_str(text: str) -> str:
    """A Python string literal, in double quotes where that needs no escapes."""
    if '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    return repr(text)


def float_list(values: list[float]) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def data_section(preset: Preset, data_seed: int) -> tuple[str, set[str], int | None, int | None]:
    """(code defining load_data() -> (x, y, n_classes), modules it needs, inputs, classes);
    inputs and classes are None when only the data can tell (mnist, csv)."""
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
    return x, y, 2
'''
        return code, set(), len(rows[0][0]), 2
    if name in SYNTHETIC_SETS or name == "sine":
        samples = DEFAULT_SAMPLES if spec.samples is None else spec.samples
        if name == "sine":
            noise = DEFAULT_SINE_NOISE if spec.noise is None else float(spec.noise)
            if samples < 1:
                raise DataError(f"sine: samples must be at least 1, not {samples}")
            code = f'''
def load_data():
    """Regression: x uniform in [-pi, pi], y = sin(x) + noise * N(0, 1), both (N, 1)."""
    samples, noise = {samples}, {noise!r}
    g = torch.Generator().manual_seed(DATA_SEED)
    x = (2 * torch.rand(samples, 1, generator=g) - 1) * math.pi
    y = torch.sin(x)
    if noise > 0:
        y = y + noise * torch.randn(y.shape, generator=g)
    return x.to(torch.float32), y.to(torch.float32), 0
'''
            return code, {"math"}, 1, 0
        noise = DEFAULT_NOISE if spec.noise is None else float(spec.noise)
        if samples < 2:
            raise DataError(f"{name}: samples must be at least 2, not {samples}")
        constants = "\n".join(f"{key} = {value!r}" for key, value in SYNTHETIC_CONSTANTS.items())
        maker = name.replace("-", "_")
        code = f'''
{constants}


def labels(n0, n1):
    return torch.cat([torch.zeros(n0, dtype=torch.int64), torch.ones(n1, dtype=torch.int64)])

{_SYNTHETIC_MAKERS[name]}

def load_data():
    """The {name} set: {samples} points, noise {noise:g}, balanced classes, shuffled."""
    samples, noise = {samples}, {noise!r}
    g = torch.Generator().manual_seed(DATA_SEED)
    n0, n1 = samples - samples // 2, samples // 2
    points, y = {maker}(n0, n1, g)
    points = points.to(torch.float32)
    if noise > 0:
        points = points + noise * torch.randn(points.shape, generator=g)
    order = torch.randperm(samples, generator=g)
    return points[order].contiguous(), y[order].contiguous(), 2
'''
        return code, {"math"}, 2, 2
    if name == "digits":
        cap = spec.samples
        code = f'''
# The digits bundled with tui-nn (UCI, CC BY 4.0):
DIGITS_FILE = {py_str(str(DIGITS_FILE))}
SAMPLES = {cap!r}


def load_data():
    """1,797 8x8 handwritten digits: pixels / 16 as float32 (N, 64), labels 0-9."""
    with gzip.open(DIGITS_FILE, "rt", encoding="ascii", newline="") as f:
        rows = [[int(cell) for cell in row] for row in csv.reader(f) if row]
    if SAMPLES is not None:
        rows = rows[:SAMPLES]
    pixels = torch.tensor([row[:64] for row in rows], dtype=torch.uint8)
    y = torch.tensor([row[64] for row in rows], dtype=torch.int64)
    return pixels.to(torch.float32) / 16.0, y, 10
'''
        return code, {"csv", "gzip"}, 64, 10
    if name == "mnist":
        if spec.path is None:
            raise DataError(
                "the mnist data set needs data.path (or --data PATH): the folder holding MNIST"
            )
        folder = os.path.abspath(os.path.expanduser(spec.path))
        if not os.path.isdir(folder):
            raise DataError(f"MNIST folder not found: {folder} (set data.path or --data)")
        head = f"MNIST_FOLDER = {py_str(folder)}\nSAMPLES = {spec.samples!r}\n\n"
        return head + _MNIST_CODE, {"gzip", "os"}, None, 10
    if name == "csv":
        if spec.path is None:
            raise DataError(
                "the csv data set needs data.path (or --data FILE): the CSV file to load"
            )
        file = os.path.abspath(os.path.expanduser(spec.path))
        if not os.path.isfile(file):
            raise DataError(f"CSV file not found: {file}")
        head = (
            f"CSV_FILE = {py_str(file)}\nLABEL_COLUMN = "
            f"{'None' if spec.label_column is None else py_str(str(spec.label_column).strip())}"
            f"  # the last column when None\nSAMPLES = {spec.samples!r}\n\n"
        )
        return head + _CSV_CODE, {"csv", "math"}, None, None
    raise DataError(f"unknown data set {name!r}")
