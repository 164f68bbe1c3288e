"""Low-level readers: each format to raw Arrow columns under the names the file uses.

Nothing here knows about canonical columns; `asif.py` and `fdi.py` map names afterwards.
Errors are raised as ReadError with a reason code and the most precise location known. Every
reader takes the `TableLimits` of the dataset it reads for (readers/limits.py).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration.ingest.readers.dta import read_chunks, read_layout, text_encoding
from orchestration.ingest.readers.errors import ReadError
from orchestration.ingest.readers.limits import (
    TableLimits,
    check_columns,
    check_csv_lines,
    check_rows,
    check_unzipped_size,
    limited_rows,
)

DTA_CHUNK_ROWS = 100_000
_DTA_XML_HEAD = b"<stata_dta>"
_DTA_XML_TAIL = b"</stata_dta>"
# First byte of the pre-2013 binary Stata formats 104–115.
_DTA_OLD_VERSIONS = set(range(104, 116))
_ZIP_HEAD = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
_PARQUET_MAGIC = b"PAR1"
# The start of a CSV file that decides its delimiter: its header and first rows.
_CSV_SNIFF_BYTES = 1 << 16
# Excel's "Unicode Text" (the way to save Chinese text from Excel for Windows without losing
# characters to the code page) writes UTF-16 after a byte-order mark, little-endian.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class RawChunk:
    """Rows of a file: raw columns, and the source row of each row (consecutive from
    `first_row`, or listed in `row_numbers` when rows were skipped)."""

    table: pa.Table
    first_row: int = 1
    row_numbers: pa.Array | None = None

    def source_rows(self) -> pa.ChunkedArray:
        if self.row_numbers is not None:
            return pa.chunked_array([self.row_numbers])
        rows = np.arange(self.first_row, self.first_row + self.table.num_rows, dtype=np.int64)
        return pa.chunked_array([pa.array(rows)])


def check_not_empty(path: Path, file: str) -> None:
    if path.stat().st_size == 0:
        raise ReadError(file, None, None, "file is empty (0 bytes)", "empty_file")


def _tail(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - size))
        return handle.read()


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


# CSV ---------------------------------------------------------------------------------------


def decode_csv_bytes(data: bytes, file: str) -> tuple[bytes, str]:
    """The file as UTF-8 bytes without BOM, and the encoding found (utf-8, gb18030, utf-16).

    UTF-16 is taken only after its byte-order mark. GBK is a subset of GB18030, so one
    fallback covers both. A file that is neither fails at the first undecodable byte of the
    encoding that got further (the one the file is most likely in), with its byte offset and
    line."""
    if data.startswith(_UTF16_BOMS):
        return _utf16_to_utf8(data, file), "utf-16"
    try:
        data.decode("utf-8")
        body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        return body, "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030").encode("utf-8"), "gb18030"
        except UnicodeDecodeError as gb_error:
            likely, error = max(
                (("UTF-8", utf8_error), ("GB18030/GBK", gb_error)), key=lambda e: e[1].start
            )
            offset = error.start
            line = data.count(b"\n", 0, offset) + 1
            bad = data[offset : offset + 4].hex(" ")
            raise _undecodable(
                file,
                data,
                offset,
                line,
                f"neither UTF-8 nor GB18030/GBK; as {likely}, invalid bytes {bad} at byte "
                f"offset {offset} (line {line}); UTF-8 fails at offset {utf8_error.start}, "
                f"GB18030 at offset {gb_error.start}",
            ) from None


def _utf16_to_utf8(data: bytes, file: str) -> bytes:
    try:
        return data.decode("utf-16").encode("utf-8")  # the mark says which byte order
    except UnicodeDecodeError as error:
        offset = error.start
        line = data[:offset].decode("utf-16", errors="replace").count("\n") + 1
        raise _undecodable(
            file,
            data,
            offset,
            line,
            f"invalid UTF-16 (after its byte-order mark): bytes "
            f"{data[offset : offset + 4].hex(' ')} at byte offset {offset} (line {line})",
        ) from None


def _undecodable(file: str, data: bytes, offset: int, line: int, text: str) -> ReadError:
    """Bytes that do not decode at `offset`, on `line` (1-based; the header is no data row).
    A character cut at the very end of the file (half of one, or of a surrogate pair) is a
    file cut short."""
    reason = "truncated_file" if offset >= len(data) - 3 else "encoding_error"
    return ReadError(file, None, line - 1 if line > 1 else None, text, reason)


def _csv_delimiter(data: bytes) -> str:
    """Comma, or tab when the file's start holds more tabs than commas: Stata's `outsheet`,
    with which ASIF copies were exported until Stata 13 brought `export delimited`, separates
    values by tabs unless told `comma`, whatever the file's name."""
    head = data[:_CSV_SNIFF_BYTES]
    return "\t" if head.count(b"\t") > head.count(b",") else ","


