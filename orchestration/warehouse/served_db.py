"""Write the served DuckDB file from a publish's Parquet files, byte for byte reproducibly.

DuckDB 2.0 does not write the same bytes twice for the same string data: FSST compression
samples its symbol table at random, and column segments are flushed with their unused tail
uninitialised (duckdb/duckdb#23382, open). So the file is written in a process of its own in
which DuckDB's bundled jemalloc zeroes every allocation (`DUCKDB_JE_MALLOC_CONF`, read once
when the library loads, hence the separate process) and FSST is disabled; dictionary and the
numeric compressions stay on. Integers, decimals and doubles were already stable.

Run as `python -m orchestration.warehouse.served_db` with a JSON spec on stdin
(`db`, `parquet_dir`, `tables`, `docs`); `served_db_written` does that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

# "zero:true" is jemalloc's fill option; the wheel's jemalloc is built with fill support.
ALLOCATOR_ENV = {"DUCKDB_JE_MALLOC_CONF": "zero:true"}
STORAGE_VERSION = "v1.0.0"  # DuckDB 1.x clients can open it


def sql_str(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def served_db_written(
    db_path: Path, parquet_dir: Path, tables: list[str], docs: dict[str, dict]
) -> Iterator[None]:
    """Write `db_path` (schema `marts`, one table per Parquet file, dbt docs as comments) in a
    process of its own while the block runs (the publish writes the exports meanwhile: both
    only read the Parquet files); leaving the block waits for it. A failure of the block
    stops the process."""
    spec = {
        "db": str(db_path),
        "parquet_dir": str(parquet_dir),
        "tables": tables,
        "docs": {t: docs[t] for t in tables if t in docs},
    }
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.warehouse.served_db"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env={**os.environ, **ALLOCATOR_ENV},
            text=True,
        )
        try:
            # the process reads the whole spec first (json.load), so this write does not wait
            # on it for long; closing stdin ends the spec
            with process.stdin as spec_input:
                spec_input.write(json.dumps(spec))
            yield
        except BaseException:
            process.kill()
            process.wait()
            raise
        if process.wait() != 0:
            errors.seek(0)
            raise RuntimeError(f"writing the served DuckDB file failed:\n{errors.read()[-3000:]}")


def _comment(con: duckdb.DuckDBPyConnection, table: str, doc: dict) -> None:
    """Carry dbt descriptions into the served file so BI tools show them."""
    if doc.get("description"):
        con.execute(f"comment on table pub.marts.{table} is {sql_str(doc['description'])}")
    for column, text in sorted(doc.get("columns", {}).items()):
        if text:
            con.execute(f"comment on column pub.marts.{table}.{column} is {sql_str(text)}")


def main() -> None:
    spec = json.load(sys.stdin)
    parquet_dir = Path(spec["parquet_dir"])
    # One thread keeps row groups in file order.
    with duckdb.connect(config={"threads": 1}) as con:
        con.execute("set disabled_compression_methods = 'fsst'")
        con.execute(f"attach {sql_str(spec['db'])} as pub (storage_version '{STORAGE_VERSION}')")
        con.execute("create schema pub.marts")
        for table in spec["tables"]:
            parquet = sql_str(str(parquet_dir / f"{table}.parquet"))
            con.execute(f"create table pub.marts.{table} as select * from read_parquet({parquet})")
            if spec["docs"].get(table):
                _comment(con, table, spec["docs"][table])
        con.execute("detach pub")


if __name__ == "__main__":
    main()
