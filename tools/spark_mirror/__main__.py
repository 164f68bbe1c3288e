"""`python -m tools.spark_mirror DATA_DIR` — give Spark every table a DuckDB refresh of DATA_DIR
built (seeds, staging, intermediate), as Parquet tables with the same names, plus the ops
export. Then `dbt run --target spark --select <model>` builds one model on Spark from the very
inputs DuckDB used, and its rows can be compared with DuckDB's before its parents are ported
(docs/scale-out.md#porting-a-model)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.warehouse.spark_ops import export_ops

SCHEMAS = ("seeds", "staging", "intermediate")
REPO = Path(__file__).resolve().parents[2]
SPARK_DBT = REPO / ".venv-spark" / "bin" / "dbt"


def mirror_to_parquet(data: Path) -> list[tuple[str, str, str]]:
    """Each table and view of SCHEMAS as one Parquet file; returns (schema, table, folder)."""
    mirrored = []
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ? order by all",
            [list(SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            folder = data / "spark" / "mirror" / schema / table
            folder.mkdir(parents=True, exist_ok=True)
            path = str(folder / "data.parquet").replace("'", "''")
            con.execute(f"copy (select * from {schema}.\"{table}\") to '{path}' (format parquet)")
            mirrored.append((schema, table, str(folder)))
    return mirrored


def adopt_in_spark(data: Path, mirrored: list[tuple[str, str, str]]) -> None:
    """Spark tables over the mirrored folders (macros/dev/adopt_parquet_tables.sql)."""
    tables = [{"schema": s, "name": t, "path": p} for s, t, p in mirrored]
    argv = [str(SPARK_DBT), "run-operation", "adopt_parquet_tables", "--target", "spark"]
    argv += ["--args", repr({"tables": tables}), "--project-dir", str(REPO / "dbt_project")]
    argv += ["--profiles-dir", str(REPO / "dbt_project"), "--target-path", str(data / "target")]
    env = {"CITYGVC_DATA_DIR": str(data), "SPARK_LOCAL_IP": "127.0.0.1", "PATH": "/usr/bin:/bin"}
    subprocess.run(argv, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="CITYGVC_DATA_DIR of a finished refresh")
    data = parser.parse_args().data_dir.resolve()
    export_ops(data / "warehouse.duckdb", data / "spark")
    adopt_in_spark(data, mirror_to_parquet(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
