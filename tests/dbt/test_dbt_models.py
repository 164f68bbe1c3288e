"""The dbt models on a small hand-made warehouse whose every expected value is worked out by
hand in the comments below (docs/marts.md definitions, default disclosure thresholds: at least 3
firms, two largest firms at most 85 % of a cell).

Fixture (money in thousand yuan; K* Kunshan 320583, counting toward Suzhou 320500 too;
D* Dongguan 441900; S1 Changshu and W12 Wujiang, both Suzhou):

2012 (GB/T 4754-2011 codes, release asif-2012-r1; r2 of 2012 is quarantined):
  K1 3911 computers  reg 230 hmt       GO 100000 VA 20000 sales 100000 exports 80000
                                       (capital 100 % hmt)
  K2 3912 parts      reg 310 foreign   GO  60000 VA 15000 sales  60000 exports 30000
                                       (capital 100 % foreign; VAT 3000: VAT/VA 0.2)
  K3 3922 handsets   reg 173 domestic  GO  40000 VA 10000 sales  15000 exports 0
                                       (capital 20 % foreign)
  K4/K5/K6 1310 grain reg 110/173/173  GO 50000 / 40000 / 30000, VA 10000 / 8000 / 6000
                                       (K6 VAT 900: VAT/VA 0.15)
  D1 3921 telecom    reg 210 hmt       GO  30000      D2 3971 components reg 173 GO 30000
  D3 3971 components reg 330 foreign   GO  40000      D4 1711 textiles   reg 173 GO 100000
  D5/D6/D7 2614 chemicals reg 159/173/173 GO 100000 each (D5's row printed twice)
  D4 printed again with GO 60000 (a firm id on differing rows: the duplicate rule keeps the
  larger, 100000, and drops this one)
  S1 1310 Changshu GO 200000; W12 3911 Wujiang (new code 320509) GO 20000
  X1 1310 location 'ABC' GO 10000 (invalid location, still in the national benchmark)
  X2 3971 Dongguan GO 0 (dropped), X3 3971 location 999999 GO 10000 (unmapped location)
2013 (release asif-2013-r2, provisional, supersedes r1): value added is missing for
  K1 (II 70000, VAT 5000 -> production), K3b, K6 and K7 (no II -> ratio imputation).
  K1 3911 GO 110000; K3b = K3 re-registered (same name, city, class 3922) GO 50000;
  K6 switches to 3971 GO 30000 VAT 1050; K7 3913 reg 310 new GO 20000 VAT 1210;
  K4 GO 50000 VA 10000;
  K5 GO 40000 VA 8000; K2 is gone. D1 GO 0 (dropped but present), D2..D7 as in 2012.
Harmonisation: 2002 (1994 codes) H94 4141 computers in Shenzhen; 2005 (2002 codes) C05 4041
  computers and G05 3911 generators in Shenzhen, W05 in Wujiang city (old code 320584).
Yearbook tables 2012: fdi-2012-r1 Kunshan (long, 万元) and Dongguan (wide, 亿元); fdi-2012-r2
  revises Dongguan only. 2013: fdi-2013-r1 Kunshan (long, 万元), agreeing with the ASIF's
  gross output; its value added of foreign-invested ICT (division 39) is 6000, which
  benchmarks K7's donor-based estimate (5500).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.warehouse.raw_store import write_part
from orchestration.warehouse.schema import connect, raw_empty_sql, raw_release_dir
from tests.helpers import build_with_complexity

KUNSHAN, SUZHOU, DONGGUAN, SHENZHEN = "320583", "320500", "441900", "440300"


def _asif(release: str, year: int, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.insert(0, "release_id", release)
    frame.insert(1, "source_file", f"asif/{year}/{release}.csv")
    frame.insert(2, "source_row", range(1, len(frame) + 1))
    frame.insert(3, "period", year)
    return frame


def _firm(firm_id, location, code, reg, go, **extra) -> dict:
    return {
        "firm_id": firm_id,
        "firm_name": extra.pop("name", f"firm {firm_id}"),
        "location_code": location,
        "industry_code": code,
        "registration_type": reg,
        "gross_output": go,
        **extra,
    }


K_LOC, D_LOC = "320583100001", "441900100001"
K3_NAME = "Kunshan Handset Co"


def asif_rows() -> list[pd.DataFrame]:
    y2012 = [
        _firm(
            "K1",
            K_LOC,
            "3911",
            "230",
            100000,
            value_added=20000,
            sales=100000,
            export_value=80000,
            paid_in_capital=5000,
            capital_hmt=5000,
            employment=100,
        ),
        _firm(
            "K2",
            K_LOC,
            "3912",
            "310",
            60000,
            value_added=15000,
            sales=60000,
            export_value=30000,
            paid_in_capital=4000,
            capital_foreign=4000,
            vat_payable=3000,
        ),
        _firm(
            "K3",
            K_LOC,
            "3922",
            "173",
            40000,
            name=K3_NAME,
            value_added=10000,
            sales=15000,
            export_value=0,
            paid_in_capital=3000,
            capital_foreign=600,
        ),
        _firm("K4", K_LOC, "1310", "110", 50000, value_added=10000, sales=50000),
        _firm("K5", K_LOC, "1310", "173", 40000, value_added=8000, sales=40000),
        _firm("K6", K_LOC, "1310", "173", 30000, value_added=6000, sales=30000, vat_payable=900),
        _firm("D1", D_LOC, "3921", "210", 30000, value_added=6000),
        _firm("D2", D_LOC, "3971", "173", 30000, value_added=6000),
        _firm("D3", D_LOC, "3971", "330", 40000, value_added=8000),
        _firm("D4", D_LOC, "1711", "173", 100000, value_added=20000),
        _firm("D5", D_LOC, "2614", "159", 100000, value_added=20000),
        _firm("D5", D_LOC, "2614", "159", 100000, value_added=20000),  # exact duplicate
        _firm("D6", D_LOC, "2614", "173", 100000, value_added=20000),
        _firm("D7", D_LOC, "2614", "173", 100000, value_added=20000),
        _firm("S1", "320581100001", "1310", "173", 200000, value_added=40000),
        _firm("W12", "320509100001", "3911", "173", 20000, value_added=4000),
        _firm("X1", "ABC", "1310", "173", 10000, value_added=2000),
        _firm("X2", D_LOC, "3971", "173", 0, value_added=0),
        _firm("X3", "999999100001", "3971", "173", 10000, value_added=2000),
        _firm("D4", D_LOC, "1711", "173", 60000, value_added=12000),  # dropped: D4's 100000 stays
    ]
    y2013 = [
        _firm("K1", K_LOC, "3911", "230", 110000, intermediate_input=70000, vat_payable=5000),
        _firm("K3b", K_LOC, "3922", "173", 50000, name=K3_NAME),
        _firm("K4", K_LOC, "1310", "110", 50000, value_added=10000),
        _firm("K5", K_LOC, "1310", "173", 40000, value_added=8000),
        _firm("K6", K_LOC, "3971", "173", 30000, vat_payable=1050),
        _firm("K7", K_LOC, "3913", "310", 20000, vat_payable=1210),
        _firm("D1", D_LOC, "3921", "210", 0, value_added=0),
        _firm("D2", D_LOC, "3971", "173", 30000, value_added=6000),
        _firm("D3", D_LOC, "3971", "330", 40000, value_added=8000),
        _firm("D4", D_LOC, "1711", "173", 100000, value_added=20000),
        _firm("D5", D_LOC, "2614", "159", 100000, value_added=20000),
        _firm("D6", D_LOC, "2614", "173", 100000, value_added=20000),
        _firm("D7", D_LOC, "2614", "173", 100000, value_added=20000),
        _firm("S1", "320581100001", "1310", "173", 200000, value_added=40000),
        _firm("W12", "320509100001", "3911", "173", 20000, value_added=4000),
    ]
    return [
        _asif("asif-2002-r1", 2002, [_firm("H94", "440303", "4141", "330", 10000)]),
        _asif(
            "asif-2005-r1",
            2005,
            [
                _firm("C05", "440303100001", "4041", "310", 12000),
                _firm("G05", "440303100001", "3911", "173", 8000),
                _firm("W05", "320584100001", "1310", "173", 5000),
            ],
        ),
        _asif("asif-2012-r1", 2012, y2012),
        # r1 of 2013 carries an error that r2 corrects: it must not reach the marts
        _asif("asif-2013-r1", 2013, [_firm("K1", K_LOC, "3911", "230", 999999)]),
        _asif("asif-2013-r2", 2013, y2013),
    ]


def _cell(release, city, layout, code, name, ownership, measure, value, unit, year=2012) -> dict:
    return {
        "release_id": release,
        "source_file": f"fdi_city/{year}/{release}-{city}",
        "source_sheet": None if layout == "long" else measure,
        "layout": layout,
        "period": year,
        "city_code": city,
        "year": year,
        "file_city_code": city if layout == "long" else None,
        "industry_code": code,
        "industry_name": name,
        "ownership": ownership,
        "measure": measure,
        "value": value,
        "unit": unit,
    }


ICT_2011 = "计算机、通信和其他电子设备制造业"


def fdi_rows() -> pd.DataFrame:
    kunshan = [  # long layout, Chinese labels, 万元
        ("C", "制造业", "合计", "工业总产值", 50000),
        ("39", ICT_2011, "合计", "工业总产值", 30000),
        ("39", ICT_2011, "港澳台商投资企业", "工业总产值", 15000),
        ("39", ICT_2011, "外商投资企业", "工业总产值", 9000),
        ("39", ICT_2011, "内资企业", "工业总产值", 6000),
        ("39", ICT_2011, "合计", "工业增加值", 6000),
        ("39", ICT_2011, "港澳台商投资企业", "工业增加值", 3000),
        ("39", ICT_2011, "外商投资企业", "工业增加值", 1800),
        ("39", ICT_2011, "内资企业", "工业增加值", 1200),
    ]
    dongguan_r1 = [("制造业", "合计", "工业总产值", 9.9)]
    dongguan_r2 = [  # wide layout: names only, 亿元; value added only as the combined FIE group
        ("制造业", "合计", "工业总产值", 2.0),
        (ICT_2011, "合计", "工业总产值", 1.0),
        (ICT_2011, "港澳台商投资企业", "工业总产值", 0.3),
        (ICT_2011, "外商投资企业", "工业总产值", 0.2),
        (ICT_2011, "内资企业", "工业总产值", 0.5),
        (ICT_2011, "合计", "工业增加值", 0.2),
        (ICT_2011, "外商及港澳台商投资企业", "工业增加值", 0.08),
    ]
    kunshan_2013 = [  # the 2013 ASIF firms: ICT K1 hmt, K3b + K6 domestic, K7 foreign
        ("C", "制造业", "合计", "工业总产值", 30000),
        ("39", ICT_2011, "合计", "工业总产值", 21000),
        ("39", ICT_2011, "港澳台商投资企业", "工业总产值", 11000),
        ("39", ICT_2011, "外商投资企业", "工业总产值", 2000),
        ("39", ICT_2011, "内资企业", "工业总产值", 8000),
        ("39", ICT_2011, "合计", "工业增加值", 7050),
        ("39", ICT_2011, "港澳台商投资企业", "工业增加值", 4500),
        ("39", ICT_2011, "外商投资企业", "工业增加值", 600),
        ("39", ICT_2011, "内资企业", "工业增加值", 1950),
    ]
    rows = [_cell("fdi-2012-r1", KUNSHAN, "long", *r[:2], *r[2:], "万元") for r in kunshan]
    rows += [
        _cell("fdi-2013-r1", KUNSHAN, "long", *r[:2], *r[2:], "万元", year=2013)
        for r in kunshan_2013
    ]
    rows += [_cell("fdi-2012-r1", DONGGUAN, "wide", None, *r, "亿元") for r in dongguan_r1]
    rows += [_cell("fdi-2012-r2", DONGGUAN, "wide", None, *r, "亿元") for r in dongguan_r2]
    frame = pd.DataFrame(rows)
    frame.insert(2, "source_row", range(1, len(frame) + 1))
    return frame


RELEASES = [
    # release_id, dataset, period, revision, city_codes, provisional, status, reason
    ("asif-2002-r1", "asif", 2002, 1, None, False, "loaded", None),
    ("asif-2005-r1", "asif", 2005, 1, None, False, "loaded", None),
    ("asif-2012-r1", "asif", 2012, 1, None, False, "loaded", None),
    ("asif-2012-r2", "asif", 2012, 2, None, False, "quarantined", "missing column gross_output"),
    ("asif-2013-r1", "asif", 2013, 1, None, False, "loaded", None),
    ("asif-2013-r2", "asif", 2013, 2, None, True, "loaded", None),
    ("fdi-2012-r1", "fdi_city", 2012, 1, f"{KUNSHAN},{DONGGUAN}", False, "loaded", None),
    ("fdi-2012-r2", "fdi_city", 2012, 2, DONGGUAN, False, "loaded", None),
    ("fdi-2013-r1", "fdi_city", 2013, 1, KUNSHAN, False, "loaded", None),
]


def _write_raw(raw_dir: Path, dataset: str, frames: list[pd.DataFrame]) -> None:
    """Each release's rows as the ingest leaves them: one Parquet folder per release, columns
    the frames lack as NULL."""
    with duckdb.connect() as con:
        con.register("frame", pd.concat(frames, ignore_index=True))
        for (release_id,) in con.execute("select distinct release_id from frame").fetchall():
            folder = raw_release_dir(raw_dir, dataset, release_id)
            folder.mkdir(parents=True)
            rows = "select * from frame where release_id = $release_id order by source_row"
            write_part(
                con,
                folder,
                0,
                dataset,
                f"{raw_empty_sql(dataset)} union all by name ({rows})",
                {"release_id": release_id},
            )


def build_warehouse(data_dir: Path) -> None:
    _write_raw(data_dir / "raw", "asif", asif_rows())
    _write_raw(data_dir / "raw", "fdi_city", [fdi_rows()])
    with connect(data_dir / "warehouse.duckdb") as con:
        for rid, dataset, period, rev, cities, prov, status, reason in RELEASES:
            con.execute(
                "insert into ops.releases (release_id, dataset, period, revision, city_codes,"
                " published_at, provisional, sha256, status, status_reason)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    rid,
                    dataset,
                    period,
                    rev,
                    cities,
                    f"{period + 1}-03-01",
                    prov,
                    f"sha-{rid}",
                    status,
                    reason,
                ],
            )
            for city in (cities or "").split(",") if dataset == "fdi_city" else [None]:
                con.execute(
                    "insert into ops.release_files (release_id, path, format, sha256, bytes,"
                    " city_code) values (?, ?, 'csv', 'x', 1, ?)",
                    [rid, f"{rid}/{city or 'all'}.csv", city],
                )
        con.execute(
            "insert into ops.catalog_rejections values"
            " ('Bad ID!', 'invalid_id', null, null),"
            " ('asif-2014-r1', 'invalid_format', 'format xls', null)"
        )
        con.execute(
            "insert into ops.ingest_stats values"
            " ('asif-2012-r1', 'asif/2012/asif-2012-r1.csv', 'unmapped_column', 'B99', 1)"
        )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    data_dir = tmp_path_factory.mktemp("dbt_models")
    build_warehouse(data_dir)
    build_with_complexity(data_dir, vars_={"disclosure": "on", "va_imputation_min_donors": 1})
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def _value(con, sql: str, *params):
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, f"{sql} {params}: {rows}"
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def _indicators(con, city: str, year: int, source: str = "asif") -> dict:
    rows = con.execute(
        "select indicator_id, breakdown, value from intermediate.int_city_indicators"
        " where city_code = ? and year = ? and source = ?",
        [city, year, source],
    ).fetchall()
    return {(i, b): v for i, b, v in rows}


def test_supersession_and_release_status(warehouse):
    status = dict(warehouse.execute("select release_id, status from marts.dim_release").fetchall())
    assert status == {
        "asif-2002-r1": "loaded",
        "asif-2005-r1": "loaded",
        "asif-2012-r1": "loaded",  # its r2 is quarantined, so r1 stays in force
        "asif-2012-r2": "quarantined",
        "asif-2013-r1": "superseded",
        "asif-2013-r2": "loaded",
        "asif-2014-r1": "quarantined",  # rejected catalog entry with a valid id
        "fdi-2012-r1": "loaded",  # still supplies Kunshan
        "fdi-2012-r2": "loaded",
        "fdi-2013-r1": "loaded",
    }
    # staging holds every loaded release; r1's wrong 2013 row (K1 output 999999) is never in force
    assert (
        _value(
            warehouse,
            "select count(*) from staging.stg_asif__firm_years where release_id = 'asif-2013-r1'",
        )
        > 0
    )
    assert (
        _value(
            warehouse,
            "select count(*) from intermediate.int_asif_firm_years_in_force"
            " where release_id = 'asif-2013-r1'",
        )
        == 0
    )
    assert dict(
        warehouse.execute(
            "select year, string_agg(distinct release_id, ',' order by release_id)"
            " from intermediate.int_asif_firm_years_in_force group by year"
        ).fetchall()
    ) == {2002: "asif-2002-r1", 2005: "asif-2005-r1", 2012: "asif-2012-r1", 2013: "asif-2013-r2"}
    # fdi_city: per city, the highest revision supplying it wins
    assert dict(
        warehouse.execute(
            "select city_code, string_agg(distinct release_id, ',' order by release_id)"
            " from intermediate.int_fdi_city_cells_in_force where year = 2012 group by city_code"
        ).fetchall()
    ) == {KUNSHAN: "fdi-2012-r1", DONGGUAN: "fdi-2012-r2"}


def test_duplicates_and_drops_are_counted(warehouse):
    quality = {
        (m, d): v
        for m, d, v in warehouse.execute(
            "select metric, detail, value from marts.fct_data_quality"
            " where release_id = 'asif-2012-r1' and city_code is null"
        ).fetchall()
    }
    assert quality[("rows_read", "")] == 20  # every row of the file, D4's second one included
    assert quality[("duplicates_removed", "")] == 1  # D5 printed twice
    assert quality[("rows_staged", "")] == 18
    assert quality[("rows_dropped", "invalid_location_code")] == 1  # X1 'ABC'
    assert quality[("rows_dropped", "non_positive_gross_output")] == 1  # X2
    assert quality[("rows_dropped", "unmapped_location_code")] == 1  # X3 999999
    assert quality[("unmapped_code", "location_code:999999")] == 1
    assert quality[("rows_kept", "")] == 15
    assert quality[("unmapped_column", "B99")] == 1  # passed through from ops.ingest_stats


def test_registration_type_groups(warehouse):
    groups = dict(
        warehouse.execute(
            "select firm_id, ownership_group from intermediate.int_firm_years_harmonised"
            " where year = 2012 and firm_id in ('K1', 'K2', 'K3', 'D1', 'D3', 'D5')"
        ).fetchall()
    )
    # 2xx -> hmt, 3xx -> foreign, the rest domestic (159 is a domestic LLC)
    assert groups == {
        "K1": "hmt",
        "D1": "hmt",
        "K2": "foreign",
        "D3": "foreign",
        "K3": "domestic",
        "D5": "domestic",
    }


def test_computer_codes_of_each_vintage_reach_the_segments_by_the_crosswalk(warehouse):
    weights = {
        (firm, segment): float(weight)
        for firm, segment, weight in warehouse.execute(
            "select firm_id, industry_code, weight from intermediate.int_firm_year_industry_weights"
            " where industry_level = 'ict_segment' and firm_id in ('H94', 'C05', 'K1')"
            " and year in (2002, 2005, 2012)"
        ).fetchall()
    }
    # 1994 4141 counts by group 414 (electronic computers), which the concordance spreads over
    # 2002 4041 (0.333333), 4042 (0.333333) and 4043 (0.333334); through the 2002 rows
    # (4041: 3911 0.85, 3912 0.15; 4042: 3921 1; 4043: 3912 0.2, 3913 0.8):
    #   computers 3911 = 0.333333 x 0.85 = 0.28333305
    #   parts_peripherals 3912 + 3913 = 0.333333 x 0.15 + 0.333334 x (0.2 + 0.8) = 0.38333395
    #   telecom_equipment 3921 = 0.333333
    # 2002 4041: 3911 0.85, 3912 0.15; 2011 3911 is itself.
    assert weights == {
        ("H94", "computers"): 0.28333305,
        ("H94", "parts_peripherals"): 0.38333395,
        ("H94", "telecom_equipment"): 0.333333,
        ("C05", "computers"): 0.85,
        ("C05", "parts_peripherals"): 0.15,
        ("K1", "computers"): 1.0,
    }
    ict = dict(
        warehouse.execute(
            "select firm_id, is_ict from intermediate.int_firm_years_harmonised"
            " where firm_id in ('H94', 'C05', 'K1', 'G05')"
        ).fetchall()
    )
    assert ict == {"H94": True, "C05": True, "K1": True, "G05": False}


def test_3911_in_a_2005_file_is_electrical_machinery(warehouse):
    row = _value(
        warehouse,
        "select division_2011, is_ict, is_manufacturing from"
        " intermediate.int_firm_years_harmonised where firm_id = 'G05'",
    )
    assert row == ("38", False, True)


def test_recoded_county_lands_in_its_city_in_both_vintages(warehouse):
    units = warehouse.execute(
        "select firm_id, year, city_code from intermediate.int_firm_year_city_units"
        " where firm_id in ('W05', 'W12') and unit_kind = 'unit' order by firm_id, year"
    ).fetchall()
    # Wujiang city 320584 (to 2011) and Wujiang district 320509 (from 2012) are both Suzhou
    assert units == [("W05", 2005, SUZHOU), ("W12", 2012, SUZHOU), ("W12", 2013, SUZHOU)]


def test_kunshan_2012_indicators_by_hand(warehouse):
    got = _indicators(warehouse, KUNSHAN, 2012)
    expected = {
        ("mfg_output", "total"): 320000,  # K1..K6
        ("ict_output", "total"): 200000,  # K1 + K2 + K3
        ("ict_share_mfg_output", "total"): 200000 / 320000,
        # sales >= 20,000 thousand yuan: K3 (15,000) is out -> 160,000 / 280,000
        ("ict_share_mfg_output", "threshold_20m"): 160000 / 280000,
        ("ict_segment_share", "computers"): 0.5,
        ("ict_segment_share", "parts_peripherals"): 0.3,
        ("ict_segment_share", "handsets"): 0.2,
        ("ict_segment_share", "telecom_equipment"): 0.0,
        ("fdi_dependency_ict_output", "total"): 0.8,
        ("fdi_dependency_ict_output", "hmt"): 0.5,
        ("fdi_dependency_ict_output", "foreign"): 0.3,
        ("fdi_dependency_ict_output", "cap25"): 0.8,  # K3's 20 % foreign capital is below 25 %
        ("fdi_dependency_ict_va", "total"): 35000 / 45000,
        ("fdi_dependency_ict_va", "hmt"): 20000 / 45000,
        ("fdi_dependency_ict_va", "foreign"): 15000 / 45000,
        ("export_intensity_ict", "total"): 110000 / 200000,
        ("va_ratio_ict", "total"): 45000 / 200000,
        ("top4_share_ict", "total"): None,  # three ICT firms
        ("hhi_mfg", "total"): (200 / 320) ** 2 + (120 / 320) ** 2,
        # national 2012: ICT 330,000 of 1,060,000 (X1 and X3 count, their location aside)
        ("lq_ict", "total"): (200000 / 320000) / (330000 / 1060000),
        ("firms_ict", "total"): 3,
        ("entry_rate_ict", "total"): None,  # no 2011 survey
        ("exit_rate_ict", "total"): None,
    }
    for key, value in expected.items():
        assert (
            got[key] == pytest.approx(value, rel=1e-12) if value is not None else (got[key] is None)
        ), key


def test_dongguan_2012_indicators_by_hand(warehouse):
    got = _indicators(warehouse, DONGGUAN, 2012)
    assert got[("mfg_output", "total")] == 500000
    assert got[("ict_share_mfg_output", "total")] == pytest.approx(0.2)
    assert got[("ict_segment_share", "telecom_equipment")] == pytest.approx(0.3)
    assert got[("ict_segment_share", "components_devices")] == pytest.approx(0.7)
    assert got[("hhi_mfg", "total")] == pytest.approx(0.2**2 + 0.2**2 + 0.6**2)


def _value_added(con, model: str, year: int, firms: tuple[str, ...]) -> dict:
    return {
        firm: (method, source, float(va))
        for firm, method, source, va in con.execute(
            "select firm_id, va_method, va_ratio_source, value_added"
            f" from intermediate.{model} where year = ? and list_contains(?, firm_id)",
            [year, list(firms)],
        ).fetchall()
    }


# new firm K7: Kunshan x division 39 x foreign, nearest year with observations = 2012 (K2):
# the geometric mean of GO x K2's VA/GO (5000) and VAT / K2's VAT/VA (6050)
K7_DONOR_ESTIMATE = (20000 * 15000 / 60000 * 1210 / (3000 / 15000)) ** 0.5


def test_value_added_methods(warehouse):
    assert _value_added(warehouse, "int_firm_years_va_estimates", 2013, ("K7",)) == {
        "K7": ("ratio_imputed", "city_division_ownership_median_with_vat", K7_DONOR_ESTIMATE)
    }
    assert _value_added(
        warehouse, "int_firm_years_value_added", 2013, ("K1", "K3b", "K6", "K7")
    ) == {
        "K1": ("production", None, 110000 - 70000 + 5000),
        # no VAT reported: K3's 2012 VA/GO ratio
        "K3b": ("ratio_imputed", "panel_last_ratio", 50000 * 10000 / 40000),
        # VAT 1050 / its own 2012 VAT/VA share 900 / 6000
        "K6": ("ratio_imputed", "panel_vat_share", 1050 / (900 / 6000)),
        # the yearbook's foreign ICT cell (GO 2000 万元 = K7's 20000) prints VA 600 万元, and
        # K7 is the cell's only firm: its share of the residual is all of it
        "K7": ("ratio_imputed", "yearbook_benchmark", 6000),
    }


def test_value_added_benchmark_cell_by_hand(warehouse):
    cells = warehouse.execute(
        "select year, city_code, division, ownership_group, asif_gross_output,"
        " yearbook_gross_output, yearbook_value_added, known_value_added, donor_imputed_firms,"
        " donor_estimated_value_added, residual_value_added, benchmark_status"
        " from intermediate.int_value_added_benchmarks order by all"
    ).fetchall()
    # K7 is 2013's only firm imputed from donors; the 2002 and 2005 firms (no value added,
    # no intermediate input) are too, but no yearbook covers those years
    assert [(c[0], c[1], c[-1]) for c in cells] == [
        (2002, SHENZHEN, "no_yearbook_cell"),
        (2005, SUZHOU, "no_yearbook_cell"),
        (2005, SHENZHEN, "no_yearbook_cell"),
        (2005, SHENZHEN, "no_yearbook_cell"),
        (2013, KUNSHAN, "benchmarked"),
    ]
    assert tuple(float(v) if isinstance(v, Decimal) else v for v in cells[-1][2:]) == (
        "39",
        "foreign",
        20000,  # K7
        20000,  # printed 2000 万元
        6000,  # printed 600 万元
        0,
        1,
        round(K7_DONOR_ESTIMATE, 3),
        6000,
        "benchmarked",
    )


def test_benchmark_cells_are_counted_per_release(warehouse):
    counted = warehouse.execute(
        "select release_id, detail, value from marts.fct_data_quality"
        " where metric = 'value_added_benchmark_cells' order by all"
    ).fetchall()
    # the cells of test_value_added_benchmark_cell_by_hand, under their year's release
    assert counted == [
        ("asif-2002-r1", "no_yearbook_cell", 1),
        ("asif-2005-r1", "no_yearbook_cell", 3),
        ("asif-2013-r2", "benchmarked", 1),
    ]


def test_kunshan_2013_dynamics_and_imputed_value_added(warehouse):
    got = _indicators(warehouse, KUNSHAN, 2013)
    ict_va = 45000 + 12500 + 7000 + 6000  # K1, K3b, K6, K7 (test_value_added_methods)
    assert got[("va_ratio_ict", "total")] == pytest.approx(ict_va / 210000)
    assert got[("fdi_dependency_ict_va", "total")] == pytest.approx((45000 + 6000) / ict_va)
    # entrants: K7 only (K3b is K3 re-registered, K6 was in the 2012 survey as a grain mill)
    assert got[("entry_rate_ict", "total")] == pytest.approx(1 / 4)
    # exits: K2 of K1, K2, K3 (K3 lives on as K3b)
    assert got[("exit_rate_ict", "total")] == pytest.approx(1 / 3)
    assert got[("top4_share_ict", "total")] == pytest.approx(1.0)
    panel = _value(
        warehouse,
        "select panel_id, link_method from intermediate.int_firm_panel where firm_id = 'K3b'",
    )
    assert panel == ("K3", "name_city_industry")


def test_dongguan_2013_dropped_firm_is_no_exit(warehouse):
    got = _indicators(warehouse, DONGGUAN, 2013)
    # D1 has zero output in 2013 (dropped from aggregates) but was in the survey
    assert got[("exit_rate_ict", "total")] == 0
    assert got[("entry_rate_ict", "total")] == 0
    assert got[("firms_ict", "total")] == 2


def test_yearbook_indicators(warehouse):
    kunshan = _indicators(warehouse, KUNSHAN, 2012, "fdi_city")  # long layout, 万元
    assert kunshan[("mfg_output", "total")] == 500000
    assert kunshan[("ict_share_mfg_output", "total")] == pytest.approx(0.6)
    assert kunshan[("fdi_dependency_ict_output", "total")] == pytest.approx(0.8)
    assert kunshan[("fdi_dependency_ict_va", "foreign")] == pytest.approx(0.3)
    dongguan = _indicators(warehouse, DONGGUAN, 2012, "fdi_city")  # wide layout, 亿元, r2
    assert dongguan[("mfg_output", "total")] == 200000
    assert dongguan[("ict_output", "total")] == 100000
    assert dongguan[("fdi_dependency_ict_output", "total")] == pytest.approx(0.5)
    # value added printed only for HMT + foreign together
    assert dongguan[("fdi_dependency_ict_va", "total")] == pytest.approx(0.4)
    assert dongguan[("fdi_dependency_ict_va", "hmt")] is None


def test_observation_flags(warehouse):
    flags = {
        (city, year, ind, brk, src): (status, all_flags)
        for city, year, ind, brk, src, status, all_flags in warehouse.execute(
            "select city_code, year, indicator_id, breakdown, source, obs_status, obs_flags"
            " from marts.fct_city_indicators"
        ).fetchall()
    }
    # 2012 is a break year of both sources
    assert flags[(KUNSHAN, 2012, "mfg_output", "total", "asif")] == ("B", "B")
    assert flags[(KUNSHAN, 2012, "top4_share_ict", "total", "asif")] == ("B", "B,O")
    assert flags[(DONGGUAN, 2012, "fdi_dependency_ict_va", "hmt", "fdi_city")] == ("B", "B,O")
    # 2013 comes from a provisional release; imputed value added adds E, which outranks P
    assert flags[(KUNSHAN, 2013, "va_ratio_ict", "total", "asif")] == ("E", "E,P")
    assert flags[(KUNSHAN, 2013, "ict_share_mfg_output", "total", "asif")] == ("P", "P")
    assert flags[(SHENZHEN, 2005, "mfg_output", "total", "asif")] == ("A", "A")


def _cell_status(con, city: str, year: int) -> dict:
    """Each cell's gross-output status (every magnitude has its own pattern)."""
    return {
        (level, code, own): status
        for level, code, own, status in con.execute(
            "select industry_level, industry_code, ownership, conf_status_gross_output"
            " from marts.fct_city_industry_year where city_code = ? and year = ?"
            " and source = 'asif'",
            [city, year],
        ).fetchall()
    }


