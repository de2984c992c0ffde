"""A strict reader (and a small writer) for IDX files, the format MNIST is published in.

An IDX file is a 4-byte magic number (two zero bytes, a data type code, the number of
dimensions), one big-endian uint32 size per dimension, then the values row by row. Only
unsigned bytes (type code 0x08) are supported, which is all MNIST uses. Files may be gzipped;
gzip is recognised by its magic bytes, whatever the file is called.
"""

from __future__ import annotations

import ctypes
import gzip
import io
import math
import os
import zlib
from pathlib import Path

import torch

from tui_nn.errors import DataError

UBYTE = 0x08
IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions (count, rows, columns)
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension (count)
GZIP_MAGIC = b"\x1f\x8b"
MAX_DIMS = 8
MAX_PAYLOAD = 1 << 31  # refuse to read more than 2 GiB of values
_CHUNK = 1 << 20

_TYPE_NAMES = {
    0x08: "ubyte",
    0x09: "byte",
    0x0B: "short",
    0x0C: "int",
    0x0D: "float",
    0x0E: "double",
}


def read_idx(path: str | os.PathLike[str], ndim: int | None = None) -> torch.Tensor:
    """The file's values as a uint8 tensor of its declared shape.

    `ndim` (1 for labels, 3 for images) makes any other number of dimensions an error.
    Every problem (missing file, bad magic, unsupported type, truncated or oversized data,
    corrupt gzip) is a DataError naming the file.
    """
    name = str(path)
    try:
        with open(path, "rb") as f:
            start = f.read(2)
            f.seek(0)
            if start == GZIP_MAGIC:
                with gzip.GzipFile(fileobj=f, mode="rb") as gz:
                    try:
                        return _read_stream(gz, name, ndim, file_size=None)
                    except DataError:
                        # Damaged compressed data often decompresses to too many or too few
                        # bytes before gzip's own check at the end of the stream says so:
                        # read on to that check, whose error (a CRC) says what is wrong.
                        _read_to_end(gz)
                        raise
            return _read_stream(f, name, ndim, file_size=os.fstat(f.fileno()).st_size)
    except FileNotFoundError:
        raise DataError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{name}: is a folder, not an IDX file") from None
    except PermissionError:
        raise DataError(f"{name}: permission denied") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{name}: corrupt gzip data ({exc or type(exc).__name__})") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc})") from None


def _read_to_end(stream: io.BufferedIOBase) -> None:
    """Read and drop the rest of a gzip stream (at most MAX_PAYLOAD bytes), so that gzip checks
    its CRC and length; a damaged stream raises gzip's error."""
    left = MAX_PAYLOAD
    while left > 0:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)


def _read_exactly(stream: io.BufferedIOBase, count: int) -> bytearray:
    """Up to `count` bytes, fewer only at the end of the stream; memory grows with what is read."""
    buffer = bytearray()
    while len(buffer) < count:
        chunk = stream.read(min(_CHUNK, count - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return buffer


def _read_stream(
    stream: io.BufferedIOBase, name: str, ndim: int | None, file_size: int | None
) -> torch.Tensor:
    magic = bytes(_read_exactly(stream, 4))
    if len(magic) < 4:
        raise DataError(f"{name}: too short to be an IDX file ({len(magic)} bytes)")
    if magic[0] != 0 or magic[1] != 0:
        raise DataError(f"{name}: not an IDX file (bad magic number 0x{magic.hex()})")
    type_code, dims_count = magic[2], magic[3]
    if type_code != UBYTE:
        type_name = _TYPE_NAMES.get(type_code, "unknown")
        raise DataError(
            f"{name}: IDX data type 0x{type_code:02x} ({type_name}) is not supported; "
            "only unsigned bytes (0x08) are"
        )
    if ndim is not None and dims_count != ndim:
        raise DataError(
            f"{name}: expected an IDX file with {ndim} dimension{'s' if ndim != 1 else ''} "
            f"(magic 0x{0x800 + ndim:08x}), but it has {dims_count} (magic 0x{magic.hex()})"
        )
    if not 1 <= dims_count <= MAX_DIMS:
        raise DataError(f"{name}: IDX header declares {dims_count} dimensions")
    raw_dims = bytes(_read_exactly(stream, 4 * dims_count))
    if len(raw_dims) < 4 * dims_count:
        raise DataError(f"{name}: truncated IDX header")
    dims = [int.from_bytes(raw_dims[i : i + 4], "big") for i in range(0, len(raw_dims), 4)]
    header = 4 + 4 * dims_count
    payload = math.prod(dims)
    shape_text = " x ".join(str(d) for d in dims)
    if file_size is not None and file_size != header + payload:
        # Checked before reading, so a header claiming absurd sizes never allocates them.
        if file_size < header + payload:
            raise DataError(
                f"{name}: truncated: the header ({shape_text}) needs {payload} bytes of data, "
                f"the file holds {file_size - header}"
            )
        raise DataError(
            f"{name}: {file_size - header - payload} bytes of unexpected data after the "
            f"{shape_text} values"
        )
    if payload > MAX_PAYLOAD:
        raise DataError(
            f"{name}: the header declares {payload} bytes of data ({shape_text}), too many"
        )
    data = _read_exactly(stream, payload + 1)
    if len(data) < payload:
        raise DataError(
            f"{name}: truncated: the header ({shape_text}) needs {payload} bytes of data, "
            f"the file holds {len(data)}"
        )
    if len(data) > payload:
        raise DataError(f"{name}: unexpected data after the {shape_text} values")
    if payload == 0:
        return torch.empty(dims, dtype=torch.uint8)
    return torch.frombuffer(data, dtype=torch.uint8, count=payload).clone().reshape(dims)


def write_idx(path: str | os.PathLike[str], values: torch.Tensor) -> None:
    """Write a uint8 tensor (1 to 8 dimensions) as IDX; gzipped when the name ends in .gz."""
    if values.dtype != torch.uint8:
        raise ValueError(f"write_idx writes uint8 tensors, not {values.dtype}")
    if not 1 <= values.dim() <= MAX_DIMS:
        raise ValueError(f"write_idx writes 1 to {MAX_DIMS} dimensions, not {values.dim()}")
    header = bytes([0, 0, UBYTE, values.dim()]) + b"".join(
        int(d).to_bytes(4, "big") for d in values.shape
    )
    data = values.detach().cpu().contiguous()
    body = header + ctypes.string_at(data.data_ptr(), data.numel())
    target = Path(path)
    if target.name.endswith(".gz"):
        target.write_bytes(gzip.compress(body, compresslevel=6, mtime=0))
    else:
        target.write_bytes(body)
