"""Limits on what the readers take in (docs/catalog.md, "Reader limits"). A file past one is
refused with a ReadError naming the file and the limit (its release is quarantined) before a
crafted or broken file can exhaust memory: row and column counts are checked from a file's
header or metadata where it has them, and while rows are read where it has not; an .xlsx (a
zip archive) is checked for the size its members unzip to before it is opened."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from orchestration.ingest.readers.errors import ReadError

Row = TypeVar("Row", bound=Sequence[Any])


@dataclass(frozen=True)
class TableLimits:
    """The most rows (data rows, or non-empty sheet rows), columns and unzipped xlsx bytes a
    file of one kind (`what`, for messages) may hold."""

    what: str
    rows: int
    columns: int
    unzipped_bytes: int


# A national ASIF year is 350,000-450,000 firms (the national sample: 443,875) x ~100 columns;
# as xlsx its sheet XML unzips to about 2 GB. The limits leave four to ten times that.
ASIF_LIMITS = TableLimits("an ASIF file", rows=2_000_000, columns=1_000, unzipped_bytes=4 * 2**30)
# A city yearbook table is ~40 industries x 5 ownership groups x 3 measures: about 600 rows in
# the long layout, a few dozen rows x ~20 columns wide, a workbook that unzips to well under
# 1 MB. Workbooks with merged cells are read whole into memory, so these limits are tight.
FDI_LIMITS = TableLimits("an fdi_city table", rows=20_000, columns=200, unzipped_bytes=32 * 2**20)
# Sheet XML deflates 5-20 fold; zeros or one repeated cell deflate about 1,000 fold (a "zip
# bomb"). Below the floor an archive cannot hurt, whatever its ratio.
MAX_ZIP_RATIO = 100
ZIP_RATIO_FLOOR = 16 * 2**20


def check_rows(count: int, file: str, limits: TableLimits, where: str = "") -> None:
    if count > limits.rows:
        raise ReadError(
            file,
            None,
            None,
            f"{where}{count:,} rows, over the limit of {limits.rows:,} for {limits.what}",
            "too_many_rows",
        )


def check_columns(
    count: int, file: str, limits: TableLimits, row: int | None = None, where: str = ""
) -> None:
    if count > limits.columns:
        raise ReadError(
            file,
            None,
            row,
            f"{where}{count:,} columns, over the limit of {limits.columns:,} for {limits.what}",
            "too_many_columns",
        )


def check_csv_lines(data: bytes, file: str, limits: TableLimits) -> None:
    """Refuse a CSV with more lines than a header and `limits.rows` rows, before parsing it.
    (Counting lines is cheap; a quoted value with line breaks only makes the count higher.)"""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines - 1 > limits.rows:
        raise ReadError(
            file,
            None,
            None,
            f"{lines:,} lines, over the limit of {limits.rows:,} rows for {limits.what}",
            "too_many_rows",
        )


def limited_rows(
    rows: Iterable[Row], file: str, limits: TableLimits, sheet: str | None = None
) -> Iterator[Row]:
    """`rows` (of a sheet, as lists of cells with None for empty) unchanged, failing at the
    first row wider than `limits.columns` (trailing empty cells do not count: writers pad
    rows) or once non-empty rows exceed `limits.rows`."""
    where = f"sheet {sheet!r}: " if sheet else ""
    filled = 0
    for number, row in enumerate(rows, start=1):
        width = len(row)
        while width and row[width - 1] is None:
            width -= 1
        check_columns(width, file, limits, number, where)
        filled += width > 0
        if filled > limits.rows:
            raise ReadError(
                file,
                None,
                number,
                f"{where}more than {limits.rows:,} rows, the limit for {limits.what}",
                "too_many_rows",
            )
        yield row


def check_unzipped_size(path: Path, file: str, limits: TableLimits) -> None:
    """Refuse an xlsx whose members unzip to more than `limits.unzipped_bytes`, or far more
    than they take zipped. The sizes are the archive's own declarations, which suffice:
    Python's zipfile (under openpyxl) stops each member at its declared size."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(file, None, None, f"unreadable xlsx: {exc}", "corrupt_file") from None
    unzipped = sum(member.file_size for member in members)
    zipped = sum(member.compress_size for member in members)
    if unzipped > limits.unzipped_bytes:
        raise ReadError(
            file,
            None,
            None,
            f"xlsx unzips to {unzipped:,} bytes, over the limit of {limits.unzipped_bytes:,} "
            f"for {limits.what}",
            "xlsx_too_large",
        )
    if unzipped > ZIP_RATIO_FLOOR and unzipped > MAX_ZIP_RATIO * max(zipped, 1):
        raise ReadError(
            file,
            None,
            None,
            f"xlsx unzips to {unzipped:,} bytes from {zipped:,}: over the limit of "
            f"{MAX_ZIP_RATIO}:1 for compression (a zip bomb)",
            "xlsx_too_large",
        )
