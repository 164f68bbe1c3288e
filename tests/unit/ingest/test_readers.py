"""Readers: every format to canonical columns, with values checked against fixtures built by
hand here (Stata with labels, UTF-8 and GBK CSV, Parquet, long and wide xlsx) and every
broken-file case mapped to its reason code and location."""

from __future__ import annotations

import datetime
import struct
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

from orchestration.ingest.readers import ReadError, read_asif, read_fdi_city
from orchestration.ingest.readers import asif as reader_asif
from orchestration.ingest.readers import sources as reader_sources
from orchestration.ingest.readers.limits import ASIF_LIMITS
from orchestration.ingest.readers.xlsx import declared_sizes_hold, read_sheet_tables

# Three firms as a 2007 file might hold them. Codes carry leading zeros where they exist.
FIRMS = {
    "firm_id": ["000123456", "78901234X", "555000111"],
    "location_code": ["320583101000", "441900003000", "320500102000"],
    "industry_code": ["4041", "0610", "4053"],
    "registration_type": ["230", "310", "110"],
    "gross_output": [123456.789, 5000.5, 880.0],
    "value_added": [30000.0, None, 200.25],
    "employment": [1200.0, 35.0, 8.0],
}


def _dta_frame(names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({raw: FIRMS[canonical] for canonical, raw in names.items()})


def _values(frame, column: str) -> list:
    return frame.table.column(column).to_pylist()


# Stata -----------------------------------------------------------------------------------


def test_dta_maps_pinyin_names_and_chinese_labels(tmp_path: Path) -> None:
    # Pinyin names map by name (frdm, hydm, djzclx, gyzcz); `xzqh` maps only by its label.
    names = {
        "firm_id": "frdm",
        "location_code": "xzqh",
        "industry_code": "hydm",
        "registration_type": "djzclx",
        "gross_output": "gyzcz",
        "value_added": "zjz_x",
    }
    df = _dta_frame(names)
    df["note"] = ["a", "b", "c"]
    labels = {
        "frdm": "法人代码",
        "xzqh": "行政区划代码",
        "hydm": "行业代码",
        "djzclx": "登记注册类型",
        "gyzcz": "工业总产值",
        "zjz_x": "工业增加值",
        "note": "备注",
    }
    path = tmp_path / "asif_2007.dta"
    pyreadstat.write_dta(df, path, column_labels=labels)

    frame = read_asif(path, "dta", file="asif/2007/asif_2007.dta")

    assert frame.missing_required == []
    assert frame.column_sources["location_code"] == "行政区划代码"
    assert _values(frame, "firm_id") == FIRMS["firm_id"]
    assert _values(frame, "location_code") == FIRMS["location_code"]
    assert _values(frame, "industry_code") == ["4041", "0610", "4053"]
    assert _values(frame, "gross_output") == pytest.approx(FIRMS["gross_output"])
    assert _values(frame, "value_added") == [30000.0, None, 200.25]
    assert _values(frame, "employment") == [None, None, None]  # absent optional column
    assert frame.unmapped_columns == ["note"]
    assert frame.extras.column("note").to_pylist() == ["a", "b", "c"]
    assert frame.source_row.to_pylist() == [1, 2, 3]


def test_dta_numeric_codes_get_their_leading_zeros_back(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "法人代码": ["1", "2"],
            "行政区代码": [320583101000.0, 441900003000.0],
            "国民经济行业代码": [610.0, 4041.0],  # 0610 stored as a number
            "登记注册类型": [230, 310],
            "工业总产值": [10.0, 20.0],
        }
    )
    path = tmp_path / "numeric_codes.dta"
    pyreadstat.write_dta(df, path)

    frame = read_asif(path, "dta")

    assert _values(frame, "industry_code") == ["0610", "4041"]
    assert _values(frame, "location_code") == ["320583101000", "441900003000"]
    assert _values(frame, "registration_type") == ["230", "310"]


def test_dta_read_in_chunks_keeps_row_numbers_and_first_bad_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_sources, "DTA_CHUNK_ROWS", 2)
    n = 5
    df = pd.DataFrame(
        {
            "firm_id": [f"F{i}" for i in range(n)],
            "location_code": ["320583101000"] * n,
            "industry_code": ["4041"] * n,
            "registration_type": ["230"] * n,
            # Output stored as text with garbage in rows 4 and 5 (the second and third chunk).
            "gross_output": ["1.5", "2", "3e2", "n/a", "x"],
        }
    )
    path = tmp_path / "chunks.dta"
    pyreadstat.write_dta(df, path)

    frame = read_asif(path, "dta")

    assert frame.source_row.to_pylist() == [1, 2, 3, 4, 5]
    assert _values(frame, "gross_output") == [1.5, 2.0, 300.0, None, None]
    issue = frame.parse_issues["gross_output"]
    assert (issue.count, issue.first_row, issue.first_value) == (2, 4, "n/a")


