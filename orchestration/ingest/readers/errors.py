"""Errors raised by the readers: each names the file and, where known, column and row."""

from __future__ import annotations


class ReadError(Exception):
    """A file that cannot be read as a table.

    `reason` is a short code for the quarantine record: empty_file, truncated_file,
    corrupt_file, encoding_error, malformed_row, no_table, and too_many_rows,
    too_many_columns, xlsx_too_large (readers/limits.py). `row` is the 1-based data row
    (or sheet row for xlsx), `column` the column as printed in the file."""

    def __init__(
        self,
        file: str,
        column: str | None,
        row: int | None,
        message: str,
        reason: str = "corrupt_file",
    ) -> None:
        self.file = file
        self.column = column
        self.row = row
        self.message = message
        self.reason = reason
        where = [file]
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}")

    def __reduce__(self) -> tuple:
        # Picklable with its fields: releases are read in worker processes (ingest.batch).
        return (ReadError, (self.file, self.column, self.row, self.message, self.reason))
