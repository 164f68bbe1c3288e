"""BI tools read the published marts the ways README's "Connecting a BI tool" shows: the ready
SQL of bi/sql, SQLAlchemy + duckdb-engine (the Superset / Metabase path), a read-only DuckDB
connection (as the DuckDB CLI opens it) and Parquet (pandas, polars). Clients run in .venv-bi
(DuckDB 1.x, SQLAlchemy < 2.1) as BI drivers do. Expected numbers are the hand-chosen cells of
tests/integration/bi/bi_helpers.py, computed by hand here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.settings import Settings
from tests.integration.bi.bi_helpers import (
    DONGGUAN,
    KUNSHAN,
    SQL_DIR,
    hand_publish,
    run_bi,
)

DESIGN_INDICATOR_COLUMNS = [
    "city_code",
    "year",
    "indicator_id",
    "breakdown",
    "source",
    "value",
    "unit",
    "obs_status",
    "obs_flags",
    "conf_status",
    "release_ids",
]

# Runs every bi/sql file in DuckDB 1.x, read only; argv: served file, city code or "".
RUN_READY_SQL = r"""
import json, sys
from pathlib import Path
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
if sys.argv[3]:
    con.execute("set variable city_code = ?", [sys.argv[3]])
out = {}
for path in sorted(Path(sys.argv[2]).glob("*.sql")):
    cursor = con.execute(path.read_text())
    names = [d[0] for d in cursor.description]
    out[path.stem] = [dict(zip(names, row)) for row in cursor.fetchall()]
print(json.dumps(out, default=str))
"""

SQLALCHEMY_CLIENT = r"""
import json, sys
import sqlalchemy as sa
engine = sa.create_engine(f"duckdb:///{sys.argv[1]}?access_mode=read_only")
inspector = sa.inspect(engine)
with engine.connect() as con:
    rows = con.execute(sa.text(sys.argv[2])).fetchall()
    try:
        con.execute(sa.text("create table marts.scratch (x integer)"))
        write_error = None
    except sa.exc.DBAPIError as exc:
        write_error = str(exc.orig)
print(json.dumps({
    "sqlalchemy": sa.__version__,
    "schemas": inspector.get_schema_names(),
    "tables": inspector.get_table_names(schema="marts"),
    "columns": [c["name"] for c in inspector.get_columns("fct_city_indicators", schema="marts")],
    "rows": [list(r) for r in rows],
    "write_error": write_error,
}, default=str))
"""

POLARS_CLIENT = r"""
import json, sys
import polars as pl
frame = pl.read_parquet(sys.argv[1])
print(json.dumps({"rows": frame.height, "columns": frame.columns,
                  "value_sum": frame["value"].sum()}))
