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

from orchestration.ingest.readers.fdi_header import (
    ColumnLabel,
    chinese_label,
    clean,
    find_label,
    is_industry_header,
    known_unit,
    measure_labels,
    wide_header,
)
from orchestration.ingest.readers.fdi_table import (
    SCHEMA,
    FdiFrame,
    as_cell_text,
    division_code,
    strip_print_marks,
)
from orchestration.ingest.readers.sources import Sheet
from orchestration.ingest.readers.values import merge_issue, null_column, to_code, to_number
from orchestration.warehouse.seeds import load_seed

# `单位：万元`, `计量单位：亿元`, `unit: …`; full-width or ASCII colon.
_UNIT_RE = re.compile(r"(?:单位|unit)\s*[:：]\s*(.+)", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_NOTE_RE = re.compile(r"^(注|附注|备注|资料来源|数据来源|说明|note|source)", re.IGNORECASE)


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


def _titles_and_unit(rows: Sequence[tuple[int, Sequence[Any]]]) -> tuple[list[str], str | None]:
    """The title texts above a wide table, and the unit of its 单位 line (the text before the
    unit on that line is a title too). A merged title fills every cell of its range: each
    text counts once."""
    titles: list[str] = []
    unit = None
    for _, cells in rows:
        for cell in cells:
            text = clean(cell)
            if not text or text in titles:
                continue
            match = _UNIT_RE.search(text)
            if match and unit is None:
                # The unit as the seed spells it (单位：万元 Unit: 10 000 yuan → 万元); an
                # unknown one stays as printed, for the unit check to report.
                printed = match.group(1).strip()
                unit = known_unit(printed) or printed
                before = text[: match.start()].strip(" （(")
                if before:
                    titles.append(before)
            elif not match:
                titles.append(text)
    return titles, unit


@dataclass
class _WideCells:
    """The cells of a wide table's body, one per industry row × value column."""

    rows: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    codes: list[Any] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    measures: list[str | None] = field(default_factory=list)
    units: list[str | None] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)


def _wide_cells(
    body: Sequence[tuple[int, Sequence[Any]]],
    code_column: int | None,
    columns: Sequence[ColumnLabel],
    shared: dict[str, Any],
) -> _WideCells:
    """Body rows up to the first note line; rows without an industry label are skipped. A
    column's own measure and unit win over the ones the sheet and title print (`shared`)."""
    out = _WideCells()
    for number, cells in body:
        first = chinese_label(cells[0]) if cells else ""
        if _NOTE_RE.match(first):
            break
        if not first:
            continue
        for column in columns:
            i = column.index
            out.rows.append(number)
            out.names.append(first)
            out.codes.append(cells[code_column] if code_column is not None else None)
            out.owners.append(column.ownership)
            out.measures.append(column.measure or shared["measure"])
            out.units.append(column.unit or shared["unit"])
            out.values.append(cells[i] if i < len(cells) else None)
    return out


def _wide_table(
    sheet: str,
    cells: _WideCells,
    labels: dict[str, Any],
    has_codes: bool,
    frame: FdiFrame,
) -> pa.Table:
    """raw.fdi_city columns of a wide table's cells; `labels` holds the year and city every
    cell shares. A CSV file has no sheet name (`""` → NULL)."""
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
            "source_sheet": pa.array([sheet or None] * n, pa.string()),
            "layout": pa.array(["wide"] * n, pa.string()),
            "year": pa.array([labels["year"]] * n, pa.float64()),
            "file_city_code": pa.array([labels["city"]] * n, pa.string()),
            "industry_code": code_array,
            "industry_name": pa.array(cells.names, pa.string()),
            "ownership": pa.array(cells.owners, pa.string()),
            "measure": pa.array(cells.measures, pa.string()),
            "value": numbers,
            "unit": pa.array(cells.units, pa.string()),
        },
        schema=SCHEMA,
    )


def find_industry_header(sheet: Sheet) -> int | None:
    """Index of the first row whose first cell is `行业` (or `Industry`)."""
    return next(
        (i for i, (_, cells) in enumerate(sheet.rows) if cells and is_industry_header(cells[0])),
        None,
    )


def wide_sheet(file: str, sheet: Sheet, frame: FdiFrame) -> pa.Table | None:
    header_at = find_industry_header(sheet)
    if header_at is None:
        return None
    header = wide_header(sheet.rows, header_at)
    header_number = sheet.rows[header.start][0]
    titles, unit = _titles_and_unit(sheet.rows[: header.start])
    measure = find_label([sheet.name], measure_labels()) or find_label(titles, measure_labels())
    if not header.columns:
        frame.problems.append(("no_table", None, header_number, "header row has no value columns"))
        return None
    if unit is None and any(c.unit is None for c in header.columns):
        frame.problems.append(
            (
                "missing_unit",
                None,
                header_number,
                "no 单位 row above the table, no unit in the header",
            )
        )
    if measure is None and any(c.measure is None for c in header.columns):
        frame.problems.append(
            ("unknown_measure", None, header_number, "sheet name and title name no measure")
        )
    shared = {"measure": measure, "unit": unit}
    cells = _wide_cells(sheet.rows[header.body_start :], header.code_column, header.columns, shared)
    if not cells.rows:
        return None
    # Workbooks with a sheet per year or per city name them in the sheet's name instead.
    years = [m.group(1) for t in [*titles, sheet.name] for m in [_YEAR_RE.search(t)] if m]
    city = _find_city(titles) or (_find_city([sheet.name]) if sheet.name else None)
    labels = {"year": float(years[0]) if years else None, "city": city}
    return _wide_table(sheet.name, cells, labels, header.code_column is not None, frame)
