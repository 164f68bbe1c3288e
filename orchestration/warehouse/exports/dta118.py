"""Stata's .dta format 118 (Stata 14 and later), written from NumPy arrays: the data section
is one fixed-width record per row, packed by NumPy a block of rows at a time instead of a
Python loop over rows and values (national fct_city_industry_year: 2.4 million rows in ≈ 2 s
against ≈ 11 s with pyreadstat's writer). The layout follows Stata's `help dta` for format
118, with the conventions pyreadstat 1.3.7 writes (display formats, value-label names,
strL references), so the files are the bytes pyreadstat wrote for the same columns; a test
holds it to that."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

STR_MAX = 2045  # the widest str#; longer text is a strL
STRL = 32768
DOUBLE = 65526
LONG = 65528
DOUBLE_MISSING = struct.unpack("<d", struct.pack("<Q", 0x7FE0000000000000))[0]  # Stata's "."
LONG_MISSING = 2_147_483_621  # "." of a long
_NAME_BYTES, _FORMAT_BYTES, _LABEL_BYTES = 129, 57, 321
_ROWS_PER_BLOCK = 250_000  # rows packed at a time: a bounded copy of the data section
_GSO_ASCII = 130  # a strL stored as text with its terminating NUL


@dataclass(frozen=True)
class DtaVariable:
    """One variable: `values` a NumPy array of its Stata type — `S<width>` bytes for a str#,
    little-endian float64 (`DOUBLE`) or int32 (`LONG`) with Stata's missing codes in place,
    and for a strL the text of each row as bytes."""

    name: str
    label: str
    stata_type: int  # 1–2045 (str#), STRL, DOUBLE or LONG
    values: np.ndarray
    display_format: str
    value_labels: dict[int, str] | None = None


def write_dta118(
    path: Path, variables: list[DtaVariable], file_label: str, timestamp: bytes
) -> None:
    """Write `variables` (equal lengths) to `path`; `timestamp` is the header's 17-byte
    "dd Mon yyyy hh:mm"."""
    rows = len(variables[0].values) if variables else 0
    strls = _strl_references(variables)
    label_names = _value_label_names(variables)
    with path.open("wb") as out:
        out.write(b"<stata_dta>")
        out.write(_header(len(variables), rows, file_label, timestamp))
        map_at = out.tell()
        out.write(b"<map>" + bytes(14 * 8) + b"</map>")
        offsets = [0, map_at]
        for tag, body in _descriptors(variables, label_names):
            offsets.append(out.tell())
            out.write(b"<%s>" % tag + body + b"</%s>" % tag)
        offsets.append(out.tell())
        out.write(b"<data>")
        _write_data(out, variables, {i: refs for i, (refs, _) in strls.items()}, rows)
        out.write(b"</data>")
        offsets.append(out.tell())
        out.write(b"<strls>" + b"".join(blob for _, blob in strls.values()) + b"</strls>")
        offsets.append(out.tell())
        tables = _value_label_tables(variables, label_names)
        out.write(b"<value_labels>" + tables + b"</value_labels>")
        offsets.append(out.tell())
        out.write(b"</stata_dta>")
        offsets.append(out.tell())
        out.seek(map_at + len(b"<map>"))
        out.write(struct.pack("<14Q", *offsets))


def _header(columns: int, rows: int, file_label: str, timestamp: bytes) -> bytes:
    label = file_label.encode()
    return (
        b"<header><release>118</release><byteorder>LSF</byteorder>"
        + b"<K>" + struct.pack("<H", columns) + b"</K>"
        + b"<N>" + struct.pack("<Q", rows) + b"</N>"
        + b"<label>" + struct.pack("<H", len(label)) + label + b"</label>"
        + b"<timestamp>" + bytes([len(timestamp)]) + timestamp + b"</timestamp></header>"
    )  # fmt: skip


def _descriptors(variables: list[DtaVariable], label_names: list[str]) -> list[tuple[bytes, bytes]]:
    """The sections between the map and the data, in file order."""
    return [
        (b"variable_types", b"".join(struct.pack("<H", v.stata_type) for v in variables)),
        (b"varnames", b"".join(_padded(v.name, _NAME_BYTES) for v in variables)),
        (b"sortlist", bytes(2 * (len(variables) + 1))),
        (b"formats", b"".join(_padded(v.display_format, _FORMAT_BYTES) for v in variables)),
        (b"value_label_names", b"".join(_padded(n, _NAME_BYTES) for n in label_names)),
        (b"variable_labels", b"".join(_padded(v.label, _LABEL_BYTES) for v in variables)),
        (b"characteristics", b""),
    ]


def _padded(text: str, width: int) -> bytes:
    raw = text.encode()
    if len(raw) >= width:
        raise ValueError(f"{text!r} is longer than the {width - 1} bytes Stata allows here")
    return raw + bytes(width - len(raw))


def _value_label_names(variables: list[DtaVariable]) -> list[str]:
    """Each labelled variable's value label is named after it and its place among the
    labelled ones (pyreadstat's convention: `conf_status4`); "" for the others."""
    names, labelled = [], 0
    for variable in variables:
        if variable.value_labels:
            names.append(f"{variable.name}{labelled}")
            labelled += 1
        else:
            names.append("")
    return names


def _strl_references(variables: list[DtaVariable]) -> dict[int, tuple[np.ndarray, bytes]]:
    """Per strL variable (by position): each row's (variable, observation) reference as a
    uint64 and the GSO blocks it points to. Equal texts share the block of their first row."""
    result = {}
    for position, variable in enumerate(variables):
        if variable.stata_type != STRL:
            continue
        number = position + 1
        first_row: dict[bytes, int] = {}
        blocks = []
        references = np.empty(len(variable.values), dtype="<u8")
        for row, text in enumerate(variable.values, start=1):
            if text not in first_row:
                first_row[text] = row
                content = text + b"\0"
                blocks.append(
                    b"GSO" + struct.pack("<IQBI", number, row, _GSO_ASCII, len(content)) + content
                )
            # format 118: v in the low 2 bytes, o in the upper 6
            references[row - 1] = number | (first_row[text] << 16)
        result[position] = (references, b"".join(blocks))
    return result


def _record_type(variable: DtaVariable) -> str:
    if variable.stata_type <= STR_MAX:
        return f"S{variable.stata_type}"
    return {STRL: "<u8", DOUBLE: "<f8", LONG: "<i4"}[variable.stata_type]


def _write_data(
    out: BinaryIO, variables: list[DtaVariable], strls: dict[int, np.ndarray], rows: int
) -> None:
    record = np.dtype([(f"v{i}", _record_type(v)) for i, v in enumerate(variables)])
    for start in range(0, rows, _ROWS_PER_BLOCK):
        stop = min(start + _ROWS_PER_BLOCK, rows)
        block = np.empty(stop - start, dtype=record)
        for i, variable in enumerate(variables):
            block[f"v{i}"] = strls.get(i, variable.values)[start:stop]
        out.write(block.tobytes())


def _value_label_tables(variables: list[DtaVariable], label_names: list[str]) -> bytes:
    tables = []
    for variable, name in zip(variables, label_names, strict=True):
        if not variable.value_labels:
            continue
        values = sorted(variable.value_labels)
        texts = [variable.value_labels[v].encode() + b"\0" for v in values]
        starts = np.cumsum([0] + [len(t) for t in texts[:-1]])
        table = (
            struct.pack("<II", len(values), sum(len(t) for t in texts))
            + struct.pack(f"<{len(values)}I", *starts)
            + struct.pack(f"<{len(values)}i", *values)
            + b"".join(texts)
        )
        tables.append(
            b"<lbl>" + struct.pack("<I", len(table)) + _padded(name, _NAME_BYTES) + bytes(3)
            + table + b"</lbl>"
        )  # fmt: skip
    return b"".join(tables)
