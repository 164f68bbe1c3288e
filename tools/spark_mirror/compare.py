"""`python -m tools.spark_mirror.compare DATA_DIR MODEL...` — does each model's Spark table hold
the rows of its DuckDB table? Columns by name; text, integers, decimals, dates and booleans
equal; floating-point values within 1e-9 relative (the engines sum in different orders).
Prints the first differences; exits 1 when any model differs."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import duckdb

SCHEMAS = ("staging", "intermediate", "marts")
FLOATS = ("DOUBLE", "FLOAT", "REAL")
RELATIVE = 1e-9


def spark_files(data: Path, schema: str, model: str) -> Path:
    """Where Spark's table of a model lives: Parquet under its warehouse folder."""
    return data / "spark" / "warehouse" / f"{schema}.db" / model


def _schema_of(con: duckdb.DuckDBPyConnection, model: str) -> str:
    found = con.execute(
        "select table_schema from information_schema.tables where table_name = ? "
        "and table_schema in ?",
        [model, list(SCHEMAS)],
    ).fetchone()
    if found is None:
        raise SystemExit(f"{model}: no DuckDB table in {SCHEMAS}")
    return found[0]


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= RELATIVE * max(abs(a), abs(b))
    return a == b


def differing_rows(
    con: duckdb.DuckDBPyConnection, left: str, right: str, label: str, limit: int = 5
) -> list[str]:
    """What differs between the relations `left` and `right` (SQL that DuckDB reads; the
    columns of `left`, by name): empty when they hold the same rows."""
    described = con.execute(f"describe select * from {left}").fetchall()
    exact = [f'"{c}"' for c, kind, *_ in described if kind not in FLOATS]
    floats = [f'"{c}"' for c, kind, *_ in described if kind in FLOATS]
    listed = ", ".join(exact + floats)
    order = ", ".join(f"{c} nulls first" for c in exact + floats)
    rows = [
        con.execute(f"select {listed} from {r} order by {order}").fetchall() for r in (left, right)
    ]
    if len(rows[0]) != len(rows[1]):
        return [f"{label}: {len(rows[0])} rows against {len(rows[1])}"]
    found = []
    for a_row, b_row in zip(*rows, strict=True):
        if not all(_close(a, b) for a, b in zip(a_row, b_row, strict=True)):
            found.append(f"{label}: {a_row} | {b_row}")
            if len(found) == limit:
                break
    return found


def differences(data: Path, model: str, limit: int = 5) -> list[str]:
    """What differs between the DuckDB and the Spark table of `model` (empty: nothing)."""
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        schema = _schema_of(con, model)
        files = spark_files(data, schema, model)
        spark = f"read_parquet('{files}/**/*.parquet', hive_partitioning=true, union_by_name=true)"
        return differing_rows(con, f"{schema}.{model}", spark, f"{model} (DuckDB | Spark)", limit)


def main() -> int:
    data, *models = sys.argv[1:]
    failed = False
    for model in models:
        found = differences(Path(data), model)
        print(f"{model}: {'same rows' if not found else 'DIFFERS'} ")
        for line in found:
            print("  ", line)
        failed |= bool(found)
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