def test_primary_and_secondary_suppression_by_hand(warehouse):
    status = _cell_status(warehouse, DONGGUAN, 2012)
    # primary: textiles is one firm (D4); D1 alone is the HMT part of ICT
    assert status[("division", "17", "total")] == "C"
    assert status[("division", "39", "hmt")] == "C"
    # secondary: C (500,000) = 39 + 17 + 26 would give away 17, so the smaller sibling, ICT
    # (100,000 < 300,000), is suppressed too
    assert status[("division", "39", "total")] == "D"
    assert status[("division", "26", "total")] == "F"
    assert status[("division", "C", "total")] == "F"
    # C = domestic + hmt + foreign: hmt and foreign are one firm each, their sum two firms,
    # so domestic (the only published part) is suppressed
    assert status[("division", "C", "domestic")] == "D"
    # Kunshan's headline cells stay free
    kunshan = _cell_status(warehouse, KUNSHAN, 2012)
    assert kunshan[("division", "C", "total")] == "F"
    assert kunshan[("division", "39", "total")] == "F"
    # Suzhou 39 = Kunshan 39 + rest of Suzhou (W12 alone): Suzhou's cell hides, not Kunshan's
    assert _cell_status(warehouse, SUZHOU, 2012)[("division", "39", "total")] == "D"


