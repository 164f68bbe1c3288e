"""`python -m tools.spark_mirror.compare DATA_DIR MODEL...` — does each model's Spark table hold
the rows of its DuckDB table? Columns by name; text, integers, decimals, dates and booleans
equal; floating-point values within 1e-9 relative (the engines sum in different orders).
Prints the first differences; exits 1 when any model differs."""

from __future__ import annotations

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


def _same(column: str, kind: str) -> str:
    """SQL: the `column` of rows a and b hold the same value (floats within RELATIVE)."""
    a, b = f"a.{column}", f"b.{column}"
    if kind not in FLOATS:
        return f"{a} is not distinct from {b}"
    # a null on one side only makes the comparisons null: coalesce says "not the same"
    return (
        f"({a} is not distinct from {b} or coalesce((isnan({a}) and isnan({b})) "
        f"or abs({a} - {b}) <= {RELATIVE} * greatest(abs({a}), abs({b})), false))"
    )


def differing_rows(
    con: duckdb.DuckDBPyConnection, left: str, right: str, label: str, limit: int = 5
) -> list[str]:
    """What differs between the relations `left` and `right` (SQL that DuckDB reads; the
    columns of `left`, by name): empty when they hold the same rows. Both sides are sorted by
    every column (exact ones first) and paired in that order, in SQL."""
    described = con.execute(f"describe select * from {left}").fetchall()
    columns = sorted(((f'"{c}"', kind) for c, kind, *_ in described), key=lambda x: x[1] in FLOATS)
    listed = ", ".join(c for c, _ in columns)
    order = ", ".join(f"{c} nulls first" for c, _ in columns)
    counts = [con.execute(f"select count(*) from {r}").fetchone()[0] for r in (left, right)]
    if counts[0] != counts[1]:
        return [f"{label}: {counts[0]} rows against {counts[1]}"]
    numbered = "select {listed}, row_number() over (order by {order}) as row_number__ from {r}"
    rows = con.execute(
        f"with a as ({numbered.format(listed=listed, order=order, r=left)}), "
        f"b as ({numbered.format(listed=listed, order=order, r=right)}) "
        f"select {', '.join(f'a.{c}' for c, _ in columns)}, "
        f"{', '.join(f'b.{c}' for c, _ in columns)} "
        "from a inner join b on a.row_number__ = b.row_number__ "
        f"where not ({' and '.join(_same(c, kind) for c, kind in columns)}) "
        f"order by a.row_number__ limit {limit}"
    ).fetchall()
    return [f"{label}: {row[: len(columns)]} | {row[len(columns) :]}" for row in rows]


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
