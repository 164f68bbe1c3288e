"""The header of a wide yearbook table, one row or several (docs/schemas.md, "Wide layout").

Yearbooks print headers over two or three rows with merged cells: `行业` and `合计` merged
down, a group label such as `按登记注册类型分` merged across 内资企业 / 港澳台商投资企业 /
外商投资企业, or each ownership group merged across the measures printed under it. Once the
readers have filled every merged range with its label, each column reads top to bottom as a
list of labels; this module tells which is the ownership group, which the measure and which a
unit, and drops group labels. A row of column numbers (甲, 1, 2, 3 …) under the header is
skipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from orchestration.ingest.readers.asif import normalise_name
from orchestration.ingest.readers.fdi_table import fdi_header_map
from orchestration.ingest.readers.values import NUMBER_RE
from orchestration.warehouse.seeds import load_seed

_SPACES = re.compile(r"[\s\u3000]+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])[\s\u3000]+(?=[\u3400-\u9fff])")
# A bilingual row label: the Chinese name, then its English translation in the same cell
# (制造业 Manufacturing; 计算机、通信和其他电子设备制造业\nComputers, Communication ...).
_ENGLISH_AFTER_CHINESE = re.compile(r"^(.*[\u3400-\u9fff）)])\s*[A-Za-z][^\u3400-\u9fff]*$", re.S)
_NUMBER = re.compile(NUMBER_RE)
_MAX_HEADER_ROWS = 4
_COLUMN_NUMBER_CORNERS = ("", "甲", "a")

Row = tuple[int, Sequence[Any]]


def clean(value: Any) -> str:
    """A label as printed, without the spaces yearbooks pad short labels with (行  业,
    合　计): spaces between two Chinese characters go, other runs become one space."""
    if value is None:
        return ""
    return _SPACES.sub(" ", _CJK_GAP.sub("", str(value))).strip()


def chinese_label(value: Any) -> str:
    """A row label without the English translation some yearbooks print after the Chinese
    name; a label in one language stays as it is."""
    text = clean(value)
    match = _ENGLISH_AFTER_CHINESE.match(text)
    return match.group(1).strip() if match else text


def is_industry_header(value: Any) -> bool:
    text = clean(value).lower()
    return text.startswith("行业") or text.startswith("industry")


@cache
def _seed_labels(field: str) -> tuple[str, ...]:
    seed = load_seed("fdi_value_map")
    labels = seed.loc[seed["field"] == field, "raw_value"]
    # Longest first, so 工业总产值 wins over a shorter label contained in it.
    return tuple(sorted(labels, key=len, reverse=True))


def measure_labels() -> tuple[str, ...]:
    return _seed_labels("measure")


def known_unit(text: str) -> str | None:
    """The money unit (`fdi_value_map` units) that `text` starts with, as the seed spells it."""
    folded = unicodedata.normalize("NFKC", text).strip()
    return next((u for u in _seed_labels("unit") if folded.startswith(u)), None)


@cache
def _unit_cell() -> re.Pattern[str]:
    """A unit printed in a header cell (after NFKC): `(万元)`, `万元`, `单位:万元`, or as a
    suffix of a label, `工业总产值(万元)`."""
    units = "|".join(re.escape(u) for u in _seed_labels("unit"))
    return re.compile(rf"^(?P<rest>.*?)\(?\s*(?:\S*单位\s*:)?\s*(?P<unit>{units})\s*\)?$")


def split_unit(label: str) -> tuple[str, str | None]:
    """A header label without the unit it prints, and that unit (None: it prints none)."""
    match = _unit_cell().match(unicodedata.normalize("NFKC", label))
    if match is None:
        return label, None
    return match.group("rest").strip(), match.group("unit")


def find_label(texts: Sequence[str], labels: Sequence[str]) -> str | None:
    for text in texts:
        folded = text.lower()
        for label in labels:
            if label.lower() in folded:
                return label
    return None


@dataclass(frozen=True)
class ColumnLabel:
    """One value column: its position, ownership group, and the measure and unit its header
    prints (None: the sheet's or title's)."""

    index: int
    ownership: str
    measure: str | None
    unit: str | None


@dataclass(frozen=True)
class WideHeader:
    start: int  # index into the sheet's rows of the header's first row
    body_start: int  # index of the first body row
    code_column: int | None
    columns: tuple[ColumnLabel, ...]


def _is_number(value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    text = unicodedata.normalize("NFKC", clean(value)).replace(",", "")
    return bool(_NUMBER.match(text))


def _labels_of(cells: Sequence[Any]) -> list[str]:
    return [clean(c) for c in cells[1:] if clean(c)]


def _is_group_row(cells: Sequence[Any]) -> bool:
    """A header row above the `行业` row: first cell blank, two or more labels, no number and
    no unit line (a title or unit row holds one cell)."""
    labels = _labels_of(cells)
    return (
        not clean(cells[0] if cells else None)
        and len(labels) >= 2
        and not any(_is_number(c) for c in cells[1:] if clean(c))
        and not any("单位" in label for label in labels)
    )


def _is_sub_header(cells: Sequence[Any]) -> bool:
    """A header row under the `行业` row: first cell blank or `行业` again (merged down),
    labels and no numbers."""
    first = cells[0] if cells else None
    labels = _labels_of(cells)
    return (
        (not clean(first) or is_industry_header(first))
        and bool(labels)
        and not any(_is_number(c) for c in cells[1:] if clean(c))
        and not all(re.fullmatch(r"[-—–－…. ]+", label) for label in labels)
    )


def _is_column_numbers(cells: Sequence[Any]) -> bool:
    """The row of column numbers printed under a yearbook header: 甲, 1, 2, 3 …"""
    if clean(cells[0] if cells else None).lower() not in _COLUMN_NUMBER_CORNERS:
        return False
    values = [unicodedata.normalize("NFKC", clean(c)) for c in cells[1:] if clean(c)]
    numbers = [float(v) for v in values if _NUMBER.match(v)]
    return (
        bool(values) and len(numbers) == len(values) and numbers == list(range(1, len(values) + 1))
    )


def _column_pieces(header_rows: Sequence[Row], index: int) -> list[str]:
    """The distinct labels of one column, top to bottom (a merged label fills many rows); a
    bilingual label counts by its Chinese part."""
    pieces: list[str] = []
    for _, cells in header_rows:
        text = chinese_label(cells[index]) if index < len(cells) else ""
        if text and text not in pieces:
            pieces.append(text)
    return pieces


def _classify(index: int, pieces: list[str]) -> ColumnLabel:
    """Units and measures are recognised by the seeds' labels; the ownership group is the first
    known ownership label, else the lowest other label (group labels above it are dropped)."""
    unit = measure = None
    others: list[str] = []
    for printed in pieces:
        piece, piece_unit = split_unit(printed)
        unit = unit or piece_unit
        found = find_label([piece], measure_labels()) if piece else None
        if found:
            measure = measure or found
        elif piece:
            others.append(piece)
    owners = {label.lower() for label in _seed_labels("ownership")}
    known = [p for p in others if p.lower() in owners]
    ownership = known[0] if known else (others[-1] if others else " / ".join(pieces))
    return ColumnLabel(index, ownership, measure, unit)


def wide_header(rows: Sequence[Row], header_at: int) -> WideHeader:
    """The header around `rows[header_at]` (the row starting with `行业`): group rows above
    it, sub-header rows under it, and each value column's labels."""
    start = header_at
    while (
        start > 0 and header_at - start < _MAX_HEADER_ROWS - 1 and _is_group_row(rows[start - 1][1])
    ):
        start -= 1
    end = header_at + 1
    while end < len(rows) and end - start < _MAX_HEADER_ROWS and _is_sub_header(rows[end][1]):
        end += 1
    header_rows = rows[start:end]
    body_start = end + 1 if end < len(rows) and _is_column_numbers(rows[end][1]) else end
    width = max(len(cells) for _, cells in header_rows)
    code_column = None
    columns: list[ColumnLabel] = []
    mapping = fdi_header_map()
    for index in range(1, width):
        pieces = _column_pieces(header_rows, index)
        if not pieces:
            continue
        if any(mapping.get(normalise_name(p)) == "industry_code" for p in pieces):
            code_column = index
            continue
        columns.append(_classify(index, pieces))
    return WideHeader(start, body_start, code_column, tuple(columns))
