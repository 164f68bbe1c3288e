"""City yearbook tables (`fdi_city`, DESIGN §4) to the columns of raw.fdi_city.

Two layouts:
- long (CSV or xlsx): a header row mapped through the `fdi_header_map` seed, one row per cell;
- wide (xlsx, as yearbooks print it): one sheet per measure; title rows naming year, city and
  measure; a `单位：万元` row; a header row starting with `行业` followed by ownership columns;
  one row per industry (names as printed); notes (`注：`, `资料来源：`) end the table.
Labels, codes and units stay as printed; mapping them is the checks' and staging's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.readers.asif import normalise_name
from orchestration.ingest.readers.errors import ReadError
from orchestration.ingest.readers.sources import (
    Sheet,
    long_sheet_table,
    read_csv_strings,
    read_xlsx,
)
from orchestration.ingest.readers.values import (
    ParseIssue,
    merge_issue,
    null_column,
    to_code,
    to_number,
)
from orchestration.warehouse.seeds import load_seed

LONG_REQUIRED = ("year", "ownership", "measure", "value", "unit")
_SCHEMA = pa.schema(
    [
        ("source_row", pa.int64()),
        ("source_sheet", pa.string()),
        ("layout", pa.string()),
        ("year", pa.float64()),
        ("file_city_code", pa.string()),
        ("industry_code", pa.string()),
        ("industry_name", pa.string()),
        ("ownership", pa.string()),
        ("measure", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
    ]
)
# Printed placeholders for "no data" in yearbook cells.
_NOT_AVAILABLE = ("", "-", "—", "——", "–", "－", "…", "……", "...")
_UNIT_RE = re.compile(r"(?:单位|unit)\s*[:：]\s*(.+)", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_NOTE_RE = re.compile(r"^(注|资料来源|说明|note|source)", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u3000]+")


@cache
def fdi_header_map() -> dict[str, str]:
    seed = load_seed("fdi_header_map")
    return {
        normalise_name(r): c for r, c in zip(seed["raw_header"], seed["canonical"], strict=True)
    }


@cache
def _measure_labels() -> tuple[str, ...]:
    seed = load_seed("fdi_value_map")
    labels = seed.loc[seed["field"] == "measure", "raw_value"]
    # Longest first, so 工业总产值 wins over a shorter label contained in it.
    return tuple(sorted(labels, key=len, reverse=True))


@cache
def _city_names() -> tuple[tuple[str, str, int], ...]:
    """(name, city_code, specificity) for matching a printed title to a city."""
    seed = load_seed("cities")
    names = []
    for code, zh, en, level in zip(
        seed["city_code"], seed["name_zh"], seed["name_en"], seed["level"], strict=True
    ):
        specificity = 1 if level == "county_city" else 0
        names.append((zh, code, specificity))
        if zh.endswith("市") and len(zh) > 2:
            names.append((zh[:-1], code, specificity))
        if en:
            names.append((en, code, specificity))
    return tuple(names)


@dataclass
class FdiFrame:
    """One yearbook file as raw.fdi_city columns (without release/catalog columns)."""

    file: str
    format: str
    table: pa.Table
    unmapped_columns: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    parse_issues: dict[str, ParseIssue] = field(default_factory=dict)
    problems: list[tuple[str, str | None, int | None, str]] = field(default_factory=list)
    encoding: str | None = None

    @property
    def num_rows(self) -> int:
        return self.table.num_rows


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
        values, issue = to_number(_strip_print_marks(raw.column(index[column])), source_rows)
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
            "industry_code": _division_code(text("industry_code")),
            "industry_name": text("industry_name"),
            "ownership": text("ownership"),
            "measure": text("measure"),
            "value": number("value"),
            "unit": text("unit"),
        },
        schema=_SCHEMA,
    )


def _strip_print_marks(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Thousands separators and 'no data' placeholders as yearbooks print them."""
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        return column
    text = pc.utf8_trim_whitespace(pc.replace_substring(column, ",", ""))
    placeholder = pc.is_in(text, pa.array(_NOT_AVAILABLE))
    return pc.if_else(placeholder, pa.scalar(None, text.type), text)


def _division_code(codes: pa.ChunkedArray) -> pa.ChunkedArray:
    """Two-digit divisions stored as numbers lost their leading zero (6 → 06)."""
    short = pc.match_substring_regex(codes, r"^\d$")
    return pc.if_else(short, pc.utf8_lpad(codes, 2, "0"), codes)


def _looks_long(sheet: Sheet) -> bool:
    mapping = fdi_header_map()
    header = sheet.rows[0][1]
    hits = {mapping.get(normalise_name(str(h))) for h in header if h is not None}
    return len(hits & set(LONG_REQUIRED)) >= 3


# Wide layout ----------------------------------------------------------------------------


def _clean(value: Any) -> str:
    return _SPACES.sub(" ", str(value)).strip() if value is not None else ""


def _is_industry_header(value: Any) -> bool:
    text = _clean(value).lower()
    return text.startswith("行业") or text.startswith("industry")


def _find_in(texts: Sequence[str], labels: Sequence[str]) -> str | None:
    for text in texts:
        folded = text.lower()
        for label in labels:
            if label.lower() in folded:
                return label
    return None