def test_each_magnitude_has_its_own_status_by_hand(warehouse):
    """Kunshan's ICT (division 39) in 2012 is K1 + K2 + K3: gross output 100,000 + 60,000 +
    40,000 (two largest 80 % ≤ 85 %: free), exports 80,000 + 30,000 + 0 (two largest 100 %:
    dominated) and employment 100 from K1 alone (the others report none: 100 %). The cell
    shows its gross output and hides its exports and employment; output ratios stay, the
    export ratio is hidden."""
    cell = warehouse.execute(
        "select contributors, gross_output, export_value, employment, conf_status_gross_output,"
        " conf_status_export_value, conf_status_employment, conf_status"
        " from marts.fct_city_industry_year where city_code = ? and year = 2012"
        " and industry_level = 'division' and industry_code = '39' and ownership = 'total'"
        " and source = 'asif'",
        [KUNSHAN],
    ).fetchone()
    assert cell == (3, 200000, None, None, "F", "C", "C", "C")
    indicators = dict(
        warehouse.execute(
            "select indicator_id, conf_status from marts.fct_city_indicators"
            " where city_code = ? and year = 2012 and source = 'asif' and breakdown = 'total'",
            [KUNSHAN],
        ).fetchall()
    )
    assert indicators["ict_share_mfg_output"] == "F"
    assert indicators["export_intensity_ict"] == "C"


