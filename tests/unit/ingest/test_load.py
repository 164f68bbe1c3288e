"""ingest_release end to end on hand-built releases: a good release lands in raw.* with its
ops records; every bad case gets its own reason code, a reason.json, and no raw rows; reloads
replace exactly that release's rows."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from orchestration.ingest.batch import (
    ingest_releases,
    pool_size,
)
from orchestration.ingest.catalog import Release, open_catalog, validate_catalog
from orchestration.ingest.checks import check_asif_release, check_fdi_release
from orchestration.ingest.load import IngestOutcome, ingest_release, record_rejections
from orchestration.ingest.readers import read_asif, read_fdi_city
from orchestration.settings import Settings
from orchestration.warehouse.schema import connect

# Codes that the seeds know: 2002-vintage classes, 2010-vintage admin codes, registration types.
INDUSTRIES = ["4011", "4014", "1810", "1711", "0610"]
LOCATIONS = ["320583", "441900", "320505", "110101"]
REG_TYPES = ["110", "173", "230", "310", "390"]


def firms(n: int, period: int, seed: int = 0) -> pd.DataFrame:
    """n firms as a {period} ASIF file holds them (canonical names; callers rename)."""
    rng = np.random.default_rng(seed)
    digits = 6 if period <= 2003 else 12
    return pd.DataFrame(
        {
            "firm_id": [f"{seed:02d}{i:07d}" for i in range(n)],
            "location_code": [
                LOCATIONS[i % len(LOCATIONS)].ljust(digits, "0")[:digits] for i in range(n)
            ],
            "industry_code": [INDUSTRIES[i % len(INDUSTRIES)] for i in range(n)],
            "registration_type": [REG_TYPES[i % len(REG_TYPES)] for i in range(n)],
            "gross_output": np.round(rng.uniform(6000, 90000, n), 3),
            "value_added": np.round(rng.uniform(1000, 5000, n), 3),
            "employment": rng.integers(8, 3000, n).astype(float),
        }
    )


LABELS = {
    "firm_id": "法人代码",
    "location_code": "行政区划代码",
    "industry_code": "国民经济行业代码",
    "registration_type": "登记注册类型",
    "gross_output": "工业总产值",
    "value_added": "工业增加值",
    "employment": "全部从业人员年平均人数",
}
PINYIN = {
    "firm_id": "frdm",
    "location_code": "xzqh",
    "industry_code": "hydm",
    "registration_type": "djzclx",
    "gross_output": "gyzcz",
    "value_added": "gyzjz",
    "employment": "cyrs",
}


def dta_bytes(df: pd.DataFrame, tmp: Path) -> bytes:
    """A .dta file with pinyin names and Chinese variable labels (the location column maps
    only through its label: `xzqh`, pinyin initials of 行政区划, is in no column map)."""
    renamed = df.rename(columns=PINYIN)
    labels = {PINYIN.get(c, c): LABELS.get(c, c) for c in df.columns}
    path = tmp / "tmp.dta"
    pyreadstat.write_dta(renamed, path, column_labels=labels)
    return path.read_bytes()


@dataclass
class Env:
    settings: Settings
    root: Path
    con: duckdb.DuckDBPyConnection
    tmp: Path
    entries: list[dict[str, Any]]

    def publish(
        self,
        release_id: str,
        files: dict[str, bytes],
        *,
        dataset: str = "asif",
        period: int = 2007,
        revision: int = 1,
        cities: dict[str, str] | None = None,
        tamper: Callable[[dict[str, Any]], None] | None = None,
    ) -> Release:
        entry_files = []
        for rel, data in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            item = {
                "path": rel,
                "format": rel.rsplit(".", 1)[-1],
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            if cities:
                item["city_code"] = cities[rel]
            entry_files.append(item)
        entry = {
            "release_id": release_id,
            "dataset": dataset,
            "period": period,
            "revision": revision,
            "published_at": f"{period + 2}-03-01",
            "provisional": False,
            "files": entry_files,
        }
        if tamper:
            tamper(entry)
        self.entries.append(entry)
        doc = {"catalog_version": 1, "releases": self.entries}
        (self.root / "catalog.json").write_text(json.dumps(doc))
        releases, rejections = validate_catalog(doc)
        assert rejections == []
        return next(r for r in releases if r.release_id == release_id)

    def ingest(self, release: Release, **kwargs: Any) -> IngestOutcome:
        kwargs.setdefault("run_gx", False)
        return ingest_release(
            self.con, self.settings, open_catalog(str(self.root)), release, **kwargs
        )

    def asif(self, release_id: str, df: pd.DataFrame, period: int = 2007, **kw: Any) -> Release:
        rel = f"asif/{period}/{release_id}.dta"
        return self.publish(release_id, {rel: dta_bytes(df, self.tmp)}, period=period, **kw)

    def raw_count(self, release_id: str | None = None, table: str = "raw.asif") -> int:
        if release_id is None:
            return self.con.execute(f"select count(*) from {table}").fetchone()[0]
        return self.con.execute(
            f"select count(*) from {table} where release_id = ?", [release_id]
        ).fetchone()[0]

    def status(self, release_id: str) -> tuple[str, str | None]:
        return self.con.execute(
            "select status, status_reason from ops.releases where release_id = ?", [release_id]
        ).fetchone()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    settings = Settings(
        data_dir=tmp_path / "data", releases=str(tmp_path / "rel"), dagster_home=tmp_path / "dh"
    )
    root = tmp_path / "rel"
    root.mkdir()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with connect(settings.warehouse_path) as con:
        yield Env(settings, root, con, scratch, [])


# Good releases -----------------------------------------------------------------------------


def test_good_release_loads_with_its_records(env: Env) -> None:
    df = firms(200, 2007)
    df["备注"] = ["note"] * 200
    df.loc[3, "value_added"] = np.nan
    release = env.asif("asif-2007-r1", df)

    outcome = env.ingest(release)

    assert (outcome.status, outcome.rows) == ("loaded", 200)
    row = env.con.execute(
        """
        select firm_id, location_code, industry_code, registration_type, gross_output,
               value_added, employment, source_row, period, source_file, extra_columns
        from raw.asif where release_id = 'asif-2007-r1' and source_row = 4
        """
    ).fetchone()
    assert row[:4] == (
        df.firm_id[3],
        df.location_code[3],
        df.industry_code[3],
        df.registration_type[3],
    )
    assert row[4] == Decimal(f"{df.gross_output[3]:.3f}")
    assert row[5] is None
    assert row[6] == int(df.employment[3])
    assert row[7:10] == (4, 2007, "asif/2007/asif-2007-r1.dta")
    assert json.loads(row[10]) == {"备注": "note"}

    status, reason, sha, entry_json, rows = env.con.execute(
        "select status, status_reason, sha256, entry_json, rows_loaded from ops.releases"
    ).fetchone()
    assert (status, reason, rows) == ("loaded", None, 200)
    assert sha == release.content_sha256
    assert json.loads(entry_json)["release_id"] == "asif-2007-r1"
    landed = env.con.execute("select landed_path from ops.release_files").fetchone()[0]
    assert landed == "landing/asif/2007/asif-2007-r1/asif-2007-r1.dta"
    stats = dict(
        env.con.execute("select metric || ':' || detail, value from ops.ingest_stats").fetchall()
    )
    assert stats["rows_read:"] == 200
    assert stats["unmapped_column:备注"] == 200  # values kept only in extra_columns
    assert stats["unmapped_code:industry"] == 0


def test_outcome_times_each_phase(env: Env) -> None:
    loaded = env.ingest(env.asif("asif-2007-r1", firms(200, 2007)))
    # GX is off in these tests: no "gx" phase.
    assert set(loaded.phase_seconds) == {"land", "read", "checks", "write"}
    assert all(seconds >= 0 for seconds in loaded.phase_seconds.values())

    failed = env.ingest(env.asif("asif-2008-r1", _duplicate_id(firms(200, 2008))))
    assert failed.status == "quarantined"
    assert set(failed.phase_seconds) == {"land", "read", "checks", "write"}


def test_reload_replaces_exactly_that_release(env: Env) -> None:
    r2006 = env.asif("asif-2006-r1", firms(150, 2006, seed=1), period=2006)
    r2007 = env.asif("asif-2007-r1", firms(200, 2007, seed=2))
    assert env.ingest(r2006).status == "loaded"
    assert env.ingest(r2007).status == "loaded"
    before = env.con.execute(
        "select sum(gross_output) from raw.asif where release_id = 'asif-2006-r1'"
    ).fetchone()[0]

    assert env.ingest(r2007).status == "loaded"

    assert env.raw_count("asif-2007-r1") == 200
    assert env.raw_count("asif-2006-r1") == 150
    after = env.con.execute(
        "select sum(gross_output) from raw.asif where release_id = 'asif-2006-r1'"
    ).fetchone()[0]
    assert after == before
    assert env.con.execute("select count(*) from ops.releases").fetchone()[0] == 2


def test_exact_duplicate_rows_are_counted_not_rejected(env: Env) -> None:
    df = firms(100, 2007)
    df = pd.concat([df, df.iloc[[5, 6]]], ignore_index=True)
    outcome = env.ingest(env.asif("asif-2007-r1", df))
    assert outcome.status == "loaded"
    assert outcome.stats["exact_duplicate_rows"] == 2
    assert env.raw_count() == 102  # raw keeps every row of the file


# Bad releases --------------------------------------------------------------------------------


def _bad_output_text(df: pd.DataFrame) -> pd.DataFrame:
    df = df.astype({"gross_output": str})
    df.loc[4, "gross_output"] = "abc"
    return df


def _set(column: str, rows: slice, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[rows, column] = value
        return df

    return change


def _duplicate_id(df: pd.DataFrame) -> pd.DataFrame:
    """Rows 8-10 repeat the firm ids of rows 11-13 with other content: the duplicate rule
    drops 3 of 200 rows, above its 1 % tolerance."""
    df.loc[7:9, "firm_id"] = df.loc[10:12, "firm_id"].to_numpy()
    return df


BAD_FRAMES: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str, str | None]] = {
    # case: (change to 200 good firms, reason code, column named in the failure)
    "missing_required_column": (
        lambda df: df.drop(columns=["registration_type"]),
        "missing_required_column",
        "registration_type",
    ),
    "non_numeric_output": (_bad_output_text, "non_numeric_value", "gross_output ('gyzcz')"),
    "negative_outputs": (
        _set("gross_output", slice(0, 9), -5.0),
        "non_positive_outputs",
        "gross_output ('gyzcz')",
    ),
    "unknown_industry_codes": (
        _set("industry_code", slice(0, 9), "9999"),
        "unknown_industry_codes",
        "industry_code ('hydm')",
    ),
    "unknown_location_codes": (
        _set("location_code", slice(0, 9), "999999000000"),
        "unknown_location_codes",
        "location_code ('行政区划代码')",
    ),
    "nine_digit_location_codes": (
        _set("location_code", slice(0, 9), "320583100"),
        "invalid_code_format",
        "location_code ('行政区划代码')",
    ),
    "unit_error": (
        lambda df: df.assign(gross_output=df.gross_output * 1000),
        "unit_error",
        "gross_output",
    ),
    "duplicated_id": (_duplicate_id, "duplicate_firm_id", "firm_id ('frdm')"),
    # a researcher's pooled panel given as one year's release
    "pooled_years": (
        lambda df: df.assign(year=[2007] * 100 + [2006] * 100),
        "year_mismatch",
        "year",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FRAMES))
def test_bad_release_is_quarantined_without_rows(env: Env, case: str) -> None:
    change, reason, column = BAD_FRAMES[case]
    release = env.asif("asif-2007-r1", change(firms(200, 2007)))

    outcome = env.ingest(release)

    assert (outcome.status, outcome.reason) == ("quarantined", reason)
    assert env.raw_count() == 0
    status, status_reason = env.status("asif-2007-r1")
    assert status == "quarantined"
    assert status_reason.startswith(f"{reason}: release asif-2007-r1")
    record = json.loads((env.settings.quarantine_dir / "asif-2007-r1" / "reason.json").read_text())
    assert record["reason"] == reason
    assert record["column"] == column
    if reason != "unit_error":
        assert record["file"] == "asif/2007/asif-2007-r1.dta"


def test_a_year_column_of_the_release_year_loads(env: Env) -> None:
    outcome = env.ingest(env.asif("asif-2007-r1", firms(200, 2007).assign(year=2007)))
    assert outcome.status == "loaded"


def test_a_pooled_csv_names_its_first_row_of_another_year(env: Env) -> None:
    df = firms(200, 2007).assign(年份=["2007"] * 200)
    df.loc[[4, 150], "年份"] = [" 2006 ", "2005"]  # CSV row 5: its first of another year
    data = df.to_csv(index=False).encode()
    release = env.publish("asif-2007-r1", {"asif/2007/pooled.csv": data})

    outcome = env.ingest(release)

    assert (outcome.status, outcome.reason) == ("quarantined", "year_mismatch")
    record = json.loads((env.settings.quarantine_dir / "asif-2007-r1" / "reason.json").read_text())
    assert (record["file"], record["column"], record["row"]) == ("asif/2007/pooled.csv", "年份", 5)
    assert "2 of 200 rows" in record["message"]


def test_non_numeric_output_names_row_and_value(env: Env) -> None:
    outcome = env.ingest(env.asif("asif-2007-r1", _bad_output_text(firms(200, 2007))))
    assert outcome.failures[0].row == 5
    assert "'abc'" in outcome.message


def _tamper_file(**change: Any) -> Callable[[dict[str, Any]], None]:
    def tamper(entry: dict[str, Any]) -> None:
        entry["files"][0].update(change)

    return tamper


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("sha256_mismatch", "sha256_mismatch"),
        ("size_mismatch", "size_mismatch"),
        ("truncated_file", "truncated_file"),
        ("corrupt_dta", "corrupt_file"),
        ("empty_file", "empty_file"),
        ("wrong_encoding", "encoding_error"),
    ],
)
def test_bad_file_is_quarantined(env: Env, case: str, reason: str) -> None:
    good = dta_bytes(firms(200, 2007), env.tmp)
    rel = "asif/2007/asif-2007-r1.dta"
    if case == "sha256_mismatch":
        release = env.publish("asif-2007-r1", {rel: good}, tamper=_tamper_file(sha256="0" * 64))
    elif case == "size_mismatch":
        release = env.publish("asif-2007-r1", {rel: good}, tamper=_tamper_file(bytes=100))
    elif case == "truncated_file":
        release = env.publish("asif-2007-r1", {rel: good[: len(good) // 2]})
    elif case == "corrupt_dta":
        release = env.publish("asif-2007-r1", {rel: b"\x00garbage" * 500})
    elif case == "empty_file":
        release = env.publish("asif-2007-r1", {rel: b""})
    else:
        # Windows-1252 (é then a comma): neither UTF-8 nor GB18030, and no UTF-16 mark
        text = "firm_name,location_code\nSociété,320583000000\n".encode("cp1252")
        release = env.publish("asif-2007-r1", {"asif/2007/asif-2007-r1.csv": text})

    outcome = env.ingest(release)

    assert (outcome.status, outcome.reason) == ("quarantined", reason)
    assert env.raw_count() == 0
    assert env.status("asif-2007-r1")[0] == "quarantined"
    assert (env.settings.quarantine_dir / "asif-2007-r1" / "reason.json").exists()


def test_row_count_bands_against_previous_revision_and_year(env: Env) -> None:
    assert env.ingest(env.asif("asif-2006-r1", firms(200, 2006, 1), period=2006)).status == (
        "loaded"
    )
    # 2004-like jump: 1.4× the previous year passes.
    assert env.ingest(env.asif("asif-2007-r1", firms(280, 2007, 2))).status == "loaded"
    # A revision with 40% of the rows of the revision it replaces fails.
    few = env.ingest(env.asif("asif-2007-r2", firms(112, 2007, 3), revision=2))
    assert few.reason == "row_count_out_of_band"
    assert "revision 1 (asif-2007-r1)" in few.message
    # A new year at 3× the previous year fails; the 2007 r1 row count is the reference.
    big = env.ingest(env.asif("asif-2008-r1", firms(850, 2008, 4), period=2008))
    assert big.reason == "row_count_out_of_band"
    assert "280 rows of 2007 (asif-2007-r1)" in big.message


def test_given_previous_row_count_is_used(env: Env) -> None:
    release = env.asif("asif-2007-r2", firms(100, 2007), revision=2)
    assert env.ingest(release, previous_row_count=300).reason == "row_count_out_of_band"
    assert env.ingest(release, previous_row_count=150).status == "loaded"


def test_unit_scale_against_previous_year(env: Env) -> None:
    env.ingest(env.asif("asif-2006-r1", firms(200, 2006, 1), period=2006))
    # 10× (万元 read as 千元 the other way round) stays inside the absolute bounds but not
    # inside the band around the previous year's median.
    df = firms(200, 2007, 2)
    df["gross_output"] = df.gross_output * 10
    outcome = env.ingest(env.asif("asif-2007-r1", df))
    assert outcome.reason == "unit_error"
    assert "asif-2006-r1" in outcome.message


def test_quarantine_after_a_good_load_removes_nothing_else(env: Env) -> None:
    env.ingest(env.asif("asif-2006-r1", firms(200, 2006, 1), period=2006))
    env.ingest(env.asif("asif-2007-r1", _duplicate_id(firms(200, 2007, 2))))
    assert env.raw_count() == 200
    assert env.status("asif-2006-r1") == ("loaded", None)


# Raw files ----------------------------------------------------------------------------------


def _raw_folders(env: Env) -> set[str]:
    return {p.name for p in (env.settings.raw_dir / "asif").iterdir()}


def test_raw_rows_are_one_read_only_parquet_folder_per_loaded_release(env: Env) -> None:
    env.ingest(env.asif("asif-2006-r1", firms(200, 2006, 1), period=2006))
    env.ingest(env.asif("asif-2007-r1", _duplicate_id(firms(200, 2007, 2))))

    assert _raw_folders(env) == {"asif-2006-r1"}
    (part,) = (env.settings.raw_dir / "asif" / "asif-2006-r1").iterdir()
    assert part.name == "part-00000.parquet"
    assert part.stat().st_mode & 0o777 == 0o400  # its owner reads it; nobody writes to it
    assert env.settings.raw_dir.stat().st_mode & 0o777 == 0o700  # licensed microdata
    # Read straight from the file, not through the warehouse's view.
    with duckdb.connect() as con:
        rows = con.execute(
            "select count(*), min(source_row), max(source_row), "
            "sum(gross_output)::double, any_value(period) from read_parquet(?)",
            [str(part)],
        ).fetchone()
    assert rows[:3] == (200, 1, 200)
    assert rows[3] == pytest.approx(firms(200, 2006, 1).gross_output.sum())
    assert rows[4] == 2006


def test_a_failed_warehouse_write_keeps_the_former_raw_rows(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = env.asif("asif-2007-r1", firms(200, 2007, 2))
    env.ingest(release)
    part = env.settings.raw_dir / "asif" / "asif-2007-r1" / "part-00000.parquet"
    before = part.read_bytes()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise duckdb.IOException("disk full")

    monkeypatch.setattr("orchestration.ingest.write._upsert_release", fail)
    with pytest.raises(duckdb.IOException):
        env.ingest(release)

    assert part.read_bytes() == before
    assert env.raw_count("asif-2007-r1") == 200
    assert env.status("asif-2007-r1") == ("loaded", None)
    # The re-ingest's own files are gone once the next ingest starts.
    monkeypatch.undo()
    env.ingest(env.asif("asif-2008-r1", firms(200, 2008, 4), period=2008))
    assert not any((env.settings.raw_dir / ".incoming").iterdir())
    assert _raw_folders(env) == {"asif-2007-r1", "asif-2008-r1"}


# Catalog rejections -------------------------------------------------------------------------


def test_record_rejections(env: Env) -> None:
    env.ingest(env.asif("asif-2006-r1", firms(200, 2006, 1), period=2006))
    (loaded,) = [r for r in validate_catalog({"catalog_version": 1, "releases": env.entries})[0]]
    mutated = json.loads(json.dumps(env.entries[0]))
    mutated["files"][0]["sha256"] = "1" * 64
    doc = {
        "catalog_version": 1,
        "releases": [
            mutated,
            {"release_id": "fdi-2015-r1", "dataset": "census", "period": 2015, "revision": 1},
            {"release_id": "BAD ID", "dataset": "asif"},
        ],
    }
    _, rejections = validate_catalog(doc, {"asif-2006-r1": loaded.content_sha256})

    record_rejections(env.con, rejections)
    record_rejections(env.con, rejections)  # the next refresh sees the same catalog

    rows = env.con.execute(
        "select raw_release_id, reason from ops.catalog_rejections order by 1"
    ).fetchall()
    assert rows == [
        ("BAD ID", "invalid_release_id"),
        ("asif-2006-r1", "release_mutated"),
        ("fdi-2015-r1", "unknown_dataset"),
    ]
    assert env.status("asif-2006-r1") == ("loaded", None)
    status, reason = env.status("fdi-2015-r1")
    assert status == "quarantined"
    assert reason.startswith("unknown_dataset: dataset 'census'")
    period = env.con.execute(
        "select period from ops.releases where release_id = 'fdi-2015-r1'"
    ).fetchone()[0]
    assert period == 2015
    assert env.status("BAD ID") is None


# fdi_city -------------------------------------------------------------------------------------

FDI_CSV = (
    "年份,城市代码,行业代码,行业名称,登记注册类型,指标,数值,单位\n"
    "{year},{city},C,制造业,合计,工业总产值,12345678.9,万元\n"
    "{year},{city},39,计算机、通信和其他电子设备制造业,外商投资企业,工业总产值,4567.1234,万元\n"
    "{year},{city},39,计算机、通信和其他电子设备制造业,港澳台商投资企业,工业增加值,—,亿元\n"
)


def _fdi_csv(year: int = 2015, city: str = "441900", **replace: str) -> bytes:
    text = FDI_CSV.format(year=year, city=city)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode("gbk")


def test_fdi_long_csv_loads(env: Env) -> None:
    release = env.publish(
        "fdi-2015-r1",
        {"fdi/2015/441900.csv": _fdi_csv()},
        dataset="fdi_city",
        period=2015,
        cities={"fdi/2015/441900.csv": "441900"},
    )

    outcome = env.ingest(release)

    assert (outcome.status, outcome.rows) == ("loaded", 3)
    rows = env.con.execute(
        """
        select city_code, year, file_city_code, industry_code, ownership, measure, value, unit,
               layout, source_row
        from raw.fdi_city order by source_row
        """
    ).fetchall()
    assert rows[0] == (
        "441900",
        2015,
        "441900",
        "C",
        "合计",
        "工业总产值",
        Decimal("12345678.9000"),
        "万元",
        "long",
        1,
    )
    assert rows[1][6] == Decimal("4567.1234")
    assert rows[2][6] is None
    assert env.con.execute("select city_codes from ops.releases").fetchone()[0] == "441900"


def _wide_book(year: int, city_name: str, industry: str = "制造业") -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for measure in ("工业总产值", "工业增加值"):
        sheet = book.create_sheet(measure)
        sheet.append([f"{city_name}{year}年规模以上工业企业主要指标"])
        sheet.append([None, None, "单位：万元"])
        sheet.append(["行业", "合计", "港澳台商投资企业", "外商投资企业"])
        sheet.append([industry, 100.5, 20.25, 30])
        sheet.append(["计算机、通信和其他电子设备制造业", 50, 10, 20])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_fdi_wide_xlsx_loads(env: Env) -> None:
    rel = "fdi/2016/320583.xlsx"
    release = env.publish(
        "fdi-2016-r1",
        {rel: _wide_book(2016, "昆山市")},
        dataset="fdi_city",
        period=2016,
        cities={rel: "320583"},
    )

    outcome = env.ingest(release)

    assert (outcome.status, outcome.rows) == ("loaded", 12)
    got = env.con.execute(
        """
        select value from raw.fdi_city
        where source_sheet = '工业增加值' and industry_name = '制造业'
          and ownership = '港澳台商投资企业'
        """
    ).fetchone()[0]
    assert got == Decimal("20.25")
    assert env.con.execute(
        "select distinct layout, city_code, file_city_code, year from raw.fdi_city"
    ).fetchall() == [("wide", "320583", "320583", 2016)]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (lambda: _fdi_csv(year=2014), "year_mismatch"),
        (lambda: _fdi_csv(city="320583"), "city_mismatch"),
        (lambda: _fdi_csv(外商投资企业="外资企业"), "unknown_ownership"),
        (lambda: _fdi_csv(工业增加值="利润总额"), "unknown_measure"),
        (lambda: _fdi_csv(亿元="美元"), "unknown_unit"),
        (lambda: _fdi_csv(**{"12345678.9": "一千万"}), "non_numeric_value"),
        (lambda: _fdi_csv(**{",C,": ",99,"}), "unknown_industry"),
        (lambda: _wide_book(2015, "东莞市", industry="制造业合计"), "unknown_industry"),
    ],
)
def test_bad_fdi_file_is_quarantined(env: Env, content: Callable[[], bytes], reason: str) -> None:
    data = content()
    rel = "fdi/2015/441900." + ("csv" if data[:2] != b"PK" else "xlsx")
    release = env.publish(
        "fdi-2015-r1", {rel: data}, dataset="fdi_city", period=2015, cities={rel: "441900"}
    )

    outcome = env.ingest(release)

    assert (outcome.status, outcome.reason) == ("quarantined", reason)
    assert env.raw_count(table="raw.fdi_city") == 0


# The check functions on their own ---------------------------------------------------------------


def test_check_functions_without_a_warehouse(env: Env) -> None:
    release = env.asif("asif-2007-r2", firms(100, 2007), revision=2)
    frame = read_asif(env.root / release.files[0].path, "dta", file=release.files[0].path)
    assert check_asif_release(frame, release, None) == []
    (failure,) = check_asif_release(frame, release, 300)
    assert failure.reason_code == "row_count_out_of_band"
    assert failure.message.startswith("release asif-2007-r2: 100 rows is 0.33×")

    rel = "fdi/2015/441900.csv"
    fdi = env.publish(
        "fdi-2015-r1",
        {rel: _fdi_csv(year=2016)},
        dataset="fdi_city",
        period=2015,
        cities={rel: "441900"},
    )
    table = read_fdi_city(env.root / rel, "csv", file=rel)
    (failure,) = check_fdi_release([(table, fdi.files[0])], fdi)
    assert (failure.reason_code, failure.file, failure.column, failure.row) == (
        "year_mismatch",
        rel,
        "year",
        1,
    )


# Several releases at once ------------------------------------------------------------------


def test_a_batch_read_in_worker_processes_is_checked_against_releases_of_the_same_batch(
    env: Env,
) -> None:
    """Four releases ingested by `ingest_releases` with two worker processes (GX included):
    each is compared with the previous release as it stands once the releases before it in
    the batch are finished, so the outcomes are those of ingesting them one by one."""
    revision = _duplicate_id(firms(200, 2006, 3)).head(60)  # 0.3× rows, 3 ids on differing rows
    tenfold = firms(200, 2007, 2)
    tenfold["gross_output"] = tenfold.gross_output * 10
    releases = [
        env.asif("asif-2006-r1", firms(200, 2006, 1), period=2006),
        env.asif("asif-2006-r2", revision, period=2006, revision=2),
        env.asif("asif-2007-r1", tenfold, period=2007),
        env.asif("asif-2008-r1", firms(200, 2008, 4), period=2008),
    ]
    outcomes = list(
        ingest_releases(env.con, env.settings, open_catalog(str(env.root)), releases, workers=2)
    )
    assert [o.release_id for o in outcomes] == [r.release_id for r in releases]
    assert [(o.status, o.reason) for o in outcomes] == [
        ("loaded", None),
        # Fails the row-count band against r1 and the duplicate rule: the band comes first in
        # the check order, so it is the reason, as when ingested alone.
        ("quarantined", "row_count_out_of_band"),
        ("quarantined", "unit_error"),
        ("loaded", None),
    ]
    assert [f.reason_code for f in outcomes[1].failures] == [
        "row_count_out_of_band",
        "duplicate_firm_id",
    ]
    assert "asif-2006-r1" in outcomes[2].message  # the median it was compared with
    assert env.raw_count() == 400
    # The workers staged all four; the two the writer quarantined left no files anywhere.
    assert _raw_folders(env) == {"asif-2006-r1", "asif-2008-r1"}
    assert not any((env.settings.raw_dir / ".incoming").iterdir())
    assert all(o.gx and o.phase_seconds["gx"] > 0 for o in (outcomes[0], outcomes[3]))
    assert {"land", "read", "checks", "gx", "write"} <= set(outcomes[0].phase_seconds)


def test_pool_size_follows_the_cores_and_the_releases(env: Env) -> None:
    releases = [env.asif(f"asif-{y}-r1", firms(50, y, y % 7), period=y) for y in (2004, 2005)]
    assert pool_size(releases[:1]) == 1  # one release is read in this process
    # two small releases already go to warm workers, as many as there are cores
    assert pool_size(releases) == min(2, len(os.sched_getaffinity(0)))