def _find_city(texts: Sequence[str]) -> str | None:
    """The city a title names: a printed 6-digit code, else the most specific, longest city
    name in it (昆山市 over 苏州 when both appear). A name shared by two cities (Suzhou in
    Jiangsu and in Anhui) identifies neither."""
    for text in texts:
        match = _CODE_RE.search(text)
        if match:
            return match.group(1)
    joined = " ".join(texts)
    found = [(spec, len(name), name) for name, _, spec in _city_names() if name in joined]
    if not found:
        return None
    best = max(found)[2]
    codes = {code for name, code, _ in _city_names() if name == best}
    return codes.pop() if len(codes) == 1 else None


def _wide_sheet(file: str, sheet: Sheet, frame: FdiFrame) -> pa.Table | None:
    header_at = next(
        (i for i, (_, cells) in enumerate(sheet.rows) if cells and _is_industry_header(cells[0])),
        None,
    )
    if header_at is None:
        return None
    titles: list[str] = []
    unit = None
    for _, cells in sheet.rows[:header_at]:
        for cell in cells:
            text = _clean(cell)
            if not text:
                continue
            match = _UNIT_RE.search(text)
            if match and unit is None:
                unit = match.group(1).strip()
                before = text[: match.start()].strip()
                if before:
                    titles.append(before)
            else:
                titles.append(text)
    header_number, header = sheet.rows[header_at]
    if unit is None:
        frame.problems.append(("missing_unit", None, header_number, "no 单位 row above the table"))
    measure = _find_in([sheet.name], _measure_labels()) or _find_in(titles, _measure_labels())
    if measure is None:
        frame.problems.append(
            ("unknown_measure", None, header_number, "sheet name and title name no measure")
        )
    years = [m.group(1) for t in titles for m in [_YEAR_RE.search(t)] if m]
    year = float(years[0]) if years else None
    city = _find_city(titles)
    code_column = None
    ownership_columns: list[tuple[int, str]] = []
    mapping = fdi_header_map()
    for i, cell in enumerate(header[1:], start=1):
        label = _clean(cell)
        if not label:
            continue
        if mapping.get(normalise_name(label)) == "industry_code":
            code_column = i
        else:
            ownership_columns.append((i, label))
    if not ownership_columns:
        frame.problems.append(
            ("no_table", None, header_number, "header row has no ownership columns")
        )
        return None

    rows, names, codes, owners, values = [], [], [], [], []
    for number, cells in sheet.rows[header_at + 1 :]:
        first = _clean(cells[0]) if cells else ""
        if _NOTE_RE.match(first):
            break
        if not first:
            continue
        for i, label in ownership_columns:
            rows.append(number)
            names.append(first)
            codes.append(cells[code_column] if code_column is not None else None)
            owners.append(label)
            values.append(cells[i] if i < len(cells) else None)
    n = len(rows)
    if n == 0:
        return None
    source_rows = pa.chunked_array([pa.array(rows, pa.int64())])
    raw_values = pa.array([_as_cell_text(v) for v in values], pa.string())
    numbers, issue = to_number(_strip_print_marks(pa.chunked_array([raw_values])), source_rows)
    if issue is not None:
        frame.parse_issues["value"] = merge_issue(frame.parse_issues.get("value"), issue) or issue
    code_array = (
        _division_code(to_code(pa.array([_as_cell_text(c) for c in codes], pa.string())))
        if code_column is not None
        else null_column(pa.string(), n)
    )
    return pa.table(
        {
            "source_row": source_rows,
            "source_sheet": pa.array([sheet.name] * n, pa.string()),
            "layout": pa.array(["wide"] * n, pa.string()),
            "year": pa.array([year] * n, pa.float64()),
            "file_city_code": pa.array([city] * n, pa.string()),
            "industry_code": code_array,
            "industry_name": pa.array(names, pa.string()),
            "ownership": pa.array(owners, pa.string()),
            "measure": pa.array([measure] * n, pa.string()),
            "value": numbers,
            "unit": pa.array([unit] * n, pa.string()),
        },
        schema=_SCHEMA,
    )


def _as_cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same double.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


# Entry point ----------------------------------------------------------------------------


def read_fdi_city(path: Path, fmt: str, file: str | None = None) -> FdiFrame:
    """Read one city table file (long CSV/xlsx or wide xlsx) into raw.fdi_city columns."""
    file = file or path.name
    frame = FdiFrame(file=file, format=fmt, table=_SCHEMA.empty_table())
    if fmt == "csv":
        raw, frame.encoding = read_csv_strings(path, file)
        rows = pa.array(range(1, raw.num_rows + 1), pa.int64())
        frame.table = _long_table(file, raw.column_names, raw, rows, None, frame)
        return frame
    if fmt != "xlsx":
        raise ReadError(file, None, None, f"fdi_city tables come as csv or xlsx, not {fmt}")
    parts = []
    for sheet in read_xlsx(path, file):
        if not sheet.rows:
            continue
        if _looks_long(sheet):
            names, raw, sheet_rows = long_sheet_table(sheet)
            rows = pa.array(sheet_rows, pa.int64())
            parts.append(_long_table(file, names, raw, rows, sheet.name, frame))
        else:
            table = _wide_sheet(file, sheet, frame)
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
