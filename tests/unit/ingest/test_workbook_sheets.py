"""ASIF years in workbooks of several sheets, written by hand the way such workbooks are written.

An Excel 97–2003 sheet holds at most 65,536 rows, so a year saved as `.xls` (≈ 300,000 firms)
fills a sheet every 65,536 rows, each under the same header; vendors' workbooks add a sheet of
notes or a variable list. Until 2026-12-08 citygvc read the first sheet with data and nothing
else (the other sheets' firms were left out without a word) and refused `.xls` for ASIF. Each
sheet whose header names the required columns is now a table of its own (errors name the
sheet); the other sheets are reported, not read. Expected values are the hand-made rows.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pytest

from orchestration.ingest.catalog import validate_catalog
from orchestration.ingest.checks.asif import run_asif_checks
from orchestration.ingest.readers import ReadError, read_asif, read_asif_file
from orchestration.ingest.readers import asif as asif_reader
from orchestration.ingest.readers.limits import ASIF_LIMITS
from orchestration.ingest.readers.xlsx import read_sheet_tables
from tests.helpers import Warehouse, write_xls

# Headers as the 2004–2005 files print them (the column map's 2004–2005 spellings).
HEADER = ["法人代码", "法人单位", "行政区代码", "国民经济行业代码", "登记注册类型", "工业产值当"]
# Industry and registration codes as text, as the files hold them (0610: coal washing).
FIRST = [
    ["320583001", "昆山电脑", "320583", "4041", "330", 9000],
    ["320583002", "昆山五金", "320583", "3411", "170", 3000],
    ["320583003", "昆山洗煤", "320583", "0610", "110", 500],
]
SECOND = [
    ["441900001", "东莞外设", "441900", "4043", "230", 2000],
    ["441900002", "东莞服装", "441900", "1810", "170", 6000],
]
NOTES = [
    ["变量", "含义"],
    ["法人代码", "企业法人代码"],
    ["工业产值当", "工业总产值(当年价格), 千元"],
]
Sheets = list[tuple[str, list[list[Any]]]]
YEAR: Sheets = [("说明", NOTES), ("2004年1", [HEADER, *FIRST]), ("2004年2", [HEADER, *SECOND])]


def _xlsx(path: Path, sheets: Sheets) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


WRITERS = {"xls": write_xls, "xlsx": _xlsx}


def _column(frame: Any, name: str) -> list:
    return frame.table.column(name).to_pylist()


@pytest.mark.parametrize("fmt", ["xls", "xlsx"])
def test_each_sheet_of_firms_is_read_and_named(tmp_path: Path, fmt: str) -> None:
    path = WRITERS[fmt](tmp_path / f"asif_2004.{fmt}", YEAR)

    frames = read_asif_file(path, fmt, f"asif/2004/asif_2004.{fmt}")

    assert [f.file for f in frames] == [
        f"asif/2004/asif_2004.{fmt} (sheet 2004年1)",
        f"asif/2004/asif_2004.{fmt} (sheet 2004年2)",
    ]
    assert [_column(f, "firm_id") for f in frames] == [
        ["320583001", "320583002", "320583003"],
        ["441900001", "441900002"],
    ]
    assert [_column(f, "industry_code") for f in frames] == [
        ["4041", "3411", "0610"],
        ["4043", "1810"],
    ]
    assert [_column(f, "gross_output") for f in frames] == [[9000, 3000, 500], [2000, 6000]]
    assert [_column(f, "source_row") for f in frames] == [[1, 2, 3], [1, 2]]  # rows of each sheet
    assert all(f.missing_required == [] for f in frames)
    # the notes sheet: two rows under its header, reported once
    assert [f.sheets_not_read for f in frames] == [{"说明": 2}, {}]


@pytest.mark.parametrize("fmt", ["xls", "xlsx"])
def test_the_cell_readers_read_the_sheets_as_calamine_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """openpyxl (xlrd for .xls), behind calamine for workbooks it does not lay out alike."""
    path = WRITERS[fmt](tmp_path / f"asif_2004.{fmt}", YEAR)
    assert read_sheet_tables(path, path.name, fmt, ASIF_LIMITS) is not None  # calamine reads it
    fast = read_asif_file(path, fmt)
    monkeypatch.setattr(asif_reader, "read_sheet_tables", lambda *_: None)
    slow = read_asif_file(path, fmt)

    assert [f.file for f in slow] == [f.file for f in fast]
    assert [f.table.to_pydict() for f in slow] == [f.table.to_pydict() for f in fast]
    assert slow[0].sheets_not_read == fast[0].sheets_not_read == {"说明": 2}


def test_one_sheet_of_firms_behind_a_notes_sheet_keeps_the_file_name(tmp_path: Path) -> None:
    """Before, the notes sheet (the first with data) was read: required columns missing."""
    path = _xlsx(tmp_path / "asif_2004.xlsx", [YEAR[0], YEAR[1]])

    frame = read_asif(path, "xlsx", "asif/2004/asif_2004.xlsx")

    assert frame.file == "asif/2004/asif_2004.xlsx"
    assert frame.num_rows == len(FIRST)
    assert frame.sheets_not_read == {"说明": 2}


@pytest.mark.parametrize("fmt", ["xls", "xlsx"])
def test_a_sheet_with_the_header_alone_is_reported_not_read(tmp_path: Path, fmt: str) -> None:
    """A template sheet left in the workbook would otherwise quarantine the year (no rows)."""
    path = WRITERS[fmt](tmp_path / f"asif_2004.{fmt}", [YEAR[1], ("Sheet3", [HEADER])])

    frame = read_asif(path, fmt, f"asif/2004/asif_2004.{fmt}")

    assert frame.file == f"asif/2004/asif_2004.{fmt}"
    assert frame.num_rows == len(FIRST)
    assert frame.sheets_not_read == {"Sheet3": 0}


def test_a_workbook_without_a_sheet_of_firms_names_the_missing_columns(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "国民经济行业代码"]
    rows = [
        [v for h, v in zip(HEADER, row, strict=True) if h != "国民经济行业代码"] for row in FIRST
    ]
    path = write_xls(tmp_path / "asif_2004.xls", [("2004年1", [header, *rows]), YEAR[0]])

    frame = read_asif(path, "xls")  # the first sheet with data, as before

    assert frame.missing_required == ["industry_code"]
    assert frame.sheets_not_read == {"说明": 2}


def test_read_asif_refuses_a_workbook_of_several_tables(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "asif_2004.xls", YEAR)
    with pytest.raises(ValueError, match="holds 2 tables"):
        read_asif(path, "xls")


def test_the_row_limit_counts_the_rows_of_every_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each sheet is within the limit; together they are not."""
    limits = replace(ASIF_LIMITS, rows=len(FIRST) + 1)
    monkeypatch.setattr(asif_reader, "ASIF_LIMITS", limits)
    path = write_xls(tmp_path / "asif_2004.xls", YEAR)

    with pytest.raises(ReadError) as error:
        read_asif_file(path, "xls", "asif/2004/asif_2004.xls")

    assert error.value.reason == "too_many_rows"
    assert f"{len(FIRST) + len(SECOND)} rows, over the limit of {len(FIRST) + 1}" in str(
        error.value
    )


