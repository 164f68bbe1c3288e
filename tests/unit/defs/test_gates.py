"""The staging ASIF gate (expectations/staging_asif_profile.json) on a hand-made staged table: a
missing firm id or industry code within the release checks' 1 % tolerance is not a failure, a
firm id on two rows is."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.defs.transform.gates import GATES, gate_frame, gate_sql
from orchestration.ingest.gx import validate_dataframe
from orchestration.settings import Settings
from orchestration.warehouse.schema import connect

(ASIF_GATE,) = [g for g in GATES if g.suite == "staging_asif_profile"]
(MART_GATE,) = [g for g in GATES if g.suite == "mart_fct_city_industry_year"]
# the mart's status columns: one per magnitude and the row's most restrictive
STATUSES = [
    *(f"conf_status_{m}" for m in ("gross_output", "value_added", "export_value", "employment")),
    "conf_status",
]


def _profile(tmp_path: Path, firm_ids: list[str | None], industries: list[str | None]):
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute(
        "create table staging.stg_asif__firm_years (release_id varchar, year integer, "
        "firm_id varchar, gross_output decimal(18, 3), industry_code varchar)"
    )
    rows = [
        ("asif-2005-r1", 2005, firm, 20000 + i, industry)
        for i, (firm, industry) in enumerate(zip(firm_ids, industries, strict=True))
    ]
    con.executemany("insert into staging.stg_asif__firm_years values (?, ?, ?, ?, ?)", rows)
    frame = con.execute(gate_sql(ASIF_GATE)).df()
    settings = Settings(data_dir=tmp_path, releases=str(tmp_path), dagster_home=tmp_path / "dh")
    return frame, validate_dataframe(frame, ASIF_GATE.suite, settings, docs="never")


def test_a_missing_id_and_industry_within_tolerance_pass(tmp_path: Path) -> None:
    # 200 rows: one without a firm id (row 1), two without an industry code (1 %).
    firms = [None] + [f"F{i:03d}" for i in range(1, 200)]
    industries = [None, None] + ["4041"] * 198
    frame, outcome = _profile(tmp_path, firms, industries)
    assert frame["duplicate_firm_ids"].tolist() == [0]
    assert frame["share_missing_industry"].tolist() == [0.01]
    assert outcome.success


def test_a_firm_id_on_two_rows_fails(tmp_path: Path) -> None:
    firms = ["F001", "F001"] + [f"F{i:03d}" for i in range(2, 200)]
    frame, outcome = _profile(tmp_path, firms, ["4041"] * 200)
    assert frame["duplicate_firm_ids"].tolist() == [1]
    (failure,) = outcome.critical_failures
    assert failure.column == "duplicate_firm_ids"


def test_more_missing_industry_codes_than_the_tolerance_fail(tmp_path: Path) -> None:
    industries = [None] * 3 + ["4041"] * 197  # 1.5 %
    _, outcome = _profile(tmp_path, [f"F{i:03d}" for i in range(200)], industries)
    (failure,) = outcome.critical_failures
    assert failure.column == "share_missing_industry"


def test_a_mart_gate_fetches_only_the_columns_its_suite_reads_and_its_keys() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    # The suite reads city_code, industry_level, ownership, source, the five conf_status
    # columns, gross_output, firms and contributors
    # (expectations/mart_fct_city_industry_year.json); year and industry_code are keys;
    # value_added and release_ids are neither.
    con.execute(
        "create table marts.fct_city_industry_year as select '320583' as city_code, 2005 as year, "
        "'division' as industry_level, '39' as industry_code, 'total' as ownership, "
        "'asif' as source, 10.0 as gross_output, 3.0 as firms, 3 as contributors, "
        "4.0 as value_added, 'asif-2005-r1' as release_ids, "
        + ", ".join(f"'F' as {status}" for status in STATUSES)
    )
    columns = [d[0] for d in con.execute(gate_sql(MART_GATE)).description]
    keys = ["city_code", "year", "industry_level", "industry_code", "ownership", "source"]
    assert sorted(columns) == sorted([*keys, *STATUSES, "gross_output", "firms", "contributors"])


def test_a_mart_gate_names_each_bad_value_and_its_row(tmp_path: Path) -> None:
    """One bad value per checked column of the city × industry mart, in a table typed as the
    mart is (DECIMAL measures, a BIGINT count with NULLs for yearbook rows): each expectation
    fails on exactly its row, with the value and the row's keys."""
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_city_industry_year (city_code varchar, year integer, "
        "industry_level varchar, industry_code varchar, ownership varchar, source varchar, "
        "gross_output decimal(38, 6), firms decimal(38, 6), contributors bigint, "
        + ", ".join(f"{status} varchar" for status in STATUSES)
        + ")"
    )
    good = ["320583", 2005, "division", "39", "total", "asif", "10.5", "3", 3]
    rows = [
        good,
        ["32058", *good[1:3], "40", *good[4:]],  # a five-digit city code
        [*good[:3], "41", "private", *good[5:]],  # an ownership outside the code list
        [*good[:3], "42", *good[4:6], "-1.25", *good[7:]],  # negative gross output
        [*good[:3], "43", *good[4:8], 0],  # no contributor
        [*good[:3], "44", good[4], "fdi_city", good[6], None, None],  # yearbook: no counts
    ]
    for row in rows:
        con.execute(
            "insert into marts.fct_city_industry_year values "
            f"({', '.join('?' * (len(row) + len(STATUSES)))})",
            [*row, *(["X"] if row[3] == "44" else ["F"]) * len(STATUSES)],
        )
    con.close()
    with connect(warehouse):
        pass  # the warehouse's raw views made
    # opened as the check opens it: connect() finds the views in place and leaves the query
    # that compared them unfinished, on which DuckDB refuses relations
    with connect(warehouse) as con:
        frame = gate_frame(con, MART_GATE)
    settings = Settings(data_dir=tmp_path, releases=str(tmp_path), dagster_home=tmp_path / "dh")
    outcome = validate_dataframe(
        frame, MART_GATE.suite, settings, key_columns=list(MART_GATE.key_columns)
    )
    failed = {
        r.column: (
            r.unexpected_count,
            r.partial_unexpected,
            [k["industry_code"] for k in r.sample_keys],
        )
        for r in outcome.results
        if not r.success
    }
    assert failed == {
        "city_code": (1, ["32058"], ["40"]),
        "ownership": (1, ["private"], ["41"]),
        "gross_output": (1, [-1.25], ["42"]),
        "contributors": (1, [0], ["43"]),
        **{status: (1, ["X"], ["44"]) for status in STATUSES},
    }