"""

HEADLINE = (
    "select city_code, year, source, value from marts.fct_city_indicators "
    "where indicator_id = 'ict_share_mfg_output' and breakdown = 'total' "
    f"and city_code in ('{KUNSHAN}', '{DONGGUAN}') order by city_code, year, source"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """serve/ of the hand-made publish."""
    return hand_publish(tmp_path_factory.mktemp("bi") / "data").serve_dir


def _ready_sql(served_file: Path, city: str = "") -> dict[str, list[dict]]:
    return run_bi(RUN_READY_SQL, str(served_file), str(SQL_DIR), city)


def _pick(rows: list[dict], **where: object) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def test_kunshan_vs_dongguan_sql_gives_the_hand_calculated_series(served: Path) -> None:
    rows = _ready_sql(served / "citygvc.duckdb")["kunshan_vs_dongguan"]

    share = _pick(rows, indicator_id="ict_share_mfg_output", breakdown="total", source="asif")
    assert [(r["year"], r["kunshan"], r["dongguan"]) for r in share] == [
        (2008, pytest.approx(600 / 1000), pytest.approx(800 / 2000)),
        (2009, pytest.approx(780 / 1200), pytest.approx(720 / 2400)),
    ]
    yearbook = _pick(rows, indicator_id="ict_share_mfg_output", source="fdi_city")
    assert [(r["year"], r["kunshan"], r["dongguan"]) for r in yearbook] == [(2009, 0.66, 0.31)]
    fdi = _pick(rows, indicator_id="fdi_dependency_ict_va", breakdown="total", source="asif")
    # (hmt + foreign) / ICT value added; Dongguan 2009 is suppressed: NULL with C, never 0
    assert [(r["year"], r["kunshan"], r["dongguan"], r["dongguan_conf_status"]) for r in fdi] == [
        (2008, pytest.approx(180 / 200), pytest.approx(240 / 300), "F"),
        (2009, pytest.approx(234 / 260), None, "C"),
    ]


def test_segment_mix_and_fdi_dependency_sql(served: Path) -> None:
    ready = _ready_sql(served / "citygvc.duckdb")

    kunshan_2009 = _pick(ready["segment_mix"], city="Kunshan", year=2009)
    shares = {r["segment"]: r["share_of_ict_output"] for r in kunshan_2009}
    assert shares["computers"] == pytest.approx(468 / 780)
    assert shares["components_devices"] == pytest.approx(312 / 780)
    assert sum(shares.values()) == pytest.approx(1)
    assert {r["segment"]: r["gross_output"] for r in kunshan_2009}["computers"] == "468.000000"
    handsets = _pick(ready["segment_mix"], city="Dongguan", year=2009, segment="handsets")
    assert [(h["share_of_ict_output"], h["gross_output"]) for h in handsets] == [(0.0, None)]

    dongguan = _pick(
        ready["fdi_dependency"], city_code=DONGGUAN, indicator_id="fdi_dependency_ict_va"
    )
    by_key = {(r["breakdown"], r["year"]): r for r in dongguan}
    assert by_key[("total", 2009)]["asif"] is None
    assert by_key[("total", 2009)]["asif_conf_status"] == "C"
    assert by_key[("total", 2009)]["fdi_city"] == 0.62
    assert by_key[("hmt", 2008)]["asif"] == pytest.approx(150 / 300)


def test_city_profile_takes_any_city_code(served: Path) -> None:
    default = _ready_sql(served / "citygvc.duckdb")["city_profile"]
    dongguan = _ready_sql(served / "citygvc.duckdb", DONGGUAN)["city_profile"]

    assert {r["city"] for r in default} == {"Kunshan"}
    assert [(r["year"], r["source"]) for r in dongguan] == [
        (2008, "asif"),
        (2009, "asif"),
        (2009, "fdi_city"),
    ]
    assert dongguan[0]["mfg_output"] == 2000 and dongguan[0]["ict_output"] == 800
    assert dongguan[0]["ict_share_mfg_output"] == pytest.approx(0.4)
    assert dongguan[1]["fdi_dependency_ict_va"] is None
    assert dongguan[1]["suppressed"] == "fdi_dependency_ict_va"
    assert dongguan[2]["fdi_dependency_ict_va"] == 0.62 and dongguan[2]["suppressed"] is None


def test_sqlalchemy_duckdb_engine_reflects_and_queries_read_only(served: Path) -> None:
    manifest = json.loads((served / "manifest.json").read_text())

    seen = run_bi(SQLALCHEMY_CLIENT, str(served / "citygvc.duckdb"), HEADLINE)

    assert seen["sqlalchemy"].startswith("2.0.")  # duckdb-engine 0.17 cannot reflect under 2.1
    assert "citygvc.marts" in seen["schemas"]  # duckdb-engine names schemas <database>.<schema>
    assert sorted(seen["tables"]) == sorted(manifest["row_counts"])
    assert seen["columns"] == DESIGN_INDICATOR_COLUMNS
    assert [(c, y, s) for c, y, s, _ in seen["rows"]] == [
        (KUNSHAN, 2008, "asif"),
        (KUNSHAN, 2009, "asif"),
        (KUNSHAN, 2009, "fdi_city"),
        (DONGGUAN, 2008, "asif"),
        (DONGGUAN, 2009, "asif"),
        (DONGGUAN, 2009, "fdi_city"),
    ]
    assert seen["rows"][0][3] == pytest.approx(0.6)
    assert "read-only" in seen["write_error"]


def test_duckdb_read_only_connection_as_the_cli_opens_it(served: Path) -> None:
    # what `duckdb -readonly serve/citygvc.duckdb` does
    with duckdb.connect(str(served / "citygvc.duckdb"), read_only=True) as con:
        rows = con.execute(HEADLINE).fetchall()
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from marts.fct_city_indicators")
    assert rows[3] == (DONGGUAN, 2008, "asif", pytest.approx(0.4))


def test_parquet_reads_with_pandas_and_polars(served: Path) -> None:
    # resolve the pointer once, then read every table from that version (see README)
    version = Path(os.path.realpath(served / "parquet"))
    frame = pd.read_parquet(version / "fct_city_indicators.parquet")
    with duckdb.connect(str(served / "citygvc.duckdb"), read_only=True) as con:
        expected = con.execute("select * from marts.fct_city_indicators").df()

    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)
    polars = run_bi(POLARS_CLIENT, str(version / "fct_city_indicators.parquet"))
    assert polars["rows"] == len(expected)
    assert polars["columns"] == DESIGN_INDICATOR_COLUMNS
    assert polars["value_sum"] == pytest.approx(expected["value"].sum())


@pytest.mark.slow
def test_real_publish_reads_the_same_through_every_path(demo_run: Path) -> None:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(demo_run)})
    catalog = demo_run / "releases"
    served_file = settings.serve_dir / "citygvc.duckdb"
    with duckdb.connect(str(served_file), read_only=True) as con:
        direct = [list(r) for r in con.execute(HEADLINE).fetchall()]

    via_sqlalchemy = run_bi(SQLALCHEMY_CLIENT, str(served_file), HEADLINE)["rows"]
    version = Path(os.path.realpath(settings.serve_dir / "parquet"))
    parquet = duckdb.sql(
        f"select city_code, year, source, value from read_parquet('{version}/"
        "fct_city_indicators.parquet') where indicator_id = 'ict_share_mfg_output' and "
        f"breakdown = 'total' and city_code in ('{KUNSHAN}', '{DONGGUAN}') order by all"
    ).fetchall()
    ready = _ready_sql(served_file)

    assert len(direct) >= 4
    assert via_sqlalchemy == direct
    assert [list(r) for r in parquet] == direct
    # every ready query runs on the real marts and returns rows
    assert all(ready[name] for name in ("kunshan_vs_dongguan", "segment_mix", "fdi_dependency"))
    assert {r["city_code"] for r in ready["city_profile"]} == {KUNSHAN}
    # the BI path tells the generator's true story (asif values within rounding)
    truth = pd.read_parquet(catalog / "_ground_truth.parquet")
    truth = truth[
        (truth.indicator_id == "ict_share_mfg_output")
        & (truth.breakdown == "total")
        & (truth.source == "asif")
    ].set_index(["city_code", "year"])["value"]
    for city, year, source, value in direct:
        if source == "asif":
            assert value == pytest.approx(truth[(city, year)], abs=1e-6)