def _catalog_entry(path: str, fmt: str) -> dict:
    return {
        "release_id": "asif-2004-r1",
        "dataset": "asif",
        "period": 2004,
        "revision": 1,
        "files": [{"path": path, "format": fmt, "sha256": "a" * 64, "bytes": 1}],
    }


def test_the_catalog_accepts_xls_for_asif() -> None:
    doc = {"catalog_version": 1, "releases": [_catalog_entry("asif/2004/asif_2004.xls", "xls")]}
    releases, rejections = validate_catalog(doc)
    assert rejections == []
    assert [f.format for f in releases[0].files] == ["xls"]


def test_an_xls_year_loads_every_sheet_and_errors_name_the_sheet(warehouse: Warehouse) -> None:
    path = write_xls(warehouse.root / "year.xls", YEAR)
    release = warehouse.release("asif-2004-r1", 2004, "asif/2004/asif_2004.xls", path.read_bytes())

    assert warehouse.ingest(release).status == "loaded"
    rows = warehouse.rows(
        "select source_file, count(*) from raw.asif group by source_file order by source_file"
    )
    assert rows == [
        ("asif/2004/asif_2004.xls (sheet 2004年1)", len(FIRST)),
        ("asif/2004/asif_2004.xls (sheet 2004年2)", len(SECOND)),
    ]
    stats = warehouse.rows(
        "select detail, value from ops.ingest_stats where metric = 'sheet_not_read'"
    )
    assert stats == [("说明", 2)]


def test_a_bad_code_on_the_second_sheet_is_named_with_its_sheet_and_row(
    warehouse: Warehouse,
) -> None:
    bad = [*SECOND[:1], ["441900002", "东莞服装", "441900", "18x0", "170", 6000]]
    path = write_xls(warehouse.root / "year.xls", [YEAR[1], ("2004年2", [HEADER, *bad])])
    release = warehouse.release("asif-2004-r1", 2004, "asif/2004/asif_2004.xls", path.read_bytes())

    outcome = warehouse.ingest(release)

    assert outcome.status == "quarantined"
    where = (
        "file asif/2004/asif_2004.xls (sheet 2004年2), "
        "column industry_code ('国民经济行业代码'), row 2:"
    )
    assert where in outcome.message
    assert warehouse.rows("select count(*) from raw.asif") == [(0,)]


def test_checks_see_every_sheet(tmp_path: Path) -> None:
    """The release checks run over the firms of both sheets (rows read per sheet)."""
    path = write_xls(tmp_path / "asif_2004.xls", YEAR)
    frames = read_asif_file(path, "xls", "asif/2004/asif_2004.xls")
    release = validate_catalog(
        {"catalog_version": 1, "releases": [_catalog_entry("asif/2004/asif_2004.xls", "xls")]}
    )[0][0]

    report = run_asif_checks(frames, release, None, None)

    read = {s.file: s.value for s in report.stats if s.metric == "rows_read"}
    assert read == {
        "asif/2004/asif_2004.xls (sheet 2004年1)": len(FIRST),
        "asif/2004/asif_2004.xls (sheet 2004年2)": len(SECOND),
    }
    assert [(s.detail, s.value) for s in report.stats if s.metric == "sheet_not_read"] == [
        ("说明", 2)
    ]
    assert pa.types.is_string(frames[0].table.column("industry_code").type)


def test_a_web_page_of_firms_named_xls_is_read(tmp_path: Path) -> None:
    """An "Excel download" that is a web page: one table, read as a sheet of its own."""
    cells = "".join(
        "<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in [HEADER, *FIRST]
    )
    path = tmp_path / "asif_2004.xls"
    path.write_bytes(f"<html><body><table>{cells}</table></body></html>".encode())

    frame = read_asif(path, "xls", "asif/2004/asif_2004.xls")

    assert frame.file == "asif/2004/asif_2004.xls"
    assert _column(frame, "industry_code") == ["4041", "3411", "0610"]
    assert _column(frame, "gross_output") == [9000, 3000, 500]
