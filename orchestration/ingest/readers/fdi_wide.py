"""The wide fdi_city layout (xlsx, as yearbooks print it): one sheet per measure; title rows
naming year, city and measure; a `单位：万元` row; a header row starting with `行业` followed by
ownership columns; one row per industry (names as printed); notes (`注：`, `资料来源：`) end
the table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pyarrow as pa

from orchestration.ingest.readers.asif import normalise_name
from orchestration.ingest.readers.fdi_table import (
    SCHEMA,
    FdiFrame,
    as_cell_text,
    division_code,
    fdi_header_map,
    strip_print_marks,
)
from orchestration.ingest.readers.sources import Sheet
from orchestration.ingest.readers.values import merge_issue, null_column, to_code, to_number
from orchestration.warehouse.seeds import load_seed

_UNIT_RE = re.compile(r"(?:单位|unit)\s*[:：]\s*(.+)", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_NOTE_RE = re.compile(r"^(注|资料来源|说明|note|source)", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u3000]+")


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


def _titles_and_unit(rows: Sequence[tuple[int, list[Any]]]) -> tuple[list[str], str | None]:
    """The title texts above a wide table, and the unit of its 单位 line (the text before the
    unit on that line is a title too)."""
    titles: list[str] = []
    unit = None
    for _, cells in rows:
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
    return titles, unit


def _header_columns(header: list[Any]) -> tuple[int | None, list[tuple[int, str]]]:
    """The industry-code column of a wide header (if any) and its ownership columns."""
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
    return code_column, ownership_columns


@dataclass
class _WideCells:
    """The cells of a wide table's body, one per industry row × ownership column."""

    rows: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    codes: list[Any] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)


def _wide_cells(
    body: Sequence[tuple[int, list[Any]]],
    code_column: int | None,
    ownership_columns: list[tuple[int, str]],
) -> _WideCells:
    """Body rows up to the first note line; rows without an industry label are skipped."""
    cells_out = _WideCells()
    for number, cells in body:
        first = _clean(cells[0]) if cells else ""
        if _NOTE_RE.match(first):
            break
        if not first:
            continue
        for i, label in ownership_columns:
            cells_out.rows.append(number)
            cells_out.names.append(first)
            cells_out.codes.append(cells[code_column] if code_column is not None else None)
            cells_out.owners.append(label)
            cells_out.values.append(cells[i] if i < len(cells) else None)
    return cells_out


def _wide_table(
    sheet: str,
    cells: _WideCells,
    labels: dict[str, Any],
    has_codes: bool,
    frame: FdiFrame,
) -> pa.Table:
    """raw.fdi_city columns of a wide table's cells; `labels` holds the year, city, measure
    and unit every cell shares."""
    n = len(cells.rows)
    source_rows = pa.chunked_array([pa.array(cells.rows, pa.int64())])
    raw_values = pa.array([as_cell_text(v) for v in cells.values], pa.string())
    numbers, issue = to_number(strip_print_marks(pa.chunked_array([raw_values])), source_rows)
    if issue is not None:
        frame.parse_issues["value"] = merge_issue(frame.parse_issues.get("value"), issue) or issue
    code_array = (
        division_code(to_code(pa.array([as_cell_text(c) for c in cells.codes], pa.string())))
        if has_codes
        else null_column(pa.string(), n)
    )
    return pa.table(
        {
            "source_row": source_rows,
            "source_sheet": pa.array([sheet] * n, pa.string()),
            "layout": pa.array(["wide"] * n, pa.string()),
            "year": pa.array([labels["year"]] * n, pa.float64()),
            "file_city_code": pa.array([labels["city"]] * n, pa.string()),
            "industry_code": code_array,
            "industry_name": pa.array(cells.names, pa.string()),
            "ownership": pa.array(cells.owners, pa.string()),
            "measure": pa.array([labels["measure"]] * n, pa.string()),
            "value": numbers,
            "unit": pa.array([labels["unit"]] * n, pa.string()),
        },
        schema=SCHEMA,
    )


def wide_sheet(file: str, sheet: Sheet, frame: FdiFrame) -> pa.Table | None:
    header_at = next(
        (i for i, (_, cells) in enumerate(sheet.rows) if cells and _is_industry_header(cells[0])),
        None,
    )
    if header_at is None:
        return None
    titles, unit = _titles_and_unit(sheet.rows[:header_at])
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
    code_column, ownership_columns = _header_columns(header)
    if not ownership_columns:
        frame.problems.append(
            ("no_table", None, header_number, "header row has no ownership columns")
        )
        return None
    cells = _wide_cells(sheet.rows[header_at + 1 :], code_column, ownership_columns)
    if not cells.rows:
        return None
    labels = {"year": year, "city": city, "measure": measure, "unit": unit}
    return _wide_table(sheet.name, cells, labels, code_column is not None, frame)
