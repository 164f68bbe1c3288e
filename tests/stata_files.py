"""Stata .dta files built byte by byte from Stata's `help dta`, as Stata itself writes them:
formats 108–115 (Stata 6–12: a binary header), 117 (Stata 13) and 118–119 (Stata 14 and
later: tagged sections and a map), text in UTF-8 or, as Chinese Stata 13 and earlier saved
it, in GBK. Stata no longer documents the formats before 113; their lengths and type bytes
are those ReadStat reads (readstat_dta.c: 9-byte names and 2-byte expansion lengths in 108,
letters for the numeric types and 0x7F + # for str# before 111)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

BYTE, INT, LONG, FLOAT, DOUBLE = 65530, 65529, 65528, 65527, 65526
_NUMPY = {BYTE: "i1", INT: "i2", LONG: "i4", FLOAT: "f4", DOUBLE: "f8"}
# Stata's "." and ".z" of each type (`help dta`, "Representation of numbers")
DOT = {BYTE: 101, INT: 32741, LONG: 2_147_483_621, FLOAT: 0x7F000000, DOUBLE: 0x7FE0000000000000}
DOT_Z = {BYTE: 127, INT: 32767, LONG: 2_147_483_647, FLOAT: 0x7F0D0000, DOUBLE: 0x7FE01A0000000000}
# Before format 113 `.` is each type's largest code, and there is no `.a`–`.z`.
OLD_DOT = {BYTE: 127, INT: 32767, LONG: 2_147_483_647, FLOAT: DOT[FLOAT], DOUBLE: DOT[DOUBLE]}
# the type codes of formats 111–115, and of 108 and 110
BINARY_CODE = {BYTE: 251, INT: 252, LONG: 253, FLOAT: 254, DOUBLE: 255}
LETTER_CODE = {BYTE: ord("b"), INT: ord("i"), LONG: ord("l"), FLOAT: ord("f"), DOUBLE: ord("d")}


def write_stata(
    path: Path,
    columns: list[tuple[str, int, list]],
    labels: dict[str, str] | None = None,
    release: int = 118,
    order: str = "<",
    encoding: str = "utf-8",
    file_label: str = "",
) -> None:
    """A .dta file of format `release` (108, 110, 111, 113–115, 117–119) in byte `order`:
    `columns` are (name, Stata type as formats 117–119 number it, values); a str# value is
    raw bytes (padded with NULs to the width). The file's and the variables' labels are
    written in `encoding`."""
    labels = labels or {}
    rows = len(columns[0][2])
    fields = []
    for name, kind, values in columns:
        if kind <= 2045:
            fields.append((name, f"S{kind}", values))
        else:
            fields.append((name, order + _NUMPY[kind], values))
    records = np.zeros(rows, dtype=[(f"c{i}", t) for i, (_, t, _) in enumerate(fields)])
    for i, (_, _, values) in enumerate(fields):
        records[f"c{i}"] = values

    def pack(fmt: str, *values: int) -> bytes:
        return struct.pack(order + fmt, *values)

    def text(value: str, size: int) -> bytes:
        return value.encode(encoding).ljust(size, b"\0")

    k = len(columns)
    names = [name for name, _, _ in columns]
    variable_labels = [labels.get(n, "") for n in names]
    if release < 117:
        # `help dta` of Stata 12: a 109-byte header, then fixed-size lists
        header = pack("BBBBHI", release, 2 if order == "<" else 1, 1, 0, k, rows)
        body = header + text(file_label, 81) + text("07 Dec 2026 10:00", 18)
        body += bytes(_binary_code(kind, release) for _, kind, _ in columns)
        name_bytes = 9 if release == 108 else 33
        body += b"".join(text(n, name_bytes) for n in names) + bytes(2 * (k + 1))
        body += b"".join(text("%9.0g", 12 if release <= 113 else 49) for _ in names)
        body += bytes(name_bytes * k) + b"".join(text(label, 81) for label in variable_labels)
        body += bytes(3 if release == 108 else 5)  # no expansion fields
        path.write_bytes(body + records.tobytes())
        return
    k_fmt, n_fmt, label_fmt, name_bytes, format_bytes, label_bytes, sort_bytes = {
        117: ("H", "I", "B", 33, 49, 81, 2),
        118: ("H", "Q", "H", 129, 57, 321, 2),
        119: ("I", "Q", "H", 129, 57, 321, 4),
    }[release]
    header = (
        b"<header><release>%d</release><byteorder>%s</byteorder>"
        % (release, b"LSF" if order == "<" else b"MSF")
        + b"<K>" + pack(k_fmt, k) + b"</K>"
        + b"<N>" + pack(n_fmt, rows) + b"</N>"
        + b"<label>" + pack(label_fmt, len(file_label.encode(encoding)))
        + file_label.encode(encoding) + b"</label><timestamp>\x00</timestamp></header>"
    )  # fmt: skip
    sections = [
        (b"variable_types", b"".join(pack("H", kind) for _, kind, _ in columns)),
        (b"varnames", b"".join(text(name, name_bytes) for name in names)),
        (b"sortlist", bytes(sort_bytes * (k + 1))),
        (b"formats", b"".join(text("%9.0g", format_bytes) for _ in columns)),
        (b"value_label_names", bytes(name_bytes * k)),
        (b"variable_labels", b"".join(text(label, label_bytes) for label in variable_labels)),
        (b"characteristics", b""),
        (b"data", records.tobytes()),
        (b"strls", b""),
        (b"value_labels", b""),
    ]
    body, offsets = b"<stata_dta>" + header, [0]
    offsets.append(len(body))
    body += b"<map>" + bytes(14 * 8) + b"</map>"
    for tag, content in sections:
        offsets.append(len(body))
        body += b"<" + tag + b">" + content + b"</" + tag + b">"
    offsets.append(len(body))
    body += b"</stata_dta>"
    offsets.append(len(body))
    map_at = offsets[1] + len(b"<map>")
    body = body[:map_at] + pack("14Q", *offsets) + body[map_at + 14 * 8 :]
    path.write_bytes(body)


def _binary_code(kind: int, release: int) -> int:
    if release < 111:
        return 0x7F + kind if kind <= 2045 else LETTER_CODE[kind]
    return kind if kind <= 2045 else BINARY_CODE[kind]