def read_csv_sheet(path: Path, file: str, limits: TableLimits) -> tuple[Sheet, str]:
    """A CSV file as one unnamed sheet of text cells (blank → None), for tables printed with
    title rows above the header, and the encoding found. Rows are 1-based CSV records."""
    check_not_empty(path, file)
    data, encoding = decode_csv_bytes(path.read_bytes(), file)
    check_csv_lines(data, file, limits)
    records = csv.reader(
        io.StringIO(data.decode("utf-8"), newline=""), delimiter=_csv_delimiter(data)
    )
    cells = ([cell if cell.strip() else None for cell in record] for record in records)
    try:
        grid = list(limited_rows(cells, file, limits))
    except csv.Error:
        # Not a table of text cells; the strict CSV reader locates the fault.
        grid = []
    return grid_sheet("", grid), encoding


def read_csv_strings(path: Path, file: str, limits: TableLimits) -> tuple[pa.Table, str]:
    """Every column as text (codes keep leading zeros; numbers are parsed later, strictly),
    and the encoding found. Row numbers in errors are 1-based data rows."""
    check_not_empty(path, file)
    data, encoding = decode_csv_bytes(path.read_bytes(), file)
    first_line = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    if not first_line.strip():
        raise ReadError(file, None, None, "no header row", "empty_file")
    delimiter = _csv_delimiter(data)
    names = next(csv.reader([first_line], delimiter=delimiter))
    check_columns(len(names), file, limits)
    check_csv_lines(data, file, limits)
    invalid: list[Any] = []

    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "error"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            # Single-threaded so that the parser knows row numbers for error messages.
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                # R's write.csv and readr write a missing value as NA, unquoted, and quote
                # text: an unquoted NA is missing, a quoted "NA" is text. Blanks stay
                # blank here (values.py reads them as missing).
                strings_can_be_null=True,
                null_values=["NA"],
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if invalid:
            row = invalid[0]
            line = row.number
            truncated = not data.endswith(b"\n") and data.rstrip(b"\r").endswith(
                row.text.encode("utf-8")
            )
            raise ReadError(
                file,
                None,
                line - 1 if line else None,
                f"expected {row.expected_columns} fields, found {row.actual_columns}"
                + (" (file ends mid-row)" if truncated else ""),
                "truncated_file" if truncated else "malformed_row",
            ) from None
        raise ReadError(file, None, None, f"CSV parse error: {exc}", "malformed_row") from None
    if table.num_rows == 0:
        raise ReadError(file, None, None, "header only, no data rows", "empty_file")
    return table, encoding


# Parquet -----------------------------------------------------------------------------------


def read_parquet(path: Path, file: str, limits: TableLimits) -> pa.Table:
    check_not_empty(path, file)
    if _head(path, 4) != _PARQUET_MAGIC:
        raise ReadError(file, None, None, "not a Parquet file (no PAR1 header)", "corrupt_file")
    if _tail(path, 4) != _PARQUET_MAGIC:
        raise ReadError(file, None, None, "Parquet footer missing", "truncated_file")
    try:
        parquet = pq.ParquetFile(path)
        # The footer gives the shape: nothing is read when it is over a limit.
        check_columns(len(parquet.schema_arrow), file, limits)
        check_rows(parquet.metadata.num_rows, file, limits)
        table = parquet.read()
    except (pa.ArrowException, OSError) as exc:
        raise ReadError(file, None, None, f"unreadable Parquet: {exc}", "corrupt_file") from None
    if table.num_rows == 0:
        raise ReadError(file, None, None, "no data rows", "empty_file")
    return table


# Stata -------------------------------------------------------------------------------------


def _check_dta_envelope(path: Path, file: str) -> None:
    head = _head(path, len(_DTA_XML_HEAD))
    if head == _DTA_XML_HEAD:
        if _tail(path, len(_DTA_XML_TAIL)) != _DTA_XML_TAIL:
            raise ReadError(
                file, None, None, "Stata file ends before </stata_dta>", "truncated_file"
            )
    elif not head or head[0] not in _DTA_OLD_VERSIONS:
        raise ReadError(file, None, None, "not a Stata .dta file", "corrupt_file")


