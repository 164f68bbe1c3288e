"""Web pages named `.xls`: the tables of an HTML file as `Sheet`s, merged cells filled.

Statistical bureaus' sites and report tools offer tables as an "Excel download" that is an
HTML page named `.xls` (Excel opens it, with a warning); Excel's own "Web Page" save writes
the same. Each `<table>` becomes a sheet: its `<tr>` rows numbered from 1 (a `<caption>`
first, as a row of one cell), each `<td>`/`<th>` placed by its `colspan` and `rowspan` (a
spanned range is a merged range, filled by `grid_sheet` as the other workbook readers do),
its text with the page's whitespace collapsed and `&nbsp;` as a space. A table inside a cell
is a table of its own; its text stays out of the cell around it. The page's encoding comes
from a byte-order mark, else its `charset` declaration, else UTF-8 if the bytes are UTF-8,
else GB18030 (which contains GB2312 and GBK).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from orchestration.ingest.readers.errors import ReadError
from orchestration.ingest.readers.limits import TableLimits, check_rows, limited_rows
from orchestration.ingest.readers.sources import (
    MergedRange,
    Sheet,
    decode_csv_bytes,
    grid_sheet,
)

_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")
_HEAD_BYTES = 4096
_FEED_CHARS = 1 << 20
# Places spans may fill in one page: a yearbook table's spans fill a few hundred; a crafted
# page of huge spans would otherwise fill memory before any row or column limit is checked.
_MAX_SPANNED = 100_000


class _TooManySpanned(Exception):
    pass


# What marks a page: a table or the html element near the start.
_HTML_MARKS = (b"<html", b"<table", b"<!doctype html")


def looks_like_html(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a web page."""
    text = head[:_HEAD_BYTES].lower()
    return any(mark in text for mark in _HTML_MARKS)


@dataclass
class _Table:
    """A table being read: its rows of cells, the spans they opened, the cell being read."""

    rows: list[list[str | None]] = field(default_factory=list)
    merged: list[MergedRange] = field(default_factory=list)
    # (row, column) of the places a span above or to the left already fills
    carried: set[tuple[int, int]] = field(default_factory=set)
    cell: list[str] | None = None
    span: tuple[int, int] = (1, 1)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[_Table] = []
        self.done: list[_Table] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.open.append(_Table())
        elif not self.open:
            return
        elif tag in ("tr", "caption"):
            # a caption (the title some pages give their table) is a row of its own
            self._end_cell()
            self.open[-1].rows.append([])
            if tag == "caption":
                self.open[-1].cell, self.open[-1].span = [], (1, 1)
        elif tag in ("td", "th"):
            self._end_cell()
            table = self.open[-1]
            if not table.rows:
                table.rows.append([])
            values = dict(attrs)
            table.cell = []
            table.span = (_span(values.get("rowspan")), _span(values.get("colspan")))
        elif tag == "br" and self.open[-1].cell is not None:
            self.open[-1].cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            return
        if tag in ("td", "th", "tr", "caption"):
            self._end_cell()
        elif tag == "table":
            self._end_cell()
            self.done.append(self.open.pop())

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1].cell is not None:
            self.open[-1].cell.append(data)

    def _end_cell(self) -> None:
        table = self.open[-1]
        if table.cell is None:
            return
        text = _SPACES_RE.sub(" ", "".join(table.cell).replace("\xa0", " ")).strip()
        _place(table, text or None)
        table.cell = None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))  # a span beyond any table is a typo
    except ValueError:
        return 1


def _place(table: _Table, text: str | None) -> None:
    """Put a cell in the first free column of the current row, with its spans."""
    r = len(table.rows) - 1
    row = table.rows[r]
    c = len(row)
    while (r, c) in table.carried:
        c += 1
    rows, cols = table.span
    if len(table.carried) + rows * cols > _MAX_SPANNED:
        raise _TooManySpanned
    for rr in range(r, r + rows):
        for cc in range(c, c + cols):
            if (rr, cc) != (r, c):
                table.carried.add((rr, cc))
    row.extend([None] * (c - len(row)))
    row.append(text)
    row.extend([None] * (cols - 1))
    if rows > 1 or cols > 1:
        table.merged.append((r, r + rows, c, c + cols))


def _decode(data: bytes, file: str) -> str:
    """The page's text: by its charset, unless a byte-order mark says otherwise or the
    declaration is wrong; else as a CSV file is decoded (a mark, UTF-8, GB18030)."""
    marked = data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    declared = None if marked else _CHARSET_RE.search(data[:_HEAD_BYTES])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        # Pages that say gb2312 hold GBK (characters beyond GB2312), and Python's gb2312
        # codec reads GBK's dash A1AA as U+2015, not the U+2014 yearbooks print for "n/a":
        # GB18030 reads all of them as writers mean them.
        name = "gb18030" if name in ("gb2312", "gbk", "x-gbk", "gb_2312-80") else name
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_csv_bytes(data, file)[0].decode("utf-8")


def read_html_sheets(path: Path, file: str, limits: TableLimits) -> list[Sheet]:
    """Every table of the page, in the order they close, as a sheet named `table N` (the
    page's only table: named "", as a CSV table is)."""
    parser = _TableParser()
    text = _decode(path.read_bytes(), file)
    try:
        for start in range(0, len(text), _FEED_CHARS):
            parser.feed(text[start : start + _FEED_CHARS])
            # rows are counted as the page is read, so that a huge page stops early
            check_rows(sum(len(t.rows) for t in parser.open + parser.done), file, limits)
        parser.close()
    except _TooManySpanned:
        raise ReadError(
            file,
            None,
            None,
            f"cells spanning rows and columns fill more than {_MAX_SPANNED:,} places",
            "corrupt_file",
        ) from None
    tables = [t for t in parser.done if any(any(v is not None for v in r) for r in t.rows)]
    sheets = []
    for n, table in enumerate(tables, start=1):
        name = "" if len(tables) == 1 else f"table {n}"
        grid = [list(r) for r in limited_rows(table.rows, file, limits, name or None)]
        sheets.append(grid_sheet(name, grid, table.merged))
    if not sheets:
        raise ReadError(file, None, None, "web page without a table", "empty_file")
    return sheets
