"""Duplicate firm ids and location codes as real ASIF files carry them, through the real reader
and release checks (`ingest_release` on a DuckDB warehouse in tmp), on hand-made files:

- a firm id on differing rows of one year is resolved by the duplicate rule (keep the row
  with the largest gross output, ties to the row printed first), counted, and listed in
  ops.duplicate_firm_ids; the release is quarantined only when the rule drops more than 1 %
  of its rows;
- location codes of 6 or 12 digits load in any year (the first 6 digits are the county);
  only codes that map to no unit quarantine a release.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyreadstat

from tests.helpers import Warehouse

# A 2013-style CSV: printed Chinese names (asif_column_map), UTF-8.
CSV_HEADER = ",".join(
    (
        "法人代码",
        "法人单位",
        "行政区划代码",
        "国民经济行业代码",
        "登记注册类型",
        "工业总产值",
        "全部从业人员年平均人数",
    )
)
KUNSHAN_12 = "320583100001"  # Kunshan county-level city, town 100, village 001


def firm_line(i: int, output: int, employment: int = 100) -> str:
    """Firm F{i:03d} in Kunshan, computers (4041, GB/T 4754-2002), Sino-foreign JV (310)."""
    return f"F{i:03d},企业{i},{KUNSHAN_12},4041,310,{output},{employment}"


def base_lines(n: int) -> list[str]:
    """Rows 1..n: firm F{i} on row i with gross output 20000 + 10·i thousand yuan."""
    return [firm_line(i, 20000 + 10 * i) for i in range(1, n + 1)]


def csv_bytes(lines: list[str]) -> bytes:
    return ("\n".join([CSV_HEADER, *lines]) + "\n").encode("utf-8")


# Duplicate firm ids ---------------------------------------------------------------------------


def test_differing_duplicate_ids_below_the_rate_load_resolved_and_listed(
    warehouse: Warehouse,
) -> None:
    lines = base_lines(300)  # rows 1-300, F001-F300
    lines += [
        firm_line(10, 35000),  # row 301: F010 again, larger output than row 10 (20100)
        firm_line(20, 20200, employment=999),  # row 302: F020 again, same output as row 20
        lines[29],  # row 303: row 30 printed twice (exact duplicate)
        lines[9],  # row 304: row 10 printed twice (exact copy of F010's smaller record)
    ]
    path = "asif/2007/asif-2007-r1.csv"
    outcome = warehouse.ingest(warehouse.release("asif-2007-r1", 2007, path, csv_bytes(lines)))

    # The rule drops F010's row 10 with its copy 304, and F020's row 302 (a tie at 20200:
    # the row printed first stays): 3 of 304 rows = 0.99 %, within 1 %.
    assert (outcome.status, outcome.rows) == ("loaded", 304)
    assert outcome.stats["exact_duplicate_rows"] == 2  # rows 303 and 304
    assert outcome.stats["duplicate_firm_ids_resolved"] == 2
    assert outcome.stats["duplicate_firm_id_rows_dropped"] == 3
    # raw.asif keeps every row of the file; the rule is applied in staging
    assert warehouse.rows("select count(*) from raw.asif") == [(304,)]

    listed = warehouse.rows(
        "select release_id, year, firm_id, rows, records, kept_source_file, kept_source_row,"
        " rows_dropped from ops.duplicate_firm_ids order by firm_id"
    )
    assert listed == [
        ("asif-2007-r1", 2007, "F010", 3, 2, path, 301, 2),
        ("asif-2007-r1", 2007, "F020", 2, 2, path, 20, 1),
    ]
    kept = warehouse.rows(
        "select raw.firm_id, raw.gross_output from raw.asif as raw"
        " join ops.duplicate_firm_ids as dup on raw.firm_id = dup.firm_id"
        " and raw.source_row = dup.kept_source_row order by 1"
    )
    assert [(firm, float(output)) for firm, output in kept] == [("F010", 35000), ("F020", 20200)]

    # What reaches serve/ from ops (fct_data_quality from ingest_stats, dim_release's
    # status_reason from releases) names no firm id.
    published = warehouse.rows(
        "select source_file || metric || detail from ops.ingest_stats"
        " union all select coalesce(status_reason, '') from ops.releases"
    )
    assert published and not any("F0" in text for (text,) in published)
    assert warehouse.rows(
        "select metric, value from ops.ingest_stats where metric like 'duplicate%' order by 1"
    ) == [("duplicate_firm_id_rows_dropped", 3.0), ("duplicate_firm_ids_resolved", 2.0)]


def test_differing_duplicate_ids_above_the_rate_quarantine_with_a_located_reason(
    warehouse: Warehouse,
) -> None:
    lines = base_lines(100)  # rows 1-100
    lines += [
        firm_line(5, 50000),  # row 101: F005 again, larger than row 5 (20050): row 5 dropped
        firm_line(7, 10000),  # row 102: F007 again, smaller than row 7 (20070): row 102 dropped
    ]
    path = "asif/2009/asif-2009-r1.csv"
    outcome = warehouse.ingest(warehouse.release("asif-2009-r1", 2009, path, csv_bytes(lines)))

    # 2 of 102 rows dropped = 1.96 % > 1 %
    assert (outcome.status, outcome.reason) == ("quarantined", "duplicate_firm_id")
    (failure,) = outcome.failures
    assert (failure.file, failure.column, failure.row) == (path, "firm_id ('法人代码')", 5)
    assert failure.message.startswith(
        f"release asif-2009-r1, file {path}, column firm_id ('法人代码'), row 5: "
        "2 firm_id value(s) appear on rows that differ; keeping the row with the largest "
        "gross output of each drops 2 of 102 rows (1.96%)"
    )
    status, reason = warehouse.rows(
        "select status, status_reason from ops.releases where release_id = 'asif-2009-r1'"
    )[0]
    assert status == "quarantined" and reason == f"duplicate_firm_id: {failure.message}"
    assert "F005" not in reason and "F007" not in reason  # status_reason is published
    record = json.loads(
        (warehouse.settings.quarantine_dir / "asif-2009-r1" / "reason.json").read_text()
    )
    assert (record["file"], record["column"], record["row"]) == (path, "firm_id ('法人代码')", 5)
    assert warehouse.rows("select count(*) from raw.asif") == [(0,)]
    assert warehouse.rows("select count(*) from ops.duplicate_firm_ids") == [(0,)]


def test_exact_duplicates_alone_resolve_nothing(warehouse: Warehouse) -> None:
    lines = base_lines(100)
    lines += [lines[0], lines[0], lines[49]]  # rows 101-103 repeat rows 1, 1, 50 exactly
    path = "asif/2007/asif-2007-r1.csv"
    outcome = warehouse.ingest(warehouse.release("asif-2007-r1", 2007, path, csv_bytes(lines)))

    assert (outcome.status, outcome.rows) == ("loaded", 103)
    assert outcome.stats["exact_duplicate_rows"] == 3
    assert "duplicate_firm_ids_resolved" not in outcome.stats
    assert warehouse.rows("select count(*) from ops.duplicate_firm_ids") == [(0,)]


# Location codes -------------------------------------------------------------------------------


def dta_bytes(tmp: Path, locations: list[float | str]) -> bytes:
    """A 2008-style .dta: Chinese variable names as the 2008 files spell them, the location
    code stored as a number (Stata keeps codes as doubles)."""
    n = len(locations)
    frame = pd.DataFrame(
        {
            "法人代码": [f"L{i:03d}" for i in range(1, n + 1)],
            "行政区划代码": locations,
            "国民经济行业代码": ["4041"] * n,
            "登记注册类型": ["310"] * n,
            "工业总产值": [30000.0 + i for i in range(1, n + 1)],
        }
    )
    path = tmp / "asif.dta"
    pyreadstat.write_dta(frame, path)
    return path.read_bytes()


def test_six_digit_codes_in_a_twelve_digit_year_load_as_their_county(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    # 2008: one vendor's version prints the 6-digit county code; Kunshan and Dongguan.
    locations = [320583.0 if i % 2 else 441900.0 for i in range(1, 101)]
    path = "asif/2008/asif-2008-r1.dta"
    data = dta_bytes(tmp_path, locations)
    outcome = warehouse.ingest(warehouse.release("asif-2008-r1", 2008, path, data))

    assert (outcome.status, outcome.rows) == ("loaded", 100)
    assert outcome.stats["unmapped_code"]["asif/2008/asif-2008-r1.dta:location"] == 0
    assert "invalid_code_format" not in outcome.stats
    assert warehouse.rows("select location_code, count(*) from raw.asif group by 1 order by 1") == [
        ("320583", 50),
        ("441900", 50),
    ]
    assert warehouse.rows("select location_code from raw.asif where firm_id = 'L001'") == [
        ("320583",)
    ]


def test_twelve_digit_codes_before_2004_load(warehouse: Warehouse) -> None:
    path = "asif/2003/asif-2003-r1.csv"
    outcome = warehouse.ingest(
        warehouse.release("asif-2003-r1", 2003, path, csv_bytes(base_lines(100)))
    )
    assert (outcome.status, outcome.rows) == ("loaded", 100)
    assert outcome.stats["unmapped_code"]["asif/2003/asif-2003-r1.csv:location"] == 0


def test_codes_that_map_to_no_unit_quarantine(warehouse: Warehouse, tmp_path: Path) -> None:
    # 3 of 100 codes (rows 4, 5, 6) are well-formed but no county: 3 % > the 2 % tolerance.
    locations = [999999.0 if i in (4, 5, 6) else 320583.0 for i in range(1, 101)]
    path = "asif/2008/asif-2008-r1.dta"
    data = dta_bytes(tmp_path, locations)
    outcome = warehouse.ingest(warehouse.release("asif-2008-r1", 2008, path, data))

    assert (outcome.status, outcome.reason) == ("quarantined", "unknown_location_codes")
    (failure,) = outcome.failures
    location = "location_code ('行政区划代码')"
    assert (failure.file, failure.column, failure.row) == (path, location, 4)
    assert "3 of 100 codes (3.00%)" in failure.message
    assert warehouse.rows("select count(*) from raw.asif") == [(0,)]


def test_codes_excel_printed_in_scientific_notation_say_so(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    # A CSV Excel saved: 12-digit codes as 3.20583E+11 (six digits kept) on every row.
    lines = ["法人代码,行政区划代码,行业代码,登记注册类型,工业总产值"]
    lines += [f"{i:09d},3.20583E+11,4041,230,100" for i in range(1, 101)]
    path = "asif/2008/asif-2008-r1.csv"
    data = ("\r\n".join(lines) + "\r\n").encode("gbk")
    outcome = warehouse.ingest(warehouse.release("asif-2008-r1", 2008, path, data))

    assert (outcome.status, outcome.reason) == ("quarantined", "invalid_code_format")
    message = outcome.failures[0].message
    assert "first '3.20583E+11'" in message
    assert "scientific notation has lost its digits" in message


def test_codes_of_other_lengths_are_invalid(warehouse: Warehouse, tmp_path: Path) -> None:
    # 9 digits (county + town, village cut off) on rows 1-3: 3 % > the 1 % tolerance.
    locations = ["320583100" if i <= 3 else "320583100001" for i in range(1, 101)]
    path = "asif/2008/asif-2008-r1.dta"
    data = dta_bytes(tmp_path, locations)
    outcome = warehouse.ingest(warehouse.release("asif-2008-r1", 2008, path, data))

    assert (outcome.status, outcome.reason) == ("quarantined", "invalid_code_format")
    assert outcome.failures[0].row == 1
    assert "are not 6 or 12 digits, first '320583100'" in outcome.failures[0].message
