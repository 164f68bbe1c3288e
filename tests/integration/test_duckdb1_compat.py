"""The served file opens in DuckDB 1.x, which every BI driver uses (Superset 6.1 pins duckdb < 2;
the Metabase driver ships JDBC 1.4), with its data, exact decimals and dbt comments intact."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from tests.integration.bi.bi_helpers import DONGGUAN, KUNSHAN, hand_publish, run_bi

# Runs in .venv-bi (duckdb 1.4); prints what a BI client would see of the file at argv[1].
OPEN_IN_DUCKDB_1 = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = [r[0] for r in con.execute(
    "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
print(json.dumps({
    "version": duckdb.__version__,
    "counts": {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in tables},
    "comments": dict(con.execute(
        "select table_name, comment from duckdb_tables() where comment is not null").fetchall()),
    "column_comments": [list(r) for r in con.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where comment is not null order by 1, 2").fetchall()],
    "sample": [[str(v) for v in r] for r in con.execute(sys.argv[2]).fetchall()],
}))
"""


def test_published_file_opens_in_duckdb_1_with_data_and_comments(tmp_path: Path) -> None:
    settings = hand_publish(tmp_path / "data")
    manifest = json.loads((settings.serve_dir / "manifest.json").read_text())
    sample = (
        "select city_code, year, gross_output from marts.fct_city_industry_year "
        f"where industry_code = '39' and ownership = 'total' and city_code = '{KUNSHAN}' "
        "order by year"
    )

    seen = run_bi(OPEN_IN_DUCKDB_1, str(settings.serve_dir / "citygvc.duckdb"), sample)

    assert seen["version"].startswith("1.")
    assert seen["counts"] == manifest["row_counts"]
    # hand-made ICT output of Kunshan (bi_helpers.OUTPUT), DECIMAL(38, 6) kept exact
    assert seen["sample"] == [
        [KUNSHAN, "2008", "600.000000"],
        [KUNSHAN, "2009", "780.000000"],
    ]
    assert seen["comments"] == {"fct_city_indicators": "City x year indicators"}
    assert seen["column_comments"] == [
        ["fct_city_indicators", "value", "The indicator value; NULL when suppressed"]
    ]


def test_duckdb_2_default_format_would_not_open_in_duckdb_1(tmp_path: Path) -> None:
    """Why the publish pins the storage version: without it DuckDB 1.x clients cannot open the
    file (guards the test above against passing for the wrong reason)."""
    path = tmp_path / "default_format.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t as select 1 as x")
    with pytest.raises(RuntimeError, match="storage"):
        run_bi(OPEN_IN_DUCKDB_1, str(path), "select 1")


@pytest.mark.slow
def test_real_publish_opens_in_duckdb_1(demo_run: Path) -> None:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(demo_run)})
    manifest = json.loads((settings.serve_dir / "manifest.json").read_text())
    served = settings.serve_dir / "citygvc.duckdb"
    sample = (
        "select city_code, year, source, value from marts.fct_city_indicators "
        f"where city_code in ('{KUNSHAN}', '{DONGGUAN}') and indicator_id = "
        "'ict_share_mfg_output' and breakdown = 'total' order by all"
    )

    seen = run_bi(OPEN_IN_DUCKDB_1, str(served), sample)

    assert seen["version"].startswith("1.")
    assert seen["counts"] == manifest["row_counts"]
    with duckdb.connect(str(served), read_only=True) as con:
        expected = [[str(v) for v in r] for r in con.execute(sample).fetchall()]
    assert seen["sample"] == expected and len(expected) >= 4
    # the dbt descriptions reach BI users: every mart and its columns carry comments
    assert set(seen["comments"]) == set(manifest["row_counts"])
    assert {t for t, _, _ in seen["column_comments"]} == set(manifest["row_counts"])