def read_dta_labels(
    path: Path, file: str, limits: TableLimits
) -> tuple[list[str], dict[str, str | None], int, str]:
    """Column names, variable labels, row count and the text encoding that decodes them, from
    the file's header (refused there when over `limits`)."""
    import pyreadstat  # lazy: only .dta files need it (slow to import)

    check_not_empty(path, file)
    _check_dta_envelope(path, file)
    layout = read_layout(path)
    if layout is not None and layout.release < 118:
        # text in the writer's code page, which pyreadstat would take for Windows-1252
        check_columns(len(layout.names), file, limits)
        check_rows(layout.rows, file, limits)
        # value labels are not among the text it checks: a refusal of UTF-8 by pyreadstat
        # (below) still sends the file to GB18030
        found = text_encoding(path, file, layout)
        encodings: tuple[str | None, ...] = ("utf-8", "gb18030") if found == "utf-8" else (found,)
    else:
        # UTF-8 from format 118 on; a file that does not conform may be GBK (and a file
        # read_layout cannot lay out, with strL or before format 108, is left to pyreadstat)
        encodings = (None, "gb18030")
    for encoding in encodings:
        try:
            _, meta = pyreadstat.read_dta(path, metadataonly=True, encoding=encoding)
        except pyreadstat.ReadstatError as exc:
            if "encoding" in str(exc).lower() and encoding != encodings[-1]:
                continue
            raise ReadError(
                file, None, None, f"unreadable Stata file: {exc}", _dta_reason(exc)
            ) from None
        check_columns(len(meta.column_names), file, limits)
        check_rows(meta.number_rows or 0, file, limits)
        return (
            list(meta.column_names),
            dict(meta.column_names_to_labels),
            meta.number_rows or 0,
            encoding or "",
        )
    raise ReadError(file, None, None, "text is neither UTF-8 nor GB18030", "encoding_error")


def _dta_reason(exc: Exception) -> str:
    message = str(exc).lower()
    if "unable to read" in message:
        return "truncated_file"
    # text pyreadstat cannot convert (e.g. value labels in another code page than the rest)
    return "encoding_error" if "encoding" in message else "corrupt_file"


def iter_dta(path: Path, file: str, encoding: str, rows: int) -> Iterator[RawChunk]:
    """The data in chunks of DTA_CHUNK_ROWS rows (bounded memory at national scale), text in
    `encoding` ("": UTF-8, as formats 118 and 119 define it): read with NumPy where the
    format allows (readers/dta.py), else by pyreadstat."""
    layout = read_layout(path)
    if layout is not None and layout.rows == rows:
        seen = 0
        for table in read_chunks(path, file, layout, DTA_CHUNK_ROWS, encoding or "utf-8"):
            yield RawChunk(table, seen + 1)
            seen += table.num_rows
        return
    yield from _pyreadstat_chunks(path, file, encoding, rows)


def _pyreadstat_chunks(path: Path, file: str, encoding: str, rows: int) -> Iterator[RawChunk]:
    import pyreadstat  # lazy: only .dta files need it (slow to import)

    seen = 0
    try:
        for frame, _ in pyreadstat.read_file_in_chunks(
            pyreadstat.read_dta,
            path,
            chunksize=DTA_CHUNK_ROWS,
            encoding=encoding or None,
            disable_datetime_conversion=True,
        ):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            yield RawChunk(table, seen + 1)
            seen += table.num_rows
    except pyreadstat.ReadstatError as exc:
        raise ReadError(
            file, None, seen + 1, f"unreadable Stata data: {exc}", _dta_reason(exc)
        ) from None
    if seen != rows:
        raise ReadError(
            file, None, seen + 1, f"header promises {rows} rows, found {seen}", "truncated_file"
        )


# Workbooks (xlsx, xls) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[tuple[int, tuple[Any, ...]]]  # (1-based sheet row, cell values)


# A merged range as 0-based (first row, row after the last, first column, column after the
# last): the layout xlrd uses.
MergedRange = tuple[int, int, int, int]


def grid_sheet(name: str, grid: list[list[Any]], merged: Sequence[MergedRange] = ()) -> Sheet:
    """A sheet from its cell grid: each merged range filled with the value of its top-left
    cell (yearbook headers merge one label over the columns or rows it heads), then the
    non-empty rows with their 1-based row numbers."""
    for first_row, end_row, first_col, end_col in merged:
        if first_row >= len(grid) or first_col >= len(grid[first_row]):
            continue
        value = grid[first_row][first_col]
        for r in range(first_row, min(end_row, len(grid))):
            row = grid[r]
            row.extend([None] * (end_col - len(row)))
            for c in range(first_col, end_col):
                row[c] = value
    rows = []
    for number, values in enumerate(grid, start=1):
        if any(v is not None and str(v).strip() for v in values):
            rows.append((number, tuple(values)))
    return Sheet(name, rows)


