"""BIFF `.xls` workbooks (Excel 97–2003, as CNKI and statistical bureaus still hand out
yearbook tables) through xlrd: every sheet as a `Sheet`, merged cells filled over their range.
A web page named .xls goes to readers/html_table.py.

xlrd reports merged ranges only when it reads formatting (`formatting_info=True`); its
`merged_cells` are 0-based (first row, row after the last, first column, column after the
last), the layout `grid_sheet` takes.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

from orchestration.ingest.readers.errors import ReadError
from orchestration.ingest.readers.html_table import looks_like_html, read_html_sheets
from orchestration.ingest.readers.limits import TableLimits, limited_rows
from orchestration.ingest.readers.sources import Sheet, check_not_empty, grid_sheet

# Every BIFF8 workbook is an OLE2 compound document, which starts with these bytes.
_OLE2_HEAD = bytes.fromhex("d0cf11e0a1b11ae1")
_ZIP_HEAD = b"PK\x03\x04"


def xls_kind(path: Path, file: str) -> str:
    """`biff` for a BIFF workbook, `html` for a web page named .xls (a site's "Excel
    download", or Excel's "Web Page" save: read by readers/html_table.py); else name what the
    file really is: an .xlsx renamed, an XML Spreadsheet 2003, or no workbook at all."""
    check_not_empty(path, file)
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(_OLE2_HEAD):
        return "biff"
    if head.startswith(_ZIP_HEAD):
        what = "an .xlsx workbook named .xls; catalog it with format xlsx"
    elif b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        what = "an XML Spreadsheet 2003 named .xls; open it in Excel and save it as .xlsx"
    elif looks_like_html(head):
        return "html"
    else:
        what = "not a BIFF .xls workbook (no OLE2 header) nor a web page"
    raise ReadError(file, None, None, what, "corrupt_file")


def _cell_value(cell: Any, datemode: int) -> Any:
    """A cell as the xlsx reader gives it: None for empty, str, float, bool, ISO dates, and
    Excel's error text (#DIV/0!, #N/A) so a bad cell shows in the parse report."""
    import xlrd

    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_TEXT:
        return cell.value if cell.value.strip() else None
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    if kind == xlrd.XL_CELL_DATE:
        return xlrd.xldate_as_datetime(cell.value, datemode).isoformat()
    return float(cell.value)


def _open_book(path: Path, file: str) -> Any:
    # lazy: only .xls files need xlrd
    import xlrd
    from xlrd.compdoc import CompDocError

    # xlrd writes its warnings to a log file, by default standard output.
    log = io.StringIO()
    try:
        try:
            return xlrd.open_workbook(path, formatting_info=True, logfile=log)
        except NotImplementedError:
            # Formatting of some old BIFF versions is not readable: no merged ranges then.
            return xlrd.open_workbook(path, logfile=log)
    except (
        xlrd.XLRDError,
        CompDocError,
        struct.error,
        AssertionError,
        LookupError,
        ValueError,
        EOFError,
    ) as exc:
        # An OLE2 file is a 512-byte header and whole 512-byte sectors; any other size is a
        # file cut short (a download or a copy that stopped).
        cut = (path.stat().st_size - 512) % 512 != 0
        raise ReadError(
            file,
            None,
            None,
            f"unreadable xls{' (file ends mid-sector)' if cut else ''}: {exc}",
            "truncated_file" if cut else "corrupt_file",
        ) from None


def read_xls(path: Path, file: str, limits: TableLimits) -> list[Sheet]:
    """Every sheet's non-empty rows with their 1-based sheet row numbers (of a web page named
    .xls: every table's)."""
    if xls_kind(path, file) == "html":
        return read_html_sheets(path, file, limits)
    book = _open_book(path, file)
    try:
        sheets = []
        for sheet in book.sheets():
            cells = (
                [_cell_value(cell, book.datemode) for cell in sheet.row(r)]
                for r in range(sheet.nrows)
            )
            grid = list(limited_rows(cells, file, limits, sheet.name))
            sheets.append(grid_sheet(sheet.name, grid, sheet.merged_cells))
    finally:
        book.release_resources()
    if not any(s.rows for s in sheets):
        raise ReadError(file, None, None, "workbook has no data", "empty_file")
    return sheets
