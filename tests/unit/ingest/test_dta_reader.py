"""The NumPy reader of Stata formats 118 and 119 (orchestration/ingest/readers/dta.py), on files
built byte by byte here from Stata's `help dta`: every storage type a `compress`ed ASIF file
uses (byte, int, long, float, double, str#), Stata's missing values `.` and `.z` beside each
type's largest valid value, both byte orders, text with bytes after its NUL. Expected values
are written out by hand; pyreadstat, which reads every other format, must read the same."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from orchestration.ingest.readers import ReadError, read_asif
from orchestration.ingest.readers import sources as reader_sources
from orchestration.ingest.readers.dta import read_chunks, read_layout
from orchestration.warehouse.exports.dta118 import STRL, DtaVariable, write_dta118

BYTE, INT, LONG, FLOAT, DOUBLE = 65530, 65529, 65528, 65527, 65526
_NUMPY = {BYTE: "i1", INT: "i2", LONG: "i4", FLOAT: "f4", DOUBLE: "f8"}
# Stata's "." and ".z" of each type (`help dta`, "Representation of numbers")
DOT = {BYTE: 101, INT: 32741, LONG: 2_147_483_621, FLOAT: 0x7F000000, DOUBLE: 0x7FE0000000000000}
DOT_Z = {BYTE: 127, INT: 32767, LONG: 2_147_483_647, FLOAT: 0x7F0D0000, DOUBLE: 0x7FE01A0000000000}


def _float_bits(bits: int, stata_type: int) -> float:
    if stata_type == FLOAT:
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _missing(stata_type: int, code: dict[int, int]) -> float | int:
    value = code[stata_type]
    return _float_bits(value, stata_type) if stata_type in (FLOAT, DOUBLE) else value


def write_stata(
    path: Path,
    columns: list[tuple[str, int, list]],
    labels: dict[str, str] | None = None,
    release: int = 118,
    order: str = "<",
) -> None:
    """A .dta file of format `release` (118 or 119) in byte `order`: `columns` are (name,
    Stata type, values); a str# value is raw bytes (padded with NULs to the width)."""
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
        return value.encode("utf-8").ljust(size, b"\0")

    k = len(columns)
    header = (
        b"<header><release>%d</release><byteorder>%s</byteorder>"
        % (release, b"LSF" if order == "<" else b"MSF")
        + b"<K>" + pack("H" if release == 118 else "I", k) + b"</K>"
        + b"<N>" + pack("Q", rows) + b"</N>"
        + b"<label>" + pack("H", 0) + b"</label><timestamp>\x00</timestamp></header>"
    )  # fmt: skip
    sections = [
        (b"variable_types", b"".join(pack("H", kind) for _, kind, _ in columns)),
        (b"varnames", b"".join(text(name, 129) for name, _, _ in columns)),
        (b"sortlist", bytes(2 * (k + 1)) if release == 118 else bytes(4 * (k + 1))),
        (b"formats", b"".join(text("%9.0g", 57) for _ in columns)),
        (b"value_label_names", bytes(129 * k)),
        (b"variable_labels", b"".join(text(labels.get(n, ""), 321) for n, _, _ in columns)),
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


NUMERIC_CASES = [
    # type, values as stored, as read (None: missing)
    (BYTE, [100, -127, 7], [100, -127, 7]),
    (INT, [32740, -32767, 4041], [32740, -32767, 4041]),
    (LONG, [2_147_483_620, -2_147_483_647, 320583], [2_147_483_620, -2_147_483_647, 320583]),
    # a NaN's bits lie in the missing values' range
    (FLOAT, [0.5, 1.0e38, float("nan")], [0.5, float(np.float32(1.0e38)), None]),
    (DOUBLE, [8.98e307, -0.125, float("nan")], [8.98e307, -0.125, None]),
]


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("release", [118, 119])
@pytest.mark.parametrize(("kind", "stored", "expected"), NUMERIC_CASES)
def test_numbers_of_every_type_with_missing_values(
    tmp_path: Path, kind: int, stored: list, expected: list, release: int, order: str
) -> None:
    # `.` and `.z` after three valid values, the type's largest valid value among them
    values = [*stored, _missing(kind, DOT), _missing(kind, DOT_Z)]
    path = tmp_path / "numbers.dta"
    write_stata(path, [("x", kind, values)], release=release, order=order)

    layout = read_layout(path)
    assert layout is not None
    (table,) = read_chunks(path, "numbers.dta", layout, 100)

    column = table.column("x")
    assert column.type == (pa.float64() if kind in (FLOAT, DOUBLE) else pa.int64())
    assert column.to_pylist() == [*expected, None, None]


def test_text_ends_at_its_first_nul_and_keeps_spaces(tmp_path: Path) -> None:
    path = tmp_path / "text.dta"
    names = [
        "昆山华利德丰电器有限公司".encode(),  # 36 bytes: the whole width
        b"ab\0zz",  # anything after the NUL is not text
        b"",
        b" 4041 ",
    ]
    write_stata(path, [("qymc", 36, names)])

    layout = read_layout(path)
    assert layout is not None
    (table,) = read_chunks(path, "text.dta", layout, 100)

    assert table.column("qymc").to_pylist() == ["昆山华利德丰电器有限公司", "ab", "", " 4041 "]


def test_chunks_of_rows_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "rows.dta"
    write_stata(path, [("n", LONG, list(range(7))), ("s", 3, [b"r%d" % i for i in range(7)])])

    layout = read_layout(path)
    assert layout is not None
    chunks = list(read_chunks(path, "rows.dta", layout, 3))

    assert [c.num_rows for c in chunks] == [3, 3, 1]
    assert pa.concat_tables(chunks).to_pydict() == {
        "n": list(range(7)),
        "s": [f"r{i}" for i in range(7)],
    }


def test_text_that_is_not_utf8_names_its_column_and_row(tmp_path: Path) -> None:
    path = tmp_path / "asif_2008.dta"
    write_stata(path, [("qymc", 8, ["甲".encode(), b"ok", "乙".encode("gbk")])])

    layout = read_layout(path)
    assert layout is not None
    with pytest.raises(ReadError) as err:
        list(read_chunks(path, "asif/2008/asif_2008.dta", layout, 2))

    assert (err.value.file, err.value.column, err.value.row) == (
        "asif/2008/asif_2008.dta",
        "qymc",
        3,
    )
    assert err.value.reason == "encoding_error"


def test_a_short_data_section_is_a_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "short.dta"
    write_stata(path, [("n", DOUBLE, [1.0, 2.0, 3.0])])
    layout = read_layout(path)
    assert layout is not None
    data = path.read_bytes()
    path.write_bytes(data[: layout.data_at + 2 * 8 + 3])  # two rows and part of the third

    with pytest.raises(ReadError) as err:
        list(read_chunks(path, "short.dta", layout, 100))

    assert (err.value.row, err.value.reason) == (3, "truncated_file")


def test_other_formats_are_left_to_pyreadstat(tmp_path: Path) -> None:
    path = tmp_path / "x.dta"
    write_stata(path, [("x", DOUBLE, [1.0])])
    assert read_layout(path) is not None
    path.write_bytes(path.read_bytes().replace(b"<release>118<", b"<release>117<"))
    assert read_layout(path) is None  # Stata 13: text may be in a code page
    # strL values live outside the records (written by the exports' writer, which has them)
    long_text = DtaVariable("note", "", STRL, np.array([b"x" * 3000], dtype=object), "%9s")
    write_dta118(path, [long_text], "", b"01 Jan 2000 00:00")
    assert read_layout(path) is None
    frame = read_asif(path, "dta")
    assert frame.extras.to_pydict() == {"note": ["x" * 3000]}


# A compressed ASIF year as Stata stores it: codes as numbers of the smallest type that holds
# them, money as float, head count as int.
ASIF_COLUMNS = [
    ("frdm", 9, [b"000123456", b"78901234X", b"555000111"]),
    ("dq", DOUBLE, [320583101000.0, 441900003000.0, 320500102000.0]),
    ("hydm", INT, [4041, 610, 4053]),
    ("djzclx", INT, [230, 310, 110]),
    ("gyzcz", FLOAT, [123456.0, 5000.5, 880.0]),
    ("gyzjz", DOUBLE, [30000.0, _missing(DOUBLE, DOT), 200.25]),
    ("pjrs", INT, [1200, 35, _missing(INT, DOT)]),
    ("kysj", BYTE, [95, 100, _missing(BYTE, DOT_Z)]),
]
ASIF_LABELS = {
    "frdm": "法人代码",
    "dq": "行政区划代码",
    "hydm": "行业代码",
    "djzclx": "登记注册类型",
    "gyzcz": "工业总产值_当年价格(千元)",
    "gyzjz": "工业增加值(千元)",
    "pjrs": "全部从业人员年平均人数(人)",
}


def test_a_compressed_asif_year_reads_to_its_canonical_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_sources, "DTA_CHUNK_ROWS", 2)
    path = tmp_path / "asif_2007.dta"
    write_stata(path, ASIF_COLUMNS, labels=ASIF_LABELS)

    frame = read_asif(path, "dta")

    rows = frame.table.to_pydict()
    assert rows["source_row"] == [1, 2, 3]
    assert rows["firm_id"] == ["000123456", "78901234X", "555000111"]
    assert rows["location_code"] == ["320583101000", "441900003000", "320500102000"]
    assert rows["industry_code"] == ["4041", "0610", "4053"]
    assert rows["registration_type"] == ["230", "310", "110"]
    assert rows["gross_output"] == [123456.0, 5000.5, 880.0]
    assert rows["value_added"] == [30000.0, None, 200.25]
    assert rows["employment"] == [1200.0, 35.0, None]
    assert frame.extras.to_pydict() == {"kysj": [95, 100, None]}

    # pyreadstat, which reads every other format, reads the same file to the same frame (its
    # third chunk types kysj, all missing there, as null: the chunks still concatenate)
    monkeypatch.setattr(reader_sources, "read_layout", lambda _: None)
    by_pyreadstat = read_asif(path, "dta")
    assert by_pyreadstat.table.equals(frame.table)
    assert by_pyreadstat.extras.equals(frame.extras)
