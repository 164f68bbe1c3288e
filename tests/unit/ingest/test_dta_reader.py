"""The NumPy reader of Stata formats 108 to 119 (orchestration/ingest/readers/dta.py), on files
built byte by byte here from Stata's `help dta` (tests/stata_files.py): every storage type a
`compress`ed ASIF file uses (byte, int, long, float, double, str#), Stata's missing values `.`
and `.z` beside each type's largest valid value (before format 113 only `.`), both byte
orders, text with bytes after its NUL, and the GBK text of files saved by Chinese Stata 13 and
earlier. Expected values are written out by hand;
pyreadstat, which reads the other files, must read the same."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyreadstat
import pytest

from orchestration.ingest.readers import ReadError, dta, read_asif
from orchestration.ingest.readers import sources as reader_sources
from orchestration.ingest.readers.dta import read_chunks, read_layout, text_encoding
from orchestration.warehouse.exports.dta118 import STRL, DtaVariable, write_dta118
from tests.stata_files import BYTE, DOT, DOT_Z, DOUBLE, FLOAT, INT, LONG, OLD_DOT, write_stata


def _float_bits(bits: int, stata_type: int) -> float:
    if stata_type == FLOAT:
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _missing(stata_type: int, code: dict[int, int]) -> float | int:
    value = code[stata_type]
    return _float_bits(value, stata_type) if stata_type in (FLOAT, DOUBLE) else value


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
@pytest.mark.parametrize("release", [113, 114, 115, 117, 118, 119])
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


# Before format 113 (Stata 7 and earlier) `.` was the only missing value, each type's largest
# code: the codes 8 and later use for `.a`–`.z` were valid numbers.
OLD_NUMERIC_CASES = [
    (BYTE, [126, -127, 101], [126, -127, 101]),
    (INT, [32766, -32767, 32741], [32766, -32767, 32741]),
    (
        LONG,
        [2_147_483_646, -2_147_483_647, 2_147_483_621],
        [2_147_483_646, -2_147_483_647, 2_147_483_621],
    ),
    (FLOAT, [0.5, 1.0e38, -3.0], [0.5, float(np.float32(1.0e38)), -3.0]),
    (DOUBLE, [8.98e307, -0.125, 4041.0], [8.98e307, -0.125, 4041.0]),
]


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("release", [108, 110, 111])
@pytest.mark.parametrize(("kind", "stored", "expected"), OLD_NUMERIC_CASES)
def test_numbers_before_format_113_have_one_missing_value(
    tmp_path: Path, kind: int, stored: list, expected: list, release: int, order: str
) -> None:
    path = tmp_path / "numbers.dta"
    write_stata(
        path, [("x", kind, [*stored, _missing(kind, OLD_DOT)])], release=release, order=order
    )

    layout = read_layout(path)
    assert layout is not None
    (table,) = read_chunks(path, "numbers.dta", layout, 100)

    assert table.column("x").to_pylist() == [*expected, None]
    # ReadStat, which reads every format since 104, reads the hand-made file the same way
    theirs, _ = pyreadstat.read_dta(path)
    assert [None if v != v else v for v in theirs["x"].tolist()] == [*expected, None]


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
    write_stata(path, [("x", DOUBLE, [1.0])], release=115)
    assert read_layout(path) is not None
    path.write_bytes(b"\x69" + path.read_bytes()[1:])  # format 105 (Stata 5): other rules
    assert read_layout(path) is None
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


# The same year as Chinese Stata 13 and earlier saved it: text in GBK, the code page of the
# writer's Windows, and — in many circulating copies — only the labels say what a column is.
GBK_NAMES = ["苏州某电子有限公司".encode("gbk"), "东莞某制衣厂".encode("gbk"), b"ABC Ltd"]
GBK_LABELS = {**ASIF_LABELS, "qymc": "企业名称"}


@pytest.mark.parametrize("release", [108, 110, 111, 113, 114, 115, 117])
@pytest.mark.parametrize("named", [True, False], ids=["pinyin_names", "labels_only"])
def test_an_old_gbk_asif_year_reads_to_its_canonical_values(
    tmp_path: Path, release: int, named: bool
) -> None:
    columns = [*ASIF_COLUMNS, ("qymc", 18, GBK_NAMES)]
    if release < 113:  # `.` is pjrs's largest code (32741 was a number)
        columns = [
            (n, k, [OLD_DOT[k] if k == INT and v == DOT[k] else v for v in values])
            for n, k, values in columns
        ]
    labels = GBK_LABELS
    if not named:
        labels = {f"var{i}": GBK_LABELS.get(name, "") for i, (name, _, _) in enumerate(columns)}
        columns = [(f"var{i}", kind, values) for i, (_, kind, values) in enumerate(columns)]
    path = tmp_path / "asif_2003.dta"
    write_stata(path, columns, labels=labels, release=release, encoding="gbk")

    frame = read_asif(path, "dta")

    assert frame.encoding == "gb18030"
    rows = frame.table.to_pydict()
    assert rows["firm_name"] == ["苏州某电子有限公司", "东莞某制衣厂", "ABC Ltd"]
    assert rows["location_code"] == ["320583101000", "441900003000", "320500102000"]
    assert rows["gross_output"] == [123456.0, 5000.5, 880.0]
    assert rows["value_added"] == [30000.0, None, 200.25]
    assert rows["employment"] == [1200.0, 35.0, None]
    assert frame.missing_required == []
    # pyreadstat told the encoding reads the same labels and values from the hand-made file
    expected, meta = pyreadstat.read_dta(path, encoding="gb18030")
    assert meta.column_labels == [labels.get(name, "") or None for name, _, _ in columns]
    layout = read_layout(path)
    assert layout is not None
    (table,) = read_chunks(path, "asif_2003.dta", layout, 100, "gb18030")
    for name in expected.columns:
        theirs = [None if v != v else v for v in expected[name].tolist()]  # NaN: missing
        assert table.column(name).to_pylist() == theirs, name


def test_gbk_only_in_the_values_is_found_past_the_first_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dta, "_SCAN_ROWS", 2)
    path = tmp_path / "asif_2001.dta"
    names = [b"a", "乙".encode(), "昆山某厂".encode("gbk")]  # row 2 is also UTF-8
    write_stata(path, [("qymc", 8, names)], release=115)
    layout = read_layout(path)
    assert layout is not None

    assert text_encoding(path, "asif_2001.dta", layout) == "gb18030"


@pytest.mark.parametrize("release", [115, 117])
def test_a_gbk_file_label_alone_makes_the_file_gbk(tmp_path: Path, release: int) -> None:
    # pyreadstat told UTF-8 refuses such a file; told nothing, it garbles the label
    path = tmp_path / "asif_2000.dta"
    columns = [("frdm", 9, [b"000123456"]), ("gyzcz", DOUBLE, [5.0])]
    write_stata(path, columns, release=release, encoding="gbk", file_label="工业企业数据库2000")
    layout = read_layout(path)
    assert layout is not None

    assert text_encoding(path, "asif_2000.dta", layout) == "gb18030"
    frame = read_asif(path, "dta")
    assert frame.table.column("firm_id").to_pylist() == ["000123456"]
    assert frame.encoding == "gb18030"


def test_an_old_file_in_utf8_stays_utf8(tmp_path: Path) -> None:
    path = tmp_path / "asif_2004.dta"
    write_stata(path, [("qymc", 18, ["昆山某厂".encode()])], {"qymc": "企业名称"}, release=117)
    layout = read_layout(path)
    assert layout is not None

    assert text_encoding(path, "asif_2004.dta", layout) == "utf-8"
    assert read_asif(path, "dta").table.column("firm_name").to_pylist() == ["昆山某厂"]


def test_text_in_neither_encoding_names_its_column_and_row(tmp_path: Path) -> None:
    path = tmp_path / "asif_2002.dta"
    names = ["甲".encode("gbk"), b"ok", b"ok\xff"]
    write_stata(path, [("frdm", 9, [b"1"] * 3), ("qymc", 8, names)], release=114)

    with pytest.raises(ReadError) as err:
        read_asif(path, "dta", file="asif/2002/asif_2002.dta")

    assert (err.value.file, err.value.column, err.value.row) == (
        "asif/2002/asif_2002.dta",
        "qymc",
        3,
    )
    assert err.value.reason == "encoding_error"


@pytest.mark.parametrize(
    ("label", "encoding"), [("国有企业".encode("gbk"), "gb18030"), (b"\xff\xfe", None)]
)
def test_value_labels_in_gbk_make_the_file_gbk(
    tmp_path: Path, label: bytes, encoding: str | None
) -> None:
    # Everything text_encoding checks is ASCII; a value label (`label define`, after the data
    # in format 115: its length, name, 3 bytes of padding, then entries, offsets, values,
    # text) is GBK, which pyreadstat, told UTF-8, cannot convert; in neither: an error.
    path = tmp_path / "asif_1999.dta"
    write_stata(path, [("frdm", 9, [b"000123456"]), ("djzclx", INT, [110])], release=115)
    text = label + b"\0"
    table = struct.pack("<ii", 1, len(text)) + struct.pack("<i", 0) + struct.pack("<i", 110)
    table += text
    name = b"djzclx".ljust(33, b"\0") + bytes(3)
    path.write_bytes(path.read_bytes() + struct.pack("<i", len(table)) + name + table)

    if encoding is None:
        with pytest.raises(ReadError) as err:
            read_asif(path, "dta", file="asif/1999/asif_1999.dta")
        assert (err.value.file, err.value.reason) == ("asif/1999/asif_1999.dta", "encoding_error")
        return
    frame = read_asif(path, "dta")
    assert frame.encoding == encoding
    assert frame.table.column("registration_type").to_pylist() == ["110"]


@pytest.mark.parametrize(
    ("version", "release"),
    [(8, 113), (10, 114), (12, 115), (13, 117), (14, 118), (15, 119)],
)
def test_files_readstat_writes_read_as_readstat_reads_them(
    tmp_path: Path, version: int, release: int
) -> None:
    # another writer than this file's: ReadStat's (through pyreadstat), Stata `version` → format
    path = tmp_path / "other_writer.dta"
    frame = pd.DataFrame(
        {
            "frdm": ["000123456", "78901234X", ""],
            "gyzcz": [1.5, np.nan, -2.0],
            "pjrs": [1, 2, 3],
        }
    )
    pyreadstat.write_dta(frame, path, version=version, column_labels=["法人代码", None, "人数"])
    layout = read_layout(path)
    assert layout is not None
    assert layout.release == release

    (table,) = read_chunks(path, "other_writer.dta", layout, 100)

    expected, _ = pyreadstat.read_dta(path)
    for name in expected.columns:
        theirs = [None if v != v else v for v in expected[name].tolist()]  # NaN: missing
        assert table.column(name).to_pylist() == theirs, name
