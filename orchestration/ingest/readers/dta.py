"""Stata's .dta formats 118 and 119 (Stata 14 and later, text in UTF-8) read with NumPy: the
data section is one fixed-width record per row, so a block of rows is one `np.fromfile` into a
structured array and each column one vectorised conversion to Arrow: the rows of a national
ASIF year (374,706 firms × 20 variables) in ≈ 0.3 s, against ≈ 1.1 s through pyreadstat, which
builds a Python object for every text value. The layout and missing-value codes follow Stata's
`help dta`. Other files (formats 117 and older, whose text may be in a code page, and files with
strL variables) are read by pyreadstat (readers/sources.py); so is any file whose sections do
not add up, so that its errors are reported as before.

Values as pyreadstat gives them: str# as text up to the first NUL; byte, int and long as int64
and float and double as float64, with Stata's missing values (`.`, `.a`–`.z`: codes above each
type's largest valid value) as nulls."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from orchestration.ingest.readers.errors import ReadError

# Bytes of <K> by release (119 also widens the sort list, which is not read here).
_K_BYTES = {b"118": 2, b"119": 4}
_MAX_STR = 2045
_DOUBLE, _FLOAT, _LONG, _INT, _BYTE = 65526, 65527, 65528, 65529, 65530
# Each numeric type's NumPy code and largest valid value (`help dta`, "Representation of
# numbers"): anything above it is one of the 27 missing values.
_NUMERIC = {
    _DOUBLE: ("f8", struct.unpack("<d", struct.pack("<Q", 0x7FDFFFFFFFFFFFFF))[0]),
    _FLOAT: ("f4", struct.unpack("<f", struct.pack("<I", 0x7EFFFFFF))[0]),
    _LONG: ("i4", 2_147_483_620),
    _INT: ("i2", 32_740),
    _BYTE: ("i1", 100),
}
_NAME_BYTES = 129
_ENDIAN = {b"LSF": "<", b"MSF": ">"}
# <map>: 14 offsets, of which these sections'.
_MAP_ENTRIES = 14
_TYPES_ENTRY, _NAMES_ENTRY, _DATA_ENTRY, _STRLS_ENTRY = 2, 3, 9, 10


@dataclass(frozen=True)
class DtaLayout:
    """Where a file's rows are and how each is laid out."""

    names: list[str]
    types: list[int]
    rows: int
    data_at: int  # the first record's offset in the file
    record: np.dtype  # one row: a field per variable


def read_layout(path: Path) -> DtaLayout | None:
    """The layout of a format 118 or 119 file without strL variables whose data section has
    exactly one record per row; None for any other file (left to pyreadstat)."""
    with path.open("rb") as source:
        head = source.read(1 << 12)
        release = _between(head, b"<release>", b"</release>")
        order = _ENDIAN.get(_between(head, b"<byteorder>", b"</byteorder>") or b"")
        map_at = head.find(b"<map>") + len(b"<map>")
        if release not in _K_BYTES or order is None or len(head) < map_at + 8 * _MAP_ENTRIES:
            return None
        columns = _integer(_between(head, b"<K>", b"</K>"), _K_BYTES[release], order)
        rows = _integer(_between(head, b"<N>", b"</N>"), 8, order)
        offsets = np.frombuffer(head, f"{order}u8", _MAP_ENTRIES, map_at).astype(np.int64)
        types = _section(source, offsets[_TYPES_ENTRY], b"<variable_types>", f"{order}u2", columns)
        names = _section(source, offsets[_NAMES_ENTRY], b"<varnames>", f"S{_NAME_BYTES}", columns)
    if types is None or names is None or any(_field(t, order) is None for t in types):
        return None
    record = np.dtype([(f"v{i}", _field(t, order)) for i, t in enumerate(types)])
    data_at = int(offsets[_DATA_ENTRY]) + len(b"<data>")
    if int(offsets[_STRLS_ENTRY]) - len(b"</data>") - data_at != rows * record.itemsize:
        return None
    return DtaLayout(
        names=[n.decode("utf-8", "replace") for n in names],
        types=[int(t) for t in types],
        rows=rows,
        data_at=data_at,
        record=record,
    )


def _between(data: bytes, start: bytes, end: bytes) -> bytes | None:
    begin = data.find(start)
    stop = data.find(end, begin + len(start)) if begin >= 0 else -1
    return data[begin + len(start) : stop] if stop >= 0 else None


def _integer(field: bytes | None, width: int, order: str) -> int:
    return int.from_bytes((field or b"")[:width], "little" if order == "<" else "big")


def _section(
    source: BinaryIO, offset: int, tag: bytes, dtype: str, count: int
) -> np.ndarray | None:
    """`count` items of `dtype` in the section that the map places at `offset`."""
    source.seek(int(offset))
    if source.read(len(tag)) != tag:
        return None
    values = np.fromfile(source, dtype, count)
    return values if len(values) == count else None


def _field(stata_type: int, order: str) -> str | tuple[str, tuple[int]] | None:
    if 1 <= stata_type <= _MAX_STR:
        return ("u1", (int(stata_type),))
    if stata_type in _NUMERIC:
        return order + _NUMERIC[stata_type][0]
    return None  # a strL (32768) or an unknown type


def read_chunks(
    path: Path, file: str, layout: DtaLayout, rows_per_chunk: int
) -> Iterator[pa.Table]:
    """The rows as Arrow tables of at most `rows_per_chunk` rows (bounded memory)."""
    with path.open("rb") as source:
        source.seek(layout.data_at)
        for first in range(0, layout.rows, rows_per_chunk):
            count = min(rows_per_chunk, layout.rows - first)
            records = np.fromfile(source, layout.record, count)
            if len(records) < count:
                found = first + len(records)
                raise ReadError(
                    file, None, found + 1, f"header promises {layout.rows} rows, found {found}",
                    "truncated_file",
                )  # fmt: skip
            yield pa.table(
                [
                    _column(records[f"v{i}"], t, file, name, first)
                    for i, (name, t) in enumerate(zip(layout.names, layout.types, strict=True))
                ],
                names=layout.names,
            )


def _column(values: np.ndarray, stata_type: int, file: str, name: str, first: int) -> pa.Array:
    if stata_type <= _MAX_STR:
        return _text(np.ascontiguousarray(values), file, name, first)
    largest = _NUMERIC[stata_type][1]
    missing = values > largest
    if values.dtype.kind == "f":
        return pa.array(values.astype(np.float64), mask=missing | np.isnan(values))
    return pa.array(values.astype(np.int64), mask=missing)


def _text(matrix: np.ndarray, file: str, name: str, first: int) -> pa.Array:
    """Fixed-width text fields (rows × width bytes) as strings up to each one's first NUL
    (Stata may leave anything after it)."""
    rows, width = matrix.shape
    nul = matrix == 0
    lengths = np.where(nul.any(axis=1), nul.argmax(axis=1), width)
    offsets = np.zeros(rows + 1, np.int32)
    np.cumsum(lengths, out=offsets[1:])
    data = matrix[np.arange(width) < lengths[:, None]]
    text = pa.StringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data))
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        # Arrow and Python judge UTF-8 alike (RFC 3629): the first row Python cannot decode
        row = next(r for r in range(rows) if not _is_utf8(matrix[r, : lengths[r]]))
        raise ReadError(
            file, name, first + row + 1, "text is not UTF-8 (Stata 14 and later write UTF-8)",
            "encoding_error",
        ) from None  # fmt: skip
    return text


def _is_utf8(field: np.ndarray) -> bool:
    try:
        field.tobytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
