"""City yearbook tables (`fdi_city`, docs/catalog.md) to the columns of raw.fdi_city.

Two layouts, in CSV, xlsx or BIFF xls:
- long: a header row mapped through the `fdi_header_map` seed, one row per cell;
- wide (as yearbooks print it): title rows naming year, city and measure; a `单位：万元` row;
  a header of one or more rows (merged cells filled) starting with `行业`, followed by
  ownership columns (and measures, when a sheet prints several); one row per industry (names
  as printed); notes (`注：`, `资料来源：`) end the table.
Labels, codes and units stay as printed; mapping them is the checks' and staging's job.
This module reads the long layout and dispatches sheets; `fdi_wide` reads the wide one,
`fdi_table` holds what both share.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from orchestration.ingest.readers.asif import normalise_name
from orchestration.ingest.readers.errors import ReadError
from orchestration.ingest.readers.fdi_table import (
    SCHEMA,
    FdiFrame,
    division_code,
    fdi_header_map,
    strip_print_marks,
)
from orchestration.ingest.readers.fdi_wide import find_industry_header, wide_sheet
from orchestration.ingest.readers.limits import FDI_LIMITS
from orchestration.ingest.readers.sources import (
    Sheet,
    long_sheet_table,
    read_csv_sheet,
    read_csv_strings,
    read_workbook,
)
from orchestration.ingest.readers.values import merge_issue, null_column, to_code, to_number

__all__ = ["LONG_REQUIRED", "FdiFrame", "fdi_header_map", "read_fdi_city"]

LONG_REQUIRED = ("year", "ownership", "measure", "value", "unit")


# Long layout ----------------------------------------------------------------------------


def _long_table(
    file: str,
    names: Sequence[str],
    raw: pa.Table,
    rows: pa.Array,
    sheet: str | None,
    frame: FdiFrame,
) -> pa.Table:
    mapping = fdi_header_map()
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        target = mapping.get(normalise_name(name or ""))
        if target is None or target in index:
            frame.unmapped_columns.append(name)
        else:
            index[target] = i
    for column in LONG_REQUIRED:
        if column not in index and column not in frame.missing_required:
            frame.missing_required.append(column)
    if "industry_code" not in index and "industry_name" not in index:
        frame.missing_required.append("industry_code|industry_name")
    n = raw.num_rows
    source_rows = pa.chunked_array([rows])

    def text(column: str, width: int | None = None) -> pa.ChunkedArray:
        if column not in index:
            return null_column(pa.string(), n)
        return to_code(raw.column(index[column]), width)

    def number(column: str) -> pa.ChunkedArray:
        if column not in index:
            return null_column(pa.float64(), n)
        values, issue = to_number(strip_print_marks(raw.column(index[column])), source_rows)
        merged = merge_issue(frame.parse_issues.get(column), issue)
        if merged is not None:
            frame.parse_issues[column] = merged
        return values

    return pa.table(
        {
            "source_row": source_rows,
            "source_sheet": pa.array([sheet] * n, pa.string()),
            "layout": pa.array(["long"] * n, pa.string()),
            "year": number("year"),
            "file_city_code": text("city_code"),
            "industry_code": division_code(text("industry_code")),
            "industry_name": text("industry_name"),
            "ownership": text("ownership"),
            "measure": text("measure"),
            "value": number("value"),
            "unit": text("unit"),
        },
        schema=SCHEMA,
    )


def _looks_long(sheet: Sheet) -> bool:
    mapping = fdi_header_map()
    header = sheet.rows[0][1]
    hits = {mapping.get(normalise_name(str(h))) for h in header if h is not None}
    return len(hits & set(LONG_REQUIRED)) >= 3


# Entry point ----------------------------------------------------------------------------


def _read_csv(path: Path, file: str, frame: FdiFrame) -> None:
    """A CSV file: the long layout, unless it prints a wide table (title rows, a `行业`
    header) instead of a long header."""
    sheet, frame.encoding = read_csv_sheet(path, file, FDI_LIMITS)
    # A wide table has title rows (year, city) above its `行业` header.
    if sheet.rows and not _looks_long(sheet) and (find_industry_header(sheet) or 0) > 0:
        table = wide_sheet(file, sheet, frame)
        if table is not None:
            frame.table = table
            return
    raw, frame.encoding = read_csv_strings(path, file, FDI_LIMITS)
    rows = pa.array(range(1, raw.num_rows + 1), pa.int64())
    frame.table = _long_table(file, raw.column_names, raw, rows, None, frame)


def read_fdi_city(path: Path, fmt: str, file: str | None = None) -> FdiFrame:
    """Read one city table file (csv, xlsx or xls; long or wide) into raw.fdi_city columns."""
    file = file or path.name
    frame = FdiFrame(file=file, format=fmt, table=SCHEMA.empty_table())
    if fmt == "csv":
        _read_csv(path, file, frame)
        return frame
    if fmt not in ("xlsx", "xls"):
        raise ReadError(file, None, None, f"fdi_city tables come as csv, xlsx or xls, not {fmt}")
    parts = []
    for sheet in read_workbook(path, file, fmt, FDI_LIMITS):
        if not sheet.rows:
            continue
        if _looks_long(sheet):
            names, raw, sheet_rows = long_sheet_table(sheet)
            rows = pa.array(sheet_rows, pa.int64())
            parts.append(_long_table(file, names, raw, rows, sheet.name, frame))
        else:
            table = wide_sheet(file, sheet, frame)
            if table is not None:
                parts.append(table)
    if not parts:
        raise ReadError(
            file,
            None,
            None,
            "no table found: no sheet has a long-layout header or a row starting with 行业",
            "no_table",
        )
    frame.table = pa.concat_tables(parts)
    return frame
