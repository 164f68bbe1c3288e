"""`CITYGVC_ENGINE=spark`: the demo catalog refreshed with every dbt model built on Apache Spark
(local, in the dbt process) publishes the same marts as the DuckDB refresh — the same tables,
columns and types, rows, keys and flags, values within 1e-9 relative — and prints the same
summary but for the publish id, fingerprint and timings; a failing gate on Spark stops the
publish as on DuckDB (docs/scale-out.md)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import refresh
from orchestration.pipeline.refresh import EXIT_FAILURE
from tests.helpers import force_failing_suite, hide_location_env, make_settings, run_refresh
from tools.spark_mirror.compare import differing_rows

MARTS = (
    "dim_city",
    "dim_indicator",
    "dim_industry",
    "dim_release",
    "fct_city_indicators",
    "fct_city_industry_indicators",
    "fct_city_industry_year",
    "fct_data_quality",
    "fct_industry_indicators",
    "fct_source_reconciliation",
)


@pytest.fixture(scope="module")
def spark_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `CITYGVC_ENGINE=spark python -m orchestration.refresh` of the demo catalog."""
    data = tmp_path_factory.mktemp("spark") / "data"
    run_refresh(data, CITYGVC_ENGINE="spark", SPARK_LOCAL_IP="127.0.0.1")
    return data


def test_spark_keeps_its_temporary_files_in_the_data_folder(spark_run: Path) -> None:
    # each Spark session's Hive client makes a folder for its resources and leaves it: by
    # default <session id>_resources in the JVM's temporary folder (/tmp), one per dbt build;
    # the profile has every session of the refresh's builds use one folder in the data folder
    scratch = spark_run / "spark" / "scratch"
    assert list(scratch.glob("*_resources")) == [scratch / "hive_resources"]


def _summary(data: Path) -> list[str]:
    """The refresh's summary as its log holds it, with what differs between any two runs
    (publish id and fingerprint, timings, the data folder) masked."""
    (log,) = sorted((data / "logs").glob("refresh-*.log"))
    text = log.read_text().split("── citygvc refresh summary ──", 1)[1]
    lines = [line for line in text.splitlines() if line.startswith("[citygvc]")]
    masked = [
        re.sub(r"publish: \w+  fingerprint \w+", "publish: ID  fingerprint FP", x) for x in lines
    ]
    masked = [re.sub(r"time \(s\): .*", "time (s): …", x) for x in masked]
    return [x.replace(str(data), "DATA").replace(log.name, "LOG") for x in masked]


def _served(data: Path, table: str) -> str:
    return f"read_parquet('{data / 'serve' / 'parquet' / f'{table}.parquet'}')"


def test_spark_publishes_the_same_tables_and_columns(spark_run: Path, demo_run: Path) -> None:
    with duckdb.connect() as con:
        for data in (spark_run, demo_run):
            con.execute(
                f"attach '{data / 'serve' / 'citygvc.duckdb'}' as {data.parent.name} (read_only)"
            )
        columns = {
            data.parent.name: con.execute(
                "select table_name, column_name, data_type from duckdb_columns() "
                "where database_name = ? order by table_name, column_index",
                [data.parent.name],
            ).fetchall()
            for data in (spark_run, demo_run)
        }
    spark, duck = columns[spark_run.parent.name], columns[demo_run.parent.name]
    assert {t for t, *_ in duck} == set(MARTS)
    assert spark == duck


@pytest.mark.parametrize("table", MARTS)
def test_spark_publishes_the_same_rows(spark_run: Path, demo_run: Path, table: str) -> None:
    with duckdb.connect() as con:
        rows = con.execute(f"select count(*) from {_served(demo_run, table)}").fetchone()[0]
        found = differing_rows(con, _served(demo_run, table), _served(spark_run, table), table)
    assert rows > 0
    assert found == []


# Columns that legitimately differ between engines: each engine digests a year's rows with its
# own hash (macros/portable/aggregates.sql, rows_digest), and built_from records that digest.
ENGINE_OWN = (
    "built_from",
    "disclosure_digest",
    "value_added_digest",
    *(
        f"{m}_{digest}"
        for m in ("gross_output", "value_added", "employment", "export_value")
        for digest in ("rows_digest", "disclosure_digest")
    ),
)


def _engine_neutral(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    columns = [c for c, *_ in con.execute(f"describe {relation}").fetchall()]
    kept = ", ".join(f'"{c}"' for c in columns if c not in ENGINE_OWN)
    return f"(select {kept} from {relation})"


def test_every_table_spark_built_has_duckdbs_rows(spark_run: Path, demo_run: Path) -> None:
    """Seeds, staging and intermediate tables too, not only the marts: after a Spark refresh
    the warehouse's relations are views over Spark's files (the models Spark keeps as views
    have none and are checked through the tables built on them)."""
    found = {}
    with duckdb.connect(str(spark_run / "warehouse.duckdb"), read_only=True) as con:
        con.execute(f"attach '{demo_run / 'warehouse.duckdb'}' as duck (read_only)")
        spark_tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_type = 'VIEW' "
            "and table_schema in ('seeds', 'staging', 'intermediate') order by all"
        ).fetchall()
        for schema, table in spark_tables:
            spark = _engine_neutral(con, f"{schema}.{table}")
            duck = _engine_neutral(con, f"duck.{schema}.{table}")
            if differing := differing_rows(con, duck, spark, table, 3):
                found[table] = differing
    assert len(spark_tables) > 55
    assert found == {}


def test_spark_prints_the_same_summary(spark_run: Path, demo_run: Path) -> None:
    spark = _summary(spark_run)
    assert any(line.startswith("[citygvc]   fct_city_indicators: ") for line in spark)
    assert spark == _summary(demo_run)


def _serve_snapshot(serve: Path) -> dict[str, str]:
    files = [p for p in sorted(serve.rglob("*")) if p.is_file() and not p.is_symlink()]
    return {str(p.relative_to(serve)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_a_failing_gate_on_spark_stops_the_publish(
    spark_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A refresh of the Spark run's own folder (its Spark metastore knows its table folders by
    # absolute path, so it cannot be copied): the staged-ASIF suite gains a critical
    # expectation the data cannot meet. Suites are part of the code fingerprint, so the
    # refresh builds and checks again; the gate runs on what Spark staged.
    settings = make_settings(spark_run.parent, spark_run / "releases", CITYGVC_ENGINE="spark")
    hide_location_env(monkeypatch, "restored-after-test")
    monkeypatch.setenv("CITYGVC_ENGINE", "spark")  # the refresh exports it; restored after
    before = _serve_snapshot(settings.serve_dir)
    force_failing_suite(monkeypatch, tmp_path, "staging_asif_profile")

    lines: list[str] = []
    assert refresh(settings, echo=lines.append) == EXIT_FAILURE
    assert _serve_snapshot(settings.serve_dir) == before
    summary = "\n".join(lines)
    assert "nothing published" in summary
    assert "check gx_staging_asif_profile on" in summary
    assert "dbt models:" not in summary  # the gate blocked the models