def test_garbage_declared_as_stata_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "garbage.dta"
    path.write_bytes(b"PK\x03\x04 this is not a Stata file" * 50)
    with pytest.raises(ReadError) as err:
        read_asif(path, "dta", file="asif/2001/x.dta")
    assert err.value.reason == "corrupt_file"
    assert err.value.file == "asif/2001/x.dta"


def test_truncated_stata_file(tmp_path: Path) -> None:
    path = tmp_path / "full.dta"
    pyreadstat.write_dta(_dta_frame({k: k for k in FIRMS}), path)
    data = path.read_bytes()
    cut = tmp_path / "cut.dta"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ReadError) as err:
        read_asif(cut, "dta")
    assert err.value.reason == "truncated_file"


@pytest.mark.parametrize("fmt", ["dta", "csv", "parquet", "xlsx"])
def test_empty_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"empty.{fmt}"
    path.write_bytes(b"")
    with pytest.raises(ReadError) as err:
        read_asif(path, fmt)
    assert err.value.reason == "empty_file"


# CSV -------------------------------------------------------------------------------------

CSV_TEXT = (
    "法人代码,法人单位,省地县码,行业代码,登记注册类型,产值现价,全部职工数,备注\n"
    "000123456,昆山电子有限公司,320583,4041,230,123456.789,1200,甲\n"
    '78901234X,"东莞,精密",441900,0610,310,5000.5,35,\n'
    "555000111,苏州五金厂,320500,4053,110,880,8,乙\n"
)


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8-sig", "utf-8"), ("utf-8", "utf-8"), ("gbk", "gb18030")]
)
def test_csv_encodings_keep_codes_and_names(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "asif_2002.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))

    frame = read_asif(path, "csv")

    assert frame.encoding == expected
    assert _values(frame, "firm_id") == FIRMS["firm_id"]
    assert _values(frame, "firm_name") == ["昆山电子有限公司", "东莞,精密", "苏州五金厂"]
    assert _values(frame, "location_code") == ["320583", "441900", "320500"]
    assert _values(frame, "industry_code") == ["4041", "0610", "4053"]
    assert _values(frame, "gross_output") == [123456.789, 5000.5, 880.0]
    assert _values(frame, "employment") == [1200.0, 35.0, 8.0]
    assert frame.unmapped_columns == ["备注"]
    assert frame.extras.column("备注").to_pylist() == ["甲", "", "乙"]


# A 2001 year as Stata 12's `outsheet using asif_2001.csv` writes it from Chinese Windows:
# values separated by tabs (without the `comma` option), text in double quotes, in GBK, a
# missing number as nothing; the commas inside a firm name do not make it a comma file.
OUTSHEET_TEXT = (
    "frdm\tqymc\tsdxm\thydm\tdjzclx\tgyzcz\tcyrs\n"
    '"000123456"\t"昆山电子有限公司"\t320583\t4041\t230\t123456.789\t1200\n'
    '"78901234X"\t"东莞,精密,五金,制品厂"\t441900\t0610\t310\t5000.5\t\n'
    '"555000111"\t"苏州五金厂"\t320500\t4053\t110\t880\t8\n'
)


def test_csv_written_by_outsheet_is_tab_separated(tmp_path: Path) -> None:
    path = tmp_path / "asif_2001.csv"
    path.write_bytes(OUTSHEET_TEXT.encode("gbk"))

    frame = read_asif(path, "csv")

    assert frame.encoding == "gb18030"
    assert frame.missing_required == []
    assert _values(frame, "firm_id") == FIRMS["firm_id"]
    assert _values(frame, "firm_name") == [
        "昆山电子有限公司",
        "东莞,精密,五金,制品厂",
        "苏州五金厂",
    ]
    assert _values(frame, "location_code") == ["320583", "441900", "320500"]
    assert _values(frame, "industry_code") == ["4041", "0610", "4053"]
    assert _values(frame, "gross_output") == [123456.789, 5000.5, 880.0]
    assert _values(frame, "employment") == [1200.0, None, 8.0]


def test_firm_ids_in_one_spelling_and_a_stata_dot_is_missing(tmp_path: Path) -> None:
    # As circulating copies print them: a check character in lower case, an organisation code
    # in its printed form (GB 11714: 8 digits, hyphen, check character), and "." — Stata's
    # missing value, which `tostring` leaves in text columns — for an unknown id, industry
    # and output. Two "." ids are two firms without an id, not one firm printed twice.
    text = (
        "法人代码,法人单位,省地县码,行业代码,登记注册类型,产值现价,全部职工数\n"
        "78901234x,甲厂,320583,4041,230,100,10\n"
        "12345678-9,乙厂,320583,.,230,.,12\n"
        ".,丙厂,441900,4041,310,300,30\n"
        " . ,丁厂,441900,4041,310,400,40\n"
        "1234567-89,戊厂,441900,4041,310,500,50\n"
        "123456,己厂,441900,4041,310,600,60\n"
    )
    path = tmp_path / "asif_2004.csv"
    path.write_text(text, encoding="utf-8")

    frame = read_asif(path, "csv")

    assert _values(frame, "firm_id") == [
        "78901234X",
        "123456789",
        None,
        None,
        "1234567-89",  # not an organisation code's printed form: left as written
        "000123456",  # the zeros Excel took off an id of digits
    ]
    assert _values(frame, "industry_code") == ["4041", None, "4041", "4041", "4041", "4041"]
    assert _values(frame, "gross_output") == [100.0, None, 300.0, 400.0, 500.0, 600.0]
    assert frame.parse_issues == {}


def test_csv_as_excel_saves_it_keeps_grouped_numbers(tmp_path: Path) -> None:
    # Excel, opening a CSV and saving it again, writes formatted cells with thousands
    # separators (quoted); a decimal comma ("1,5") is no grouped number and stays a parse
    # issue, located. The code it shortened (0610) stays as written, for the code checks to
    # report: text of three digits may as well be a three-digit group code.
    text = (
        "法人代码,法人单位,省地县码,行业代码,登记注册类型,产值现价,全部职工数\r\n"
        '000123456,甲厂,320583,610,230,"1,234,567.8","1,200"\r\n'
        "000123457,乙厂,320583,4041,230,-880.5,35\r\n"
        '000123458,丙厂,320583,4041,230,"1,5",8\r\n'
    )
    path = tmp_path / "asif_2005.csv"
    path.write_bytes(text.encode("gbk"))

    frame = read_asif(path, "csv")

    assert _values(frame, "industry_code") == ["610", "4041", "4041"]
    assert _values(frame, "gross_output") == [1234567.8, -880.5, None]
    assert _values(frame, "employment") == [1200.0, 35.0, 8.0]
    issue = frame.parse_issues["gross_output"]
    assert (issue.count, issue.first_row, issue.first_value) == (1, 3, "1,5")


def test_csv_non_numeric_output_is_located(tmp_path: Path) -> None:
    text = CSV_TEXT.replace("5000.5", "五千")
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")

    frame = read_asif(path, "csv")

    issue = frame.parse_issues["gross_output"]
    assert (issue.count, issue.first_row, issue.first_value) == (1, 2, "五千")
    assert frame.describe_column("gross_output") == "gross_output ('产值现价')"


def test_csv_in_neither_utf8_nor_gbk_names_the_offset(tmp_path: Path) -> None:
    body = CSV_TEXT.encode("utf-8")
    # 0xFF is invalid in both UTF-8 and GB18030; put it on the third line.
    offset = body.index(b"78901234X") + 2
    path = tmp_path / "latin.csv"
    path.write_bytes(body[:offset] + b"\xff\xfe" + body[offset:])

    with pytest.raises(ReadError) as err:
        read_asif(path, "csv", file="asif/2002/latin.csv")

    assert err.value.reason == "encoding_error"
    assert f"offset {offset}" in str(err.value)
    assert err.value.row == 2  # data row 2 = line 3


def test_csv_cut_mid_row_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text(CSV_TEXT[: CSV_TEXT.index("苏州五金厂") + 3], encoding="utf-8")
    with pytest.raises(ReadError) as err:
        read_asif(path, "csv")
    assert err.value.reason == "truncated_file"
    assert err.value.row == 3


def test_csv_header_only_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(CSV_TEXT.splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(ReadError) as err:
        read_asif(path, "csv")
    assert err.value.reason == "empty_file"


def test_missing_required_column_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "no_output.csv"
    lines = [",".join(line.split(",")[:5]) for line in CSV_TEXT.replace('"东莞,精密"', "x").split()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = read_asif(path, "csv")
    assert frame.missing_required == ["gross_output"]


# Parquet and xlsx ------------------------------------------------------------------------


def test_parquet_english_codes_integer_and_dictionary_columns(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": pa.array(FIRMS["firm_id"]).dictionary_encode(),
            "code_0409": FIRMS["location_code"],
            "cic": pa.array([4041, 610, 4053], pa.int32()),
            "type_reg": pa.array([230, 310, 110], pa.int16()),
            "output": FIRMS["gross_output"],
            "va": FIRMS["value_added"],
            "employment": pa.array([1200, 35, 8], pa.int64()),
        }
    )
    path = tmp_path / "asif_2007.parquet"
    pq.write_table(table, path)

    frame = read_asif(path, "parquet")

    assert _values(frame, "firm_id") == FIRMS["firm_id"]
    assert _values(frame, "industry_code") == ["4041", "0610", "4053"]
    assert _values(frame, "registration_type") == ["230", "310", "110"]
    assert _values(frame, "employment") == [1200.0, 35.0, 8.0]
    assert frame.unmapped_columns == []


def test_truncated_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": ["a"] * 100}), path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ReadError) as err:
        read_asif(path, "parquet")
    assert err.value.reason == "truncated_file"


def test_xlsx_long_asif(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["法人代码", "行政区划代码", "国民经济行业代码", "登记注册类型", "工业总产值"])
    sheet.append(["000123456", "320583101000", "4041", "230", 123456.789])
    sheet.append([None, None, None, None, None])  # a blank row keeps its place
    sheet.append(["78901234X", 441900003000, 610, 310, 5000.5])
    path = tmp_path / "asif.xlsx"
    book.save(path)

    frame = read_asif(path, "xlsx")

    assert _values(frame, "firm_id") == ["000123456", "78901234X"]
    assert _values(frame, "location_code") == ["320583101000", "441900003000"]
    assert _values(frame, "industry_code") == ["4041", "0610"]
    assert _values(frame, "gross_output") == [123456.789, 5000.5]
    assert frame.source_row.to_pylist() == [1, 3]


def _asif_book(path: Path, rows: list[list]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])  # a title-less gap above the header, as some exports leave
    for row in rows:
        sheet.append(row)
    book.save(path)


# A year as an export leaves it: codes as numbers (0610's zero lost), a column that mixes
# numbers and text, a row of nothing but spaces between firms, two columns of one name,
# money that no decimal print of 15 digits keeps whole.
XLSX_ROWS = [
    ["法人代码", "行政区划代码", "国民经济行业代码", "登记注册类型", "工业总产值", "备注", "备注"],
    ["000123456", 320583101000, 610, 230, 84442.18515250496, "甲", 1995],
    [None, None, None, "   ", None, None, None],
    ["78901234X", 441900003000, 4041, "310", 5000.5, "乙", 2001],
    ["555000111", 320500102000, 4053, 110, 880, None, 1998],
]


def test_a_large_xlsx_is_read_by_calamine_as_openpyxl_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "asif_2009.xlsx"
    _asif_book(path, XLSX_ROWS)
    assert (
        read_sheet_tables(path, "asif_2009.xlsx", "xlsx", ASIF_LIMITS) is not None
    )  # the fast path

    frame = read_asif(path, "xlsx")

    assert _values(frame, "firm_id") == ["000123456", "78901234X", "555000111"]
    assert _values(frame, "location_code") == ["320583101000", "441900003000", "320500102000"]
    assert _values(frame, "industry_code") == ["0610", "4041", "4053"]
    assert _values(frame, "registration_type") == ["230", "310", "110"]
    assert _values(frame, "gross_output") == [84442.18515250496, 5000.5, 880.0]
    assert frame.source_row.to_pylist() == [1, 3, 4]
    assert frame.extras.to_pydict() == {"备注": ["甲", "乙", None], "备注 (2)": [1995, 2001, 1998]}
    # openpyxl, cell by cell, reads the same frame
    monkeypatch.setattr(reader_asif, "read_sheet_tables", lambda *_: None)
    by_openpyxl = read_asif(path, "xlsx")
    assert by_openpyxl.table.equals(frame.table)
    assert by_openpyxl.extras.equals(frame.extras)


def test_a_code_column_of_numbers_and_text_is_left_to_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 610 a number (its zero lost), 4041 text: calamine prints both as text, and only
    # openpyxl's cells tell which code lost a zero
    path = tmp_path / "asif_2009.xlsx"
    rows = [XLSX_ROWS[0][:5], ["000123456", 320583101000, 610, 230, 1.0]]
    _asif_book(path, [*rows, ["78901234X", 441900003000, "4041", 310, 2.0]])
    read_by_openpyxl = []

    def spy(*args: object) -> object:
        read_by_openpyxl.append(args)
        return reader_sources.read_xlsx(*args)

    monkeypatch.setattr(reader_asif, "read_xlsx", spy)

    assert _values(read_asif(path, "xlsx"), "industry_code") == ["0610", "4041"]
    assert len(read_by_openpyxl) == 1


@pytest.mark.parametrize(
    ("cell", "why"), [(datetime.date(2009, 5, 1), "a date"), ("=1/0", "an error value")]
)
def test_sheets_calamine_renders_otherwise_are_left_to_openpyxl(
    tmp_path: Path, cell: object, why: str
) -> None:
    path = tmp_path / "asif_2009.xlsx"
    _asif_book(path, [[*XLSX_ROWS[0][:5], "开业时间"], [*XLSX_ROWS[1][:5], cell]])
    if why == "an error value":  # what Excel stores for =1/0 once it has calculated
        book = openpyxl.load_workbook(path)
        book.active["F3"] = "#DIV/0!"
        book.active["F3"].data_type = "e"
        book.save(path)

    assert read_sheet_tables(path, "asif_2009.xlsx", "xlsx", ASIF_LIMITS) is None, why
    assert _values(read_asif(path, "xlsx"), "gross_output") == [84442.18515250496]


def test_an_archive_that_inflates_past_its_declared_size_is_not_given_to_calamine(
    tmp_path: Path,
) -> None:
    # The sheet's declared size, in its local header and the central directory, 100 bytes
    # short of what it inflates to: Python's zipfile stops there, calamine's reader would not.
    path = tmp_path / "asif_2009.xlsx"
    _asif_book(path, XLSX_ROWS)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    true_size = struct.pack("<I", sheet.file_size)
    short_size = struct.pack("<I", sheet.file_size - 100)
    local = sheet.header_offset
    assert data[local + 22 : local + 26] == true_size
    data[local + 22 : local + 26] = short_size
    name = sheet.filename.encode()
    central = data.index(b"PK\x01\x02")  # the central directory's records: name at 46
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    assert data[central + 24 : central + 28] == true_size
    data[central + 24 : central + 28] = short_size
    path.write_bytes(bytes(data))

    assert not declared_sizes_hold(path)
    assert read_sheet_tables(path, "asif_2009.xlsx", "xlsx", ASIF_LIMITS) is None


def test_truncated_xlsx(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(ReadError) as err:
        read_asif(path, "xlsx")
    assert err.value.reason == "truncated_file"


# fdi_city --------------------------------------------------------------------------------

FDI_LONG_ZH = (
    "年份,城市代码,行业代码,行业名称,登记注册类型,指标,数值,单位\n"
    '2015,441900,C,制造业,合计,工业总产值,"1,234,567.8",万元\n'
    "2015,441900,39,计算机、通信和其他电子设备制造业,外商投资企业,工业总产值,456789.12,万元\n"
    "2015,441900,39,计算机、通信和其他电子设备制造业,港澳台商投资企业,工业总产值,—,万元\n"
)


def test_fdi_long_gbk_csv(tmp_path: Path) -> None:
    path = tmp_path / "dg_2015.csv"
    path.write_bytes(FDI_LONG_ZH.encode("gbk"))

    frame = read_fdi_city(path, "csv")
    rows = frame.table.to_pylist()

    assert frame.encoding == "gb18030"
    assert frame.missing_required == []
    assert [r["industry_code"] for r in rows] == ["C", "39", "39"]
    assert [r["value"] for r in rows] == [1234567.8, 456789.12, None]
    assert rows[1]["ownership"] == "外商投资企业"
    assert {r["unit"] for r in rows} == {"万元"}
    assert {r["year"] for r in rows} == {2015.0}
    assert {r["file_city_code"] for r in rows} == {"441900"}
    assert {r["layout"] for r in rows} == {"long"}
    assert [r["source_row"] for r in rows] == [1, 2, 3]


def test_fdi_long_tab_separated_csv(tmp_path: Path) -> None:
    # the same table exported with tabs; the thousands separators stay inside their value
    text = FDI_LONG_ZH.replace(",", "\t").replace('"1\t234\t567.8"', '"1,234,567.8"')
    path = tmp_path / "dg_2015.csv"
    path.write_bytes(text.encode("gbk"))

    rows = read_fdi_city(path, "csv").table.to_pylist()

    assert [r["industry_code"] for r in rows] == ["C", "39", "39"]
    assert [r["value"] for r in rows] == [1234567.8, 456789.12, None]
    assert rows[1]["industry_name"] == "计算机、通信和其他电子设备制造业"


def test_fdi_long_xlsx_english_headers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append(["year", "city_code", "industry_code", "industry_name", "ownership", "measure"])
    sheet["G1"], sheet["H1"] = "value", "unit"
    sheet.append([2012, 320583, 39, "Computers", "foreign", "gross_output", 9876.5, "亿元"])
    sheet.append([2012, 320583, 6, "Coal", "total", "gross_output", 1, "亿元"])
    path = tmp_path / "ks_2012.xlsx"
    book.save(path)

    frame = read_fdi_city(path, "xlsx")
    rows = frame.table.to_pylist()

    assert [r["industry_code"] for r in rows] == ["39", "06"]
    assert [r["file_city_code"] for r in rows] == ["320583", "320583"]
    assert [r["value"] for r in rows] == [9876.5, 1.0]
    assert [r["source_sheet"] for r in rows] == ["data", "data"]
    assert [r["source_row"] for r in rows] == [2, 3]


def _wide_sheet(book: openpyxl.Workbook, name: str, measure: str, unit: str, rows: list) -> None:
    sheet = book.create_sheet(name)
    sheet.append([f"东莞市2016年规模以上工业企业{measure}（按行业和登记注册类型分）"])
    sheet.append([None, None, None, f"单位：{unit}"])
    sheet.append(["行业", "合计", "内资企业", "港澳台商投资企业", "外商投资企业"])
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append(["注：本表为规模以上工业企业数据。"])


def test_fdi_wide_xlsx_as_printed(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    _wide_sheet(
        book,
        "工业总产值",
        "工业总产值",
        "万元",
        [
            ["制造业", 1000.5, 400, 350.25, 250.25],
            ["  计算机、通信和其他电子设备制造业", 600, 100, "—", 300],
        ],
    )
    _wide_sheet(book, "增加值", "工业增加值", "亿元", [["制造业", 2.5, 1, 0.75, 0.75]])
    path = tmp_path / "dg_2016.xlsx"
    book.save(path)

    frame = read_fdi_city(path, "xlsx")
    rows = frame.table.to_pylist()

    assert frame.problems == []
    assert len(rows) == 3 * 4
    first = rows[0]
    assert first == {
        "source_row": 4,
        "source_sheet": "工业总产值",
        "layout": "wide",
        "year": 2016.0,
        "file_city_code": "441900",
        "industry_code": None,
        "industry_name": "制造业",
        "ownership": "合计",
        "measure": "工业总产值",
        "value": 1000.5,
        "unit": "万元",
    }
    ict = [r for r in rows if r["industry_name"].startswith("计算机")]
    assert [r["value"] for r in ict] == [600.0, 100.0, None, 300.0]
    assert ict[0]["industry_name"] == "计算机、通信和其他电子设备制造业"
    assert [r["source_row"] for r in ict] == [5] * 4
    va = [r for r in rows if r["source_sheet"] == "增加值"]
    assert {r["measure"] for r in va} == {"工业增加值"}
    assert {r["unit"] for r in va} == {"亿元"}
    assert [r["value"] for r in va] == [2.5, 1.0, 0.75, 0.75]


def test_fdi_wide_without_unit_row_is_a_problem(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "工业总产值"
    sheet.append(["东莞市2016年规模以上工业企业工业总产值"])
    sheet.append(["行业", "合计"])
    sheet.append(["制造业", 1])
    path = tmp_path / "nounit.xlsx"
    book.save(path)

    frame = read_fdi_city(path, "xlsx")

    assert [p[0] for p in frame.problems] == ["missing_unit"]


def test_fdi_workbook_without_a_table(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["说明", "这里没有表"])
    path = tmp_path / "notable.xlsx"
    book.save(path)
    with pytest.raises(ReadError) as err:
        read_fdi_city(path, "xlsx")
    assert err.value.reason == "no_table"
