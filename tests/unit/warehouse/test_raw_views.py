"""raw.asif and raw.fdi_city are views over one Parquet folder per loaded release: typed as the
raw contract says with no release yet, following the data folder when it moves, and a
warehouse that still keeps raw rows in tables has them moved to folders, nothing lost."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.schema import RAW_COLUMNS, connect

OLD_ASIF_TABLE = """
create schema raw;
create table raw.asif (
    release_id VARCHAR not null, source_file VARCHAR not null, source_row BIGINT not null,
    period INTEGER not null, firm_id VARCHAR, location_code VARCHAR, industry_code VARCHAR,
    registration_type VARCHAR, gross_output DECIMAL(18,3), firm_name VARCHAR,
    founding_year INTEGER, value_added DECIMAL(18,3), intermediate_input DECIMAL(18,3),
    vat_payable DECIMAL(18,3), sales DECIMAL(18,3), export_value DECIMAL(18,3),
    employment INTEGER, paid_in_capital DECIMAL(18,3), capital_state DECIMAL(18,3),
    capital_collective DECIMAL(18,3), capital_legal_person DECIMAL(18,3),
    capital_individual DECIMAL(18,3), capital_hmt DECIMAL(18,3), capital_foreign DECIMAL(18,3),
    extra_columns VARCHAR
);
insert into raw.asif (release_id, source_file, source_row, period, firm_id, location_code,
    industry_code, registration_type, gross_output, employment, extra_columns)
values ('asif-2006-r1', 'asif/2006.csv', 1, 2006, 'A1', '320583', '4011', '310', 1234.5, 12,
        null),
       ('asif-2006-r1', 'asif/2006.csv', 2, 2006, 'A2', '441900', '4014', '110', 10.25, 3,
        '{"省份":"江苏"}'),
       ('asif-2007-r1', 'asif/2007.csv', 1, 2007, 'A1', '320583', '4011', '310', 99.999, 14,
        null);
"""


def _types(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind, *_ in con.execute(f"describe raw.{view}").fetchall()]


def test_with_no_release_the_views_are_empty_and_typed_as_the_raw_contract(
    tmp_path: Path,
) -> None:
    with connect(tmp_path / "warehouse.duckdb") as con:
        for dataset, columns in RAW_COLUMNS.items():
            assert _types(con, dataset) == list(columns)
            assert con.execute(f"select count(*) from raw.{dataset}").fetchone() == (0,)
        assert _types(con, "asif")[:4] == [
            ("release_id", "VARCHAR"),
            ("source_file", "VARCHAR"),
            ("source_row", "BIGINT"),
            ("period", "INTEGER"),
        ]
        assert ("gross_output", "DECIMAL(18,3)") in _types(con, "asif")
        assert ("value", "DECIMAL(20,4)") in _types(con, "fdi_city")


def test_raw_rows_kept_in_a_table_move_to_one_folder_per_release(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect(str(data / "warehouse.duckdb")) as old:
        old.execute(OLD_ASIF_TABLE)

    with connect(data / "warehouse.duckdb") as con:
        kind = con.execute(
            "select table_type from information_schema.tables "
            "where table_schema = 'raw' and table_name = 'asif'"
        ).fetchone()
        rows = con.execute(
            "select release_id, source_row, firm_id, gross_output, employment, extra_columns "
            "from raw.asif order by 1, 2"
        ).fetchall()

    assert kind == ("VIEW",)
    assert rows == [
        ("asif-2006-r1", 1, "A1", Decimal("1234.500"), 12, None),
        ("asif-2006-r1", 2, "A2", Decimal("10.250"), 3, '{"省份":"江苏"}'),
        ("asif-2007-r1", 1, "A1", Decimal("99.999"), 14, None),
    ]
    assert sorted(p.name for p in (data / "raw" / "asif").iterdir()) == [
        "asif-2006-r1",
        "asif-2007-r1",
    ]


def test_the_views_follow_the_data_folder_when_it_moves(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect(str(data / "warehouse.duckdb")) as old:
        old.execute(OLD_ASIF_TABLE)
    with connect(data / "warehouse.duckdb"):
        pass

    moved = shutil.move(data, tmp_path / "elsewhere")
    shutil.rmtree(tmp_path / "elsewhere" / "raw" / "asif" / "asif-2007-r1")

    with connect(Path(moved) / "warehouse.duckdb") as con:
        assert con.execute("select count(*) from raw.asif").fetchone() == (2,)


def test_the_dbt_sources_declare_the_raw_columns_and_types() -> None:
    """Spark builds its raw tables from the sources' declared columns (macros/engine_sources.sql):
    they must be the warehouse's raw contract, in order."""
    sources = yaml.safe_load((DBT_PROJECT_DIR / "models/staging/raw/_raw__sources.yml").read_text())
    (raw,) = [s for s in sources["sources"] if s["name"] == "raw"]
    declared = {
        table["name"]: [(c["name"], c["data_type"].upper()) for c in table["columns"]]
        for table in raw["tables"]
    }
    assert declared == {dataset: list(columns) for dataset, columns in RAW_COLUMNS.items()}