def test_suppressed_values_are_null_and_ratios_inherit(warehouse):
    fct = {
        (level, code, own): (go, status)
        for level, code, own, go, status in warehouse.execute(
            "select industry_level, industry_code, ownership, gross_output,"
            " conf_status_gross_output"
            " from marts.fct_city_industry_year where city_code = ? and year = 2012"
            " and source = 'asif'",
            [DONGGUAN],
        ).fetchall()
    }
    assert fct[("division", "17", "total")] == (None, "C")
    assert fct[("division", "39", "total")] == (None, "D")
    assert fct[("division", "C", "total")][0] == 500000
    indicators = {
        (ind, brk): (value, status)
        for ind, brk, value, status in warehouse.execute(
            "select indicator_id, breakdown, value, conf_status from marts.fct_city_indicators"
            " where city_code = ? and year = 2012 and source = 'asif'",
            [DONGGUAN],
        ).fetchall()
    }
    assert indicators[("mfg_output", "total")] == (500000, "F")
    assert indicators[("ict_output", "total")] == (None, "D")
    assert indicators[("ict_share_mfg_output", "total")] == (None, "D")  # numerator is D
    assert indicators[("fdi_dependency_ict_output", "hmt")] == (None, "C")  # D1 alone
    # firm counts are not sensitive
    assert indicators[("firms_ict", "total")] == (3, "F")
    # yearbook values are published statistics
    assert (
        _value(
            warehouse,
            "select count(*) from marts.fct_city_indicators"
            " where source = 'fdi_city' and conf_status <> 'F'",
        )
        == 0
    )
