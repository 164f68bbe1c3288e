"""What both fdi_city layouts share: the raw.fdi_city columns of a file (`FdiFrame`), the
header seed, and how yearbooks print numbers and codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.readers.asif import normalise_name
from orchestration.ingest.readers.values import ParseIssue
from orchestration.warehouse.seeds import load_seed

SCHEMA = pa.schema(
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
# Printed placeholders for "no data" in yearbook cells, after NFKC (which turns the full-width
# dash － into -, and … into ...). They mean "not available", never zero.
_NOT_AVAILABLE = ("", "-", "--", "—", "——", "–", "...", "......")


@cache
def fdi_header_map() -> dict[str, str]:
    seed = load_seed("fdi_header_map")
    return {
        normalise_name(r): c for r, c in zip(seed["raw_header"], seed["canonical"], strict=True)
    }


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


def strip_print_marks(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Numbers as yearbooks print them: full-width digits (NFKC) and 'no data' placeholders
    (NULL); to_number reads their thousands separators."""
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        return column
    text = pc.utf8_trim_whitespace(pc.utf8_normalize(column, form="NFKC"))
    placeholder = pc.is_in(text, pa.array(_NOT_AVAILABLE))
    return pc.if_else(placeholder, pa.scalar(None, text.type), text)


def division_code(codes: pa.ChunkedArray) -> pa.ChunkedArray:
    """Two-digit divisions stored as numbers lost their leading zero (6 → 06)."""
    short = pc.match_substring_regex(codes, r"^\d$")
    return pc.if_else(short, pc.utf8_lpad(codes, 2, "0"), codes)


def as_cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same double.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
