"""Deterministic file writers: the same frame gives the same bytes (no write times)."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tools.sample_releases import config


def _fixed_width(values: pd.Series) -> tuple[np.ndarray, int]:
    """UTF-8 strings as a fixed-width byte matrix (NUL padded), without a Python loop."""
    arr = pa.array(values.to_numpy(dtype=object) if values.dtype == object else values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.fill_null(arr.cast(pa.string()), "").cast(pa.binary())
    lengths = pc.binary_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
    width = max(1, int(lengths.max()) if lengths.size else 1)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    data = (
        np.frombuffer(arr.buffers()[2], dtype=np.uint8)
        if arr.buffers()[2]
        else np.zeros(0, np.uint8)
    )
    out = np.zeros((len(arr), width), dtype=np.uint8)
    start = offsets[:-1].astype(np.int64)
    for k in range(width):
        rows = np.flatnonzero(lengths > k)
        out[rows, k] = data[start[rows] + k]
    return out, width


def _field(text: str, size: int) -> bytes:
    raw = text.encode("utf-8")[: size - 1]
    return raw + b"\0" * (size - len(raw))


def write_dta(
    frame: pd.DataFrame, path: Path, labels: list[str | None] | None, file_label: str
) -> None:
    """Stata 118 (Stata 14+: Unicode names, labels and strings), little-endian, with a fixed
    write time. Columns: str (fixed width), float64 (double), int32 (long). Written with
    numpy record arrays; the pandas and pyreadstat writers encode strings one by one and take
    seconds per 100,000 rows."""
    labels = labels or [None] * frame.shape[1]
    types, formats, columns = [], [], []
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind == "f":
            types.append(65526)
            formats.append("%10.0g")
            columns.append(("<f8", values.to_numpy(dtype=np.float64)))
        elif values.dtype.kind in "iu":
            types.append(65528)
            formats.append("%12.0g")
            columns.append(("<i4", values.to_numpy(dtype=np.int32)))
        else:
            matrix, width = _fixed_width(values)
            if width > 2045:
                raise ValueError(f"string column {name} wider than 2045 bytes")
            types.append(width)
            formats.append(f"%-{width}s")
            columns.append((f"V{width}", matrix.view(f"V{width}").ravel()))
    n, k = frame.shape
    records = np.empty(n, dtype=[(f"c{j}", t) for j, (t, _) in enumerate(columns)])
    for j, (_, values) in enumerate(columns):
        records[f"c{j}"] = values
    label = file_label.encode("utf-8")[:320]
    header = (
        b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder>"
        + b"<K>"
        + struct.pack("<H", k)
        + b"</K><N>"
        + struct.pack("<Q", n)
        + b"</N>"
        + b"<label>"
        + struct.pack("<H", len(label))
        + label
        + b"</label>"
        + b"<timestamp>"
        + bytes([17])
        + config.FIXED_DTA_TIME.strftime("%d %b %Y %H:%M").encode()
        + b"</timestamp></header>"
    )
    parts = [
        ("variable_types", struct.pack(f"<{k}H", *types)),
        ("varnames", b"".join(_field(str(c), 129) for c in frame.columns)),
        ("sortlist", b"\0\0" * (k + 1)),
        ("formats", b"".join(_field(f, 57) for f in formats)),
        ("value_label_names", b"\0" * (129 * k)),
        ("variable_labels", b"".join(_field(lab or "", 321) for lab in labels)),
        ("characteristics", b""),
        ("data", records.tobytes()),
        ("strls", b""),
        ("value_labels", b""),
    ]
    body = [header, b""]  # the map goes second, once the offsets are known
    offsets = [0]
    position = len(header)
    offsets.append(position)
    position += len(b"<map>") + 14 * 8 + len(b"</map>")
    for tag, content in parts:
        offsets.append(position)
        chunk = f"<{tag}>".encode() + content + f"</{tag}>".encode()
        body.append(chunk)
        position += len(chunk)
    offsets.append(position)
    position += len(b"</stata_dta>")
    offsets.append(position)
    body[1] = b"<map>" + struct.pack("<14Q", *offsets) + b"</map>"
    body.append(b"</stata_dta>")
    path.write_bytes(b"".join(body))


def csv_bytes(frame: pd.DataFrame, encoding: str) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return sink.getvalue().decode("utf-8").encode(encoding)


def write_csv(frame: pd.DataFrame, path: Path, encoding: str) -> None:
    path.write_bytes(csv_bytes(frame, encoding))


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table.replace_schema_metadata(None), path, compression="zstd")


_CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def write_xlsx(workbook: openpyxl.Workbook, path: Path) -> None:
    """Save, then rewrite the zip with fixed entry times and fixed document properties."""
    raw = io.BytesIO()
    workbook.save(raw)
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIME.sub(rb"\g<1>" + config.FIXED_XLSX_TIME.encode() + rb"\g<3>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=config.FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    path.write_bytes(out.getvalue())
