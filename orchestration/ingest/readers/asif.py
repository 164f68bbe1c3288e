"""ASIF firm-year files (dta, csv, parquet, xlsx, xls) to canonical columns (docs/catalog.md).

Column names drift from year to year; the column map seed `asif_column_map` maps every known
raw name or Stata variable label to a canonical name. Names are compared by their header key
(readers/headers.py: full-width punctuation, dashes, spaces and case folded) without a unit
suffix; a unit suffix found (万元, 元, …) rescales the column into the canonical unit and is
recorded in `AsifFrame.column_units`. A column's own name wins over its label, and the first
column wins when two map to the same canonical name. Everything unmapped is kept under its raw
name (`AsifFrame.extras`) and reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.readers.errors import ReadError
from orchestration.ingest.readers.headers import (
    UNITS,
    Unit,
    is_constant_price,
    split_unit,
)
from orchestration.ingest.readers.headers import (
    normalise_name as normalise_name,  # the FDI readers' rule, imported from here
)
from orchestration.ingest.readers.limits import ASIF_LIMITS, check_rows
from orchestration.ingest.readers.sources import (
    RawChunk,
    Sheet,
    check_xlsx_archive,
    header_names,
    iter_dta,
    long_sheet_table,
    read_csv_strings,
    read_dta_labels,
    read_parquet,
    read_xlsx,
)
from orchestration.ingest.readers.values import (
    ParseIssue,
    merge_issue,
    null_column,
    plain,
    rescale,
    short_digits,
    to_code,
    to_firm_id,
    to_number,
)
from orchestration.ingest.readers.xls import read_xls, xls_kind
from orchestration.ingest.readers.xlsx import SheetTable, read_sheet_tables
from orchestration.warehouse.schema import (
    ASIF_MONEY_COLUMNS,
    ASIF_OPTIONAL,
    ASIF_REQUIRED,
    ASIF_TEXT_COLUMNS,
)
from orchestration.warehouse.seeds import load_seed

ASIF_COLUMNS = ASIF_REQUIRED + ASIF_OPTIONAL
# Fixed code widths, used to restore leading zeros lost when a code was stored as a number.
CODE_WIDTHS = {"industry_code": 4, "registration_type": 3}
# Which unit suffixes a column accepts; a unit of another kind leaves the column unmapped.
UNIT_KINDS = {**{c: "money" for c in ASIF_MONEY_COLUMNS}, "employment": "persons"}


@cache
def asif_column_map() -> dict[str, str]:
    """Header key (without unit suffix) of a raw name or label → canonical column."""
    seed = load_seed("asif_column_map")
    mapping: dict[str, str] = {}
    for raw, canonical in zip(seed["raw_name"], seed["canonical_name"], strict=True):
        if canonical not in ASIF_COLUMNS:
            raise ValueError(f"asif_column_map: {raw!r} maps to unknown column {canonical!r}")
        key, _ = split_unit(raw)
        if canonical == "gross_output" and is_constant_price(key):
            raise ValueError(f"asif_column_map: {raw!r} is constant-price output")
        if mapping.setdefault(key, canonical) != canonical:
            raise ValueError(f"asif_column_map: {raw!r} maps to two canonical columns")
    return mapping


def match_header(text: str, column_map: Mapping[str, str]) -> tuple[str, Unit | None] | None:
    """The canonical column a header names and its unit suffix, or None. A unit of the wrong
    kind (万元 on employment, 人 on output, any unit on a code) is no match."""
    key, unit = split_unit(text)
    target = column_map.get(key)
    if target is None or (target == "gross_output" and is_constant_price(key)):
        return None
    if unit is not None and UNIT_KINDS.get(target) != unit.kind:
        return None
    return target, unit


@dataclass
class AsifFrame:
    """One ASIF file in canonical form.

    `table`: `source_row` (1-based data row) and every canonical column (NULL when the file
    lacks it) — codes as strings, money/int columns as float64. `extras`: unmapped columns
    under their raw names, row-aligned with `table`."""

    file: str
    format: str
    table: pa.Table
    extras: pa.Table
    column_sources: dict[str, str]
    missing_required: list[str]
    parse_issues: dict[str, ParseIssue] = field(default_factory=dict)
    ambiguous_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    # Canonical column → unit suffix found on its name or label (values already rescaled).
    column_units: dict[str, str] = field(default_factory=dict)
    # A workbook's sheets with data that hold no firms (notes, a variable list) → data rows.
    sheets_not_read: dict[str, int] = field(default_factory=dict)

    @property
    def unmapped_columns(self) -> list[str]:
        return self.extras.column_names

    @property
    def source_row(self) -> pa.ChunkedArray:
        return self.table.column("source_row")

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def describe_column(self, canonical: str) -> str:
        """`gross_output ('工业总产值')`: the canonical name and what the file called it."""
        raw = self.column_sources.get(canonical)
        return f"{canonical} ({raw!r})" if raw and raw != canonical else canonical

    def unit_stats(self) -> list[tuple[str, float]]:
        """`("gross_output:万元", 10.0)`: each column rescaled by its unit suffix and the factor
        applied, for ops.ingest_stats. A suffix in the canonical unit (千元, 人) changes nothing
        and stays in `column_units` only, so files already in thousand yuan add no stats."""
        factors = {c: UNITS[u].factor for c, u in self.column_units.items()}
        return [(f"{c}:{self.column_units[c]}", f) for c, f in factors.items() if f != 1]


@dataclass(frozen=True)
class _Plan:
    """Which raw column (by position) feeds each canonical column, with the unit found on its
    name or label; the rest are extras."""

    canonical: dict[str, int]
    sources: dict[str, str]
    extras: list[tuple[int, str]]
    ambiguous: list[str]
    units: dict[str, Unit] = field(default_factory=dict)


def plan_columns(
    names: Sequence[str],
    labels: Mapping[str, str | None],
    column_map: Mapping[str, str],
) -> _Plan:
    canonical: dict[str, int] = {}
    sources: dict[str, str] = {}
    units: dict[str, Unit] = {}
    ambiguous: list[str] = []
    # Names first, then labels, so a column named like a canonical column is not displaced
    # by another column whose label merely says the same.
    for use_label in (False, True):
        for index, name in enumerate(names):
            if index in canonical.values():
                continue
            text = labels.get(name) if use_label else name
            found = match_header(text, column_map) if text else None
            if found is None:
                continue
            target, unit = found
            if target in canonical:
                if not use_label:
                    ambiguous.append(name)
                continue
            canonical[target] = index
            sources[target] = text or name
            unit = unit or _label_unit(labels.get(name), target, column_map)
            if unit is not None:
                units[target] = unit
    return _Plan(canonical, sources, _extras(names, canonical), ambiguous, units)


def _label_unit(label: str | None, target: str, column_map: Mapping[str, str]) -> Unit | None:
    """The unit a Stata label gives a column matched by its name (`gyzczxjxgd` labelled
    `工业总产值_当年价格(万元)`), when the label names the same column."""
    found = match_header(label, column_map) if label else None
    return found[1] if found is not None and found[0] == target else None


def _extras(names: Sequence[str], canonical: Mapping[str, int]) -> list[tuple[int, str]]:
    taken = set(canonical.values())
    extras = []
    used: set[str] = set()
    for index, name in enumerate(names):
        if index in taken:
            continue
        # Keys of the JSON built in DuckDB must be unique (case-insensitively).
        key, n = name or f"column_{index + 1}", 1
        while key.lower() in used:
            n += 1
            key = f"{name} ({n})"
        used.add(key.lower())
        extras.append((index, key))
    return extras


def _canonical_chunk(
    chunk: RawChunk, plan: _Plan, issues: dict[str, ParseIssue]
) -> tuple[pa.Table, pa.Table]:
    raw = chunk.table
    n = raw.num_rows
    rows = chunk.source_rows()
    arrays: dict[str, pa.ChunkedArray] = {"source_row": rows}
    for name in ASIF_COLUMNS:
        index = plan.canonical.get(name)
        if name in ASIF_TEXT_COLUMNS:
            if index is None:
                arrays[name] = null_column(pa.string(), n)
            elif name == "firm_id":
                arrays[name] = to_firm_id(raw.column(index))
            else:
                arrays[name] = to_code(raw.column(index), CODE_WIDTHS.get(name))
            continue
        if index is None:
            arrays[name] = null_column(pa.float64(), n)
            continue
        values, issue = to_number(raw.column(index), rows)
        arrays[name] = rescale(values, plan.units.get(name))
        merged = merge_issue(issues.get(name), issue)
        if merged is not None:
            issues[name] = merged
    extras = pa.table(
        {key: _extra_values(raw.column(index)) for index, key in plan.extras} if plan.extras else {}
    )
    return pa.table(arrays), extras


def _extra_values(column: pa.ChunkedArray) -> pa.ChunkedArray:
    column = plain(column)
    if pa.types.is_floating(column.type):
        # NaN would be written as the invalid JSON token NaN.
        return pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    return column


def _frame(
    file: str,
    fmt: str,
    names: Sequence[str],
    labels: Mapping[str, str | None],
    chunks: Iterable[RawChunk],
    column_map: Mapping[str, str],
    encoding: str | None = None,
) -> AsifFrame:
    plan = plan_columns(names, labels, column_map)
    issues: dict[str, ParseIssue] = {}
    canonical_parts, extra_parts = [], []
    for chunk in chunks:
        canonical, extras = _canonical_chunk(chunk, plan, issues)
        canonical_parts.append(canonical)
        extra_parts.append(extras)
    if not canonical_parts or sum(t.num_rows for t in canonical_parts) == 0:
        raise ReadError(file, None, None, "no data rows", "empty_file")
    # pyreadstat types a chunk's column by its values (a block of rows all missing: null)
    extras = (
        pa.concat_tables(extra_parts, promote_options="permissive") if plan.extras else pa.table({})
    )
    return AsifFrame(
        file=file,
        format=fmt,
        table=pa.concat_tables(canonical_parts),
        extras=extras,
        column_sources=plan.sources,
        missing_required=[c for c in ASIF_REQUIRED if c not in plan.canonical],
        parse_issues=issues,
        ambiguous_columns=plan.ambiguous,
        encoding=encoding,
        column_units={c: u.text for c, u in plan.units.items()},
    )


def _short_codes_as_text(names: Sequence[str], table: pa.Table, mapping: Mapping[str, str]) -> bool:
    """Whether a fixed-width code column came out of calamine as text with codes short of
    their width. Such a column mixes numbers (whose lost zeros openpyxl's cells let
    long_sheet_table put back) with text (taken as written): calamine prints both alike."""
    plan = plan_columns(names, {}, mapping)
    for name, width in CODE_WIDTHS.items():
        column = table.column(plan.canonical[name]) if name in plan.canonical else None
        if column is None or not pa.types.is_string(column.type):
            continue
        if pc.any(short_digits(column, width)).as_py():
            return True
    return False


def read_asif_file(path: Path, fmt: str, file: str | None = None) -> list[AsifFrame]:
    """The tables of one ASIF file: one, or one per data sheet of a workbook (`_workbook`).
    `file` names the file in errors and records (default: the file name)."""
    file = file or path.name
    mapping = asif_column_map()
    if fmt == "dta":
        names, labels, rows, encoding = read_dta_labels(path, file, ASIF_LIMITS)
        if rows == 0:
            raise ReadError(file, None, None, "no data rows", "empty_file")
        chunks = iter_dta(path, file, encoding, rows)
        return [_frame(file, fmt, names, labels, chunks, mapping, encoding or None)]
    if fmt == "csv":
        table, encoding = read_csv_strings(path, file, ASIF_LIMITS)
        return [_frame(file, fmt, table.column_names, {}, [RawChunk(table, 1)], mapping, encoding)]
    if fmt == "parquet":
        table = read_parquet(path, file, ASIF_LIMITS)
        return [_frame(file, fmt, table.column_names, {}, [RawChunk(table, 1)], mapping)]
    if fmt in ("xlsx", "xls"):
        return _workbook(path, fmt, file, mapping)
    raise ReadError(file, None, None, f"unsupported format {fmt!r}", "corrupt_file")


def read_asif(path: Path, fmt: str, file: str | None = None) -> AsifFrame:
    """One ASIF file that holds one table (any file but a workbook of several data sheets)."""
    frames = read_asif_file(path, fmt, file)
    if len(frames) != 1:
        raise ValueError(f"{path} holds {len(frames)} tables: read it with read_asif_file")
    return frames[0]


def _workbook(path: Path, fmt: str, file: str, mapping: Mapping[str, str]) -> list[AsifFrame]:
    """A frame per sheet of firms: every sheet with rows under a header that names all
    required columns (a year saved as .xls fills a sheet every 65,536 rows), else the first
    sheet with data. Other sheets with data (notes, a variable list, a header alone) are not
    read; the first frame lists them."""
    tables = _sheet_tables(path, fmt, file, mapping)
    firms = [t.table.num_rows > 0 and _names_required(t.names, mapping) for t in tables]
    if not any(firms):
        firms[0] = True
    data = [t for t, read in zip(tables, firms, strict=True) if read]
    check_rows(sum(t.table.num_rows for t in data), file, ASIF_LIMITS)
    several = len(data) > 1
    frames = [
        _frame(
            f"{file} (sheet {t.sheet})" if several else file,
            fmt,
            t.names,
            {},
            [RawChunk(t.table, row_numbers=t.rows)],
            mapping,
        )
        for t in data
    ]
    others = [t for t, read in zip(tables, firms, strict=True) if not read]
    frames[0].sheets_not_read = {t.sheet: t.table.num_rows for t in others}
    return frames


def _names_required(names: Sequence[str], mapping: Mapping[str, str]) -> bool:
    return set(ASIF_REQUIRED) <= plan_columns(names, {}, mapping).canonical.keys()


def _sheet_tables(path: Path, fmt: str, file: str, mapping: Mapping[str, str]) -> list[SheetTable]:
    """Every sheet with data: by calamine where it lays the workbook out as openpyxl (xlrd)
    would (readers/xlsx.py), else by openpyxl (xlrd)."""
    if fmt == "xlsx":
        check_xlsx_archive(path, file, ASIF_LIMITS)
    page = fmt == "xls" and xls_kind(path, file) == "html"  # calamine reads no web pages
    fast = None if page else read_sheet_tables(path, file, fmt, ASIF_LIMITS)
    if fast and not any(_short_codes_as_text(t.names, t.table, mapping) for t in fast):
        return fast
    sheets = (
        read_xls(path, file, ASIF_LIMITS) if fmt == "xls" else read_xlsx(path, file, ASIF_LIMITS)
    )
    return [_slow_table(sheet, mapping) for sheet in sheets if sheet.rows]


def _slow_table(sheet: Sheet, mapping: Mapping[str, str]) -> SheetTable:
    """A sheet read cell by cell, its codes' lost zeros put back where the cells were numbers."""
    plan = plan_columns(header_names(sheet), {}, mapping)
    widths = {plan.canonical[c]: w for c, w in CODE_WIDTHS.items() if c in plan.canonical}
    names, table, sheet_rows = long_sheet_table(sheet, widths)
    header_row = sheet.rows[0][0]
    return SheetTable(
        sheet.name, names, table, pa.array([r - header_row for r in sheet_rows], pa.int64())
    )
