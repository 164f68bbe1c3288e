"""CSV files for spreadsheets: UTF-8 with a byte-order mark (Excel then reads Chinese names
correctly), comma-separated, a header row, NULL as an empty field (docs/exports.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.warehouse.served_db import sql_str

BOM = "\ufeff".encode()


def copy_csv(con: duckdb.DuckDBPyConnection, query: str, path: Path, bom: bool = True) -> None:
    """Write the rows of `query` to `path`. DuckDB writes doubles in their shortest exact
    form and DECIMALs with all their digits, so the text reads back to the same numbers;
    the connection must run one thread so that rows keep the query's order."""
    body = path.with_name(f".{path.name}.body")
    con.execute(f"copy ({query}) to {sql_str(str(body))} (format csv, header true, delimiter ',')")
    with path.open("wb") as out, body.open("rb") as src:
        if bom:
            out.write(BOM)
        shutil.copyfileobj(src, out, 1 << 20)
    body.unlink()