def _cell_text(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def check_xlsx_archive(path: Path, file: str, limits: TableLimits) -> None:
    """A zip archive, whole, whose declared sizes are within `limits`."""
    check_not_empty(path, file)
    if _head(path, 4) != _ZIP_HEAD:
        raise ReadError(file, None, None, "not an xlsx file (no zip header)", "corrupt_file")
    if _ZIP_END not in _tail(path, 1 << 16):
        raise ReadError(file, None, None, "zip directory missing", "truncated_file")
    check_unzipped_size(path, file, limits)


def read_xlsx(path: Path, file: str, limits: TableLimits, fill_merged: bool = False) -> list[Sheet]:
    """Every sheet's non-empty rows with their sheet row numbers (values, not formulas).
    `fill_merged` spreads each merged cell over its range; it needs the full (not streaming)
    reader, so it is for small tables such as yearbook sheets."""
    # lazy: only .xlsx files need openpyxl (slow to import)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_xlsx_archive(path, file, limits)
    try:
        book = openpyxl.load_workbook(path, read_only=not fill_merged, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise ReadError(file, None, None, f"unreadable xlsx: {exc}", "corrupt_file") from None
    sheets = []
    try:
        for sheet in book.worksheets:
            merged: list[MergedRange] = []
            if fill_merged:
                merged = [
                    (m.min_row - 1, m.max_row, m.min_col - 1, m.max_col)
                    for m in sheet.merged_cells.ranges
                ]
            else:
                # Some writers store a wrong sheet dimension; read every row that exists.
                sheet.reset_dimensions()
            rows = limited_rows(sheet.iter_rows(values_only=True), file, limits, sheet.title)
            grid = [[_cell_text(v) for v in values] for values in rows]
            sheets.append(grid_sheet(sheet.title, grid, merged))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReadError(file, None, None, f"unreadable xlsx: {exc}", "corrupt_file") from None
    finally:
        book.close()
    if not any(s.rows for s in sheets):
        raise ReadError(file, None, None, "workbook has no data", "empty_file")
    return sheets


def read_workbook(path: Path, file: str, fmt: str, limits: TableLimits) -> list[Sheet]:
    """The sheets of a yearbook workbook, .xlsx or BIFF .xls, merged cells filled."""
    if fmt == "xls":
        from orchestration.ingest.readers.xls import read_xls  # lazy: xlrd for .xls only

        return read_xls(path, file, limits)
    return read_xlsx(path, file, limits, fill_merged=True)


def column_array(values: list[Any], width: int | None = None) -> pa.Array:
    """One xlsx column as Arrow: numbers stay numbers when the column holds only numbers,
    anything else becomes text (integral floats written as integers, so codes survive).
    With `width` (a fixed-width code column), numeric cells are zero-padded to it: a mixed
    column still gets back the leading zeros its numeric cells lost."""
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {int, float} and width is None:
        return pa.array(values, pa.float64() if float in kinds else pa.int64())
    if kinds <= {bool}:
        return pa.array(values, pa.bool_()) if kinds else pa.nulls(len(values), pa.string())
    return pa.array([_as_text(v, width) for v in values], pa.string())


def _as_text(value: Any, width: int | None = None) -> str | None:
    if value is None:
        return None
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and float(value).is_integer():
        text = str(int(value))
        return text.zfill(width) if width else text
    return str(value)


def long_sheet_table(
    sheet: Sheet, widths: dict[int, int] | None = None
) -> tuple[list[str], pa.Table, list[int]]:
    """A sheet laid out as one header row and data rows: raw header texts, the columns, and
    each data row's sheet row number. `widths` maps column positions to code widths."""
    body = sheet.rows[1:]
    names = header_names(sheet)
    widths = widths or {}
    columns = [
        column_array([row[i] if i < len(row) else None for _, row in body], widths.get(i))
        for i in range(len(names))
    ]
    table = pa.Table.from_arrays(columns, names=[f"c{i}" for i in range(len(names))])
    return names, table, [number for number, _ in body]


def header_names(sheet: Sheet) -> list[str]:
    return [_as_text(h) or "" for h in sheet.rows[0][1]]
