"""Write-audit-publish: a new set appears only whole, readers see one set, rollback works."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from orchestration.warehouse.publish import build_version, rollback, swap_in


def _settings(tmp_path: Path) -> Settings:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
    settings.serve_dir.mkdir(parents=True)
    return settings


def _warehouse(tmp_path: Path, value: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / f"wh{value}.duckdb"))
    con.execute("create schema marts")
    # strings of many distinct values: the column DuckDB compresses with FSST or dictionary
    con.execute(
        "create table marts.fct_a as select range as k, (range * ?)::decimal(18,3) as v, "
        "md5(range::varchar) || repeat('x', range % 7) as name, 'city_' || (range % 97) as city "
        "from range(100000)",
        [value],
    )
    con.execute("create table marts.dim_b as select 'x' as code, ? as n", [value])
    return con


def _publish(settings: Settings, con: duckdb.DuckDBPyConnection, fingerprint: str) -> dict:
    docs = {"fct_a": {"description": "a fact", "columns": {"v": "a value, thousand yuan"}}}
    version, manifest = build_version(con, settings, fingerprint, [], docs)
    swap_in(settings, version, manifest)
    return manifest


def _served_sum(settings: Settings) -> tuple[int, int]:
    with duckdb.connect(str(settings.serve_dir / "citygvc.duckdb"), read_only=True) as pub:
        db = pub.execute("select sum(v)::bigint from marts.fct_a").fetchone()[0]
    parquet = duckdb.sql(
        f"select sum(v)::bigint from read_parquet('{settings.serve_dir}/parquet/fct_a.parquet')"
    ).fetchall()[0][0]
    return int(db), int(parquet)


def test_publish_serves_the_marts_with_docs_and_manifest(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    manifest = _publish(settings, _warehouse(tmp_path, 2), "a" * 64)

    expected = 2 * sum(range(100000))
    assert _served_sum(settings) == (expected, expected)
    served = json.loads((settings.serve_dir / "manifest.json").read_text())
    assert served == manifest
    assert served["row_counts"] == {"dim_b": 1, "fct_a": 100000}
    assert (settings.serve_dir / "parquet").resolve().parent.name == "a" * 16
    with duckdb.connect(str(settings.serve_dir / "citygvc.duckdb"), read_only=True) as pub:
        comment = pub.execute(
            "select comment from duckdb_tables() where table_name = 'fct_a'"
        ).fetchone()[0]
        column = pub.execute(
            "select comment from duckdb_columns() where table_name = 'fct_a' and column_name = 'v'"
        ).fetchone()[0]
    assert (comment, column) == ("a fact", "a value, thousand yuan")


def test_same_marts_give_byte_identical_files(tmp_path: Path) -> None:
    """The same marts publish the same bytes: Parquet, manifest and the DuckDB file
    (which DuckDB alone would not write twice the same, see orchestration/served_db.py)."""
    served = []
    for run in ("one", "two"):
        (tmp_path / run).mkdir()
        settings = _settings(tmp_path / run)
        manifest = _publish(settings, _warehouse(tmp_path / run, 3), "b" * 64)
        files = sorted(settings.serve_dir.glob("*.*")) + sorted(
            settings.serve_dir.glob("parquet/*")
        )
        served.append(
            (manifest, {p.relative_to(settings.serve_dir): p.read_bytes() for p in files})
        )
    (first, first_files), (second, second_files) = served
    assert "citygvc.duckdb" in first["files"]
    assert first == second
    assert first_files.keys() == second_files.keys()
    assert [p for p in first_files if first_files[p] != second_files[p]] == []


def test_rollback_restores_previous_publish(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = _publish(settings, _warehouse(tmp_path, 1), "c" * 64)
    _publish(settings, _warehouse(tmp_path, 5), "d" * 64)
    assert _served_sum(settings)[0] == 5 * sum(range(100000))

    restored = rollback(settings)

    assert restored == "c" * 16
    assert _served_sum(settings) == (sum(range(100000)), sum(range(100000)))
    assert json.loads((settings.serve_dir / "manifest.json").read_text()) == first
    with pytest.raises(RuntimeError, match="no earlier publish"):
        rollback(settings)
