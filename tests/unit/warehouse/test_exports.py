"""Researchers' exports of a publish (docs/exports.md): CSV with BOM, Stata .dta with labels,
the wide city × year panel and SDMX-CSV, written atomically with the publish and equal to the
marts. The marts are written by hand here, as the dbt models would leave them."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from orchestration.settings import Settings
from orchestration.warehouse.exports import build
from orchestration.warehouse.exports.codes import CONF_STATUS
from orchestration.warehouse.exports.lanes import run_in_lanes
from orchestration.warehouse.exports.panel_names import panel_stems, stem
from orchestration.warehouse.exports.stata import FIXED_TIMESTAMP, coded, write_dta
from orchestration.warehouse.exports.stata_names import is_stata_name, label, unique_names
from orchestration.warehouse.publish import build_version, swap_in

LONG_TEXT = "长" * 700 + "x"  # 2101 UTF-8 bytes: wider than a Stata str, written as strL
INDICATOR_ROWS = [
    # city_code, year, indicator_id, breakdown, source, value, unit, obs_status, obs_flags,
    # conf_status, release_ids
    ("320500", 2010, "fdi_dependency_ict_va", "cap25", "asif", None, "share", "B", "B,E", "C",
     "asif-2010-r1"),
    ("320500", 2010, "ict_segment_share", "components_devices", "asif", 0.1 / 3, "share", "E",
     "E", "F", "asif-2010-r1"),
    ("320500", 2010, "mfg_output", "total", "asif", 1234567.891, "thousand_yuan", "A", "A", "F",
     "asif-2010-r1"),
    ("320500", 2010, "mfg_output", "total", "fdi_city", 1300000.5, "thousand_yuan", "P", "P",
     "F", "fdi_city-2010-r1"),
    ("320583", 2010, "mfg_output", "total", "asif", 2.5e-7, "thousand_yuan", "A", "A", "F",
     "asif-2010-r1"),
    ("320583", 2011, "hhi_mfg", "total", "asif", None, "index", "O", "O", "D",
     "asif-2011-r1"),
]  # fmt: skip
DOCS = {
    "fct_city_indicators": {
        "description": "City × year indicators, one row per key.",
        "columns": {
            "value": "The indicator in its unit; NULL when not computable or suppressed, "
            "never 0 for missing, and this description is longer than eighty characters.",
            "conf_status": "SDMX confidentiality: F free, C primary, D secondary.",
            "city_code": "城市代码 (GB/T 2260).",
        },
    },
    "fct_cells": {"description": "Cells.", "columns": {"amount": "Amount, thousand yuan."}},
}


def _marts(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_city_indicators (city_code varchar, year integer, "
        "indicator_id varchar, breakdown varchar, source varchar, value double, unit varchar, "
        "obs_status varchar, obs_flags varchar, conf_status varchar, release_ids varchar)"
    )
    con.executemany("insert into marts.fct_city_indicators values (?,?,?,?,?,?,?,?,?,?,?)",
                    INDICATOR_ROWS)  # fmt: skip
    con.execute(
        "create table marts.dim_city (city_code varchar, name_zh varchar, name_en varchar, "
        "level varchar, parent_code varchar)"
    )
    con.execute(
        "insert into marts.dim_city values ('320500', '苏州市', 'Suzhou', 'prefecture', "
        "'320000'), ('320583', '昆山市', 'Kunshan', 'county_city', '320500')"
    )
    con.execute(
        "create table marts.fct_cells (industry_code varchar, amount decimal(38,6), "
        "is_ict boolean, published_at date, period integer, conf_status varchar, note varchar)"
    )
    con.execute(
        "insert into marts.fct_cells values "
        "('06', 123456789012.123456, true, date '2010-03-15', 2010, 'F', ?), "
        "('39', 0.000001, null, null, null, 'D', null), "
        "('C', null, false, date '1999-12-31', 1998, 'C', '')",
        [LONG_TEXT],
    )
    return con


def _publish(tmp_path: Path, fingerprint: str = "e" * 64) -> tuple[Settings, dict]:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
    settings.serve_dir.mkdir(parents=True)
    with _marts(tmp_path / "wh.duckdb") as con:
        version, manifest = build_version(con, settings, fingerprint, [], DOCS)
    swap_in(settings, version, manifest)
    return settings, manifest


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path]:
    root = tmp_path_factory.mktemp("exports")
    settings, manifest = _publish(root)
    return settings.serve_dir / "exports", manifest, root / "wh.duckdb"


def _mart(warehouse: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from marts.{table}").df()


def _assert_equal(read: pd.DataFrame, mart: pd.DataFrame, missing_text: object) -> None:
    """Numbers within 1e-9 relative, text equal; a NULL or '' text reads back as
    `missing_text` (pandas reads both CSV forms, an empty field and `""`, as missing)."""
    assert list(read.columns) == list(mart.columns)
    assert len(read) == len(mart)
    for column in mart.columns:
        expected, got = mart[column], read[column]
        if pd.api.types.is_numeric_dtype(expected) and not pd.api.types.is_bool_dtype(expected):
            np.testing.assert_allclose(
                got.astype(float), expected.astype(float), rtol=1e-9, atol=0, equal_nan=True
            )
        elif pd.api.types.is_datetime64_any_dtype(expected):
            assert pd.to_datetime(got).tolist() == expected.tolist(), column
        else:
            want = [missing_text if pd.isna(v) or v == "" else str(v) for v in expected]
            have = [missing_text if pd.isna(v) or v == "" else str(v) for v in got]
            assert have == want, column


def test_every_export_is_listed_in_the_manifest_with_its_sha256(published) -> None:
    exports, manifest, _ = published
    files = sorted(p.name for p in exports.iterdir())
    assert files == sorted(
        [
            f"{t}.{x}"
            for t in ("dim_city", "fct_cells", "fct_city_indicators")
            for x in ("csv", "dta")
        ]
        + ["panel_city_year.csv", "panel_city_year.dta", "fct_city_indicators.sdmx.csv"]
    )
    for name in files:
        digest = hashlib.sha256((exports / name).read_bytes()).hexdigest()
        assert manifest["files"][f"exports/{name}"] == digest
    assert exports.resolve().parent.name == "e" * 16  # inside the version folder


def test_csv_has_a_bom_and_equals_the_marts(published) -> None:
    exports, _, warehouse = published
    raw = (exports / "dim_city.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfcity_code,name_zh,")
    assert "320583,昆山市,Kunshan,county_city,320500\n" in raw.decode("utf-8-sig")
    for table in ("dim_city", "fct_cells", "fct_city_indicators"):
        mart = _mart(warehouse, table)
        text = [c for c in mart.columns if mart[c].dtype.kind not in "fiub"]
        read = pd.read_csv(
            exports / f"{table}.csv", encoding="utf-8-sig", dtype=dict.fromkeys(text, str)
        )
        _assert_equal(read, mart, None)
    cells = pd.read_csv(exports / "fct_cells.csv", encoding="utf-8-sig", dtype=str)
    # DECIMAL(38,6) written with all its digits, dates as ISO text
    assert cells["amount"].tolist()[:2] == ["123456789012.123456", "0.000001"]
    assert cells["published_at"].tolist()[0] == "2010-03-15"


def test_stata_files_carry_labels_codes_and_equal_the_marts(published) -> None:
    exports, _, warehouse = published
    with pd.io.stata.StataReader(exports / "fct_city_indicators.dta") as reader:
        read = reader.read()
        labels, value_labels = reader.variable_labels(), reader.value_labels()
        file_label = reader.data_label
    assert file_label == "City × year indicators, one row per key."
    assert labels["city_code"] == "城市代码 (GB/T 2260)."
    # cut to 79 characters, the trailing space dropped, then "…"
    assert labels["value"] == (
        "The indicator in its unit; NULL when not computable or suppressed, never 0 for…"
    )
    assert labels["unit"] == ""  # no dbt description
    assert sorted(value_labels.values(), key=len) == [
        {1: "F", 2: "C", 3: "D"},
        {1: "A", 2: "B", 3: "E", 4: "O", 5: "P"},
    ]
    _assert_equal(read, _mart(warehouse, "fct_city_indicators"), "")
    codes = pd.read_stata(exports / "fct_city_indicators.dta", convert_categoricals=False)
    assert codes["obs_status"].tolist() == [2, 3, 1, 5, 1, 4]
    assert codes["conf_status"].tolist() == [2, 1, 1, 1, 1, 3]


def test_stata_types_of_decimals_booleans_dates_and_long_text(published) -> None:
    exports, _, warehouse = published
    with pd.io.stata.StataReader(exports / "fct_cells.dta") as reader:
        read = reader.read(convert_categoricals=False)
        assert reader.variable_labels()["amount"] == "Amount, thousand yuan."
        assert {1: "true", 0: "false"} in reader.value_labels().values()
    assert read["note"].tolist() == [LONG_TEXT, "", ""]  # strL; Stata has no NULL text
    assert read["is_ict"].tolist()[::2] == [1, 0] and np.isnan(read["is_ict"][1])
    assert read["published_at"].tolist()[0] == pd.Timestamp("2010-03-15")
    assert pd.isna(read["published_at"][1]) and pd.isna(read["period"][1])
    mart = _mart(warehouse, "fct_cells")
    _assert_equal(read.drop(columns=["is_ict", "published_at", "conf_status"]),
                  mart.drop(columns=["is_ict", "published_at", "conf_status"]), "")  # fmt: skip


def test_panel_row_equals_the_long_table(published) -> None:
    exports, _, _ = published
    with pd.io.stata.StataReader(exports / "panel_city_year.dta") as reader:
        panel = reader.read()
        labels = reader.variable_labels()
    assert panel[["city_code", "year"]].values.tolist() == [
        ["320500", 2010], ["320583", 2010], ["320583", 2011]
    ]  # fmt: skip
    suzhou = panel.iloc[0]
    assert suzhou["name_zh"] == "苏州市"
    assert suzhou["mfgout_a"] == 1234567.891 and suzhou["mfgout_a_s"] == "A"
    assert suzhou["mfgout_y"] == 1300000.5 and suzhou["mfgout_y_f"] == "P"
    assert np.isnan(suzhou["fdiva_cap25_a"])
    assert (suzhou["fdiva_cap25_a_s"], suzhou["fdiva_cap25_a_f"], suzhou["fdiva_cap25_a_c"]) == (
        "B", "B,E", "C"
    )  # fmt: skip
    assert suzhou["seg_compdev_a"] == pytest.approx(0.1 / 3, rel=1e-15)
    assert np.isnan(suzhou["hhi_a"]) and suzhou["hhi_a_f"] == ""  # no row for this city-year
    assert labels["seg_compdev_a"] == "ict_segment_share.components_devices.asif"
    assert labels["hhi_a_c"] == "hhi_mfg.total.asif conf_status"
    csv = pd.read_csv(
        exports / "panel_city_year.csv", encoding="utf-8-sig", dtype={"city_code": str}
    )
    assert list(csv.columns) == list(panel.columns)
    assert csv.loc[2, "hhi_a"] != csv.loc[2, "hhi_a"]  # NaN: value NULL, obs_status O
    assert csv.loc[2, "hhi_a_c"] == "D"
    for name in panel.columns:
        assert len(name) <= 32 and is_stata_name(name)


def test_sdmx_csv_header_and_row(published) -> None:
    exports, _, _ = published
    lines = (exports / "fct_city_indicators.sdmx.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "DATAFLOW,FREQ,REF_AREA,INDICATOR,BREAKDOWN,SOURCE,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,"
        "OBS_STATUS,CONF_STATUS"
    )
    assert (
        lines[1]
        == "CITYGVC:CITY_INDICATORS(1.0),A,320500,fdi_dependency_ict_va,cap25,asif,2010,,share,B,C"
    )
    assert lines[3] == (
        "CITYGVC:CITY_INDICATORS(1.0),A,320500,mfg_output,total,asif,2010,1234567.891,"
        "thousand_yuan,A,F"
    )
    assert len(lines) == 1 + len(INDICATOR_ROWS)


def test_same_marts_give_byte_identical_exports(tmp_path: Path) -> None:
    manifests = [_publish(tmp_path / run)[1] for run in ("one", "two")]
    exported = [
        {k: v for k, v in m["files"].items() if k.startswith("exports/")} for m in manifests
    ]
    assert len(exported[0]) == 9 and exported[0] == exported[1]
    dta = (tmp_path / "one" / "data" / "serve" / "exports" / "fct_cells.dta").read_bytes()
    assert b"<timestamp>\x11" + FIXED_TIMESTAMP + b"</timestamp>" in dta[:300]


_WRITE_EXPORT = build.write_export


def _written_after_a_worker(job: build.ExportJob) -> int | None:
    """`write_export`, in this process only once the worker has written a file: marts this
    small would otherwise all be written here before the worker is up."""
    marker = job.out_dir.parent / "a-worker-wrote"
    if multiprocessing.parent_process() is None:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return _WRITE_EXPORT(job)
    rows = _WRITE_EXPORT(job)
    marker.touch()
    return rows


def test_exports_written_in_a_worker_process_equal_those_written_here(
    published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports, manifest, _ = published
    parquet = exports.parent / "parquet"
    tables = sorted(manifest["row_counts"])
    assert build.worker_count(parquet, tables, build.POOL_MIN_BYTES) == 0  # a few KB
    here = build.write_exports(parquet, tmp_path / "here", tables, DOCS)
    # two cores even on a one-core runner, and no size threshold: the pool path
    monkeypatch.setattr(build.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(build, "write_export", _written_after_a_worker)
    assert build.worker_count(parquet, tables, 0) == 1
    pooled = build.write_exports(parquet, tmp_path / "pooled", tables, DOCS, pool_min_bytes=0)
    assert (tmp_path / "a-worker-wrote").exists()
    assert pooled == here == manifest["row_counts"]
    files = sorted(p.name for p in exports.iterdir())
    assert sorted(p.name for p in (tmp_path / "pooled").iterdir()) == files
    for name in files:
        assert (tmp_path / "pooled" / name).read_bytes() == (exports / name).read_bytes(), name
        assert (tmp_path / "here" / name).read_bytes() == (exports / name).read_bytes(), name


def _fails_in_a_worker(job: str) -> str:
    if multiprocessing.parent_process() is not None:
        raise ValueError(f"{job} has codes without a Stata code")
    time.sleep(1)  # the worker takes a job while this process is busy with its own
    return job


def test_a_failure_in_a_worker_names_its_file() -> None:
    jobs = [f"fct_{x}.dta" for x in "abcde"]
    with pytest.raises(RuntimeError, match=r"writing export fct_.\.dta failed: ValueError: fct_"):
        run_in_lanes(_fails_in_a_worker, jobs, 1, lambda job: f"writing export {job}")


def test_rollback_to_a_publish_without_exports_removes_the_link(tmp_path: Path) -> None:
    settings, _ = _publish(tmp_path)
    older = settings.serve_dir / "versions" / ("0" * 16)
    (older / "parquet").mkdir(parents=True)
    (older / "citygvc.duckdb").write_bytes(b"")
    swap_in(settings, older, {"publish_id": "0" * 16})
    assert not (settings.serve_dir / "exports").exists()
    assert json.loads((settings.serve_dir / "manifest.json").read_text())["publish_id"] == "0" * 16


def test_panel_stems_follow_the_documented_rule() -> None:
    assert stem("ict_share_mfg_output", "threshold_20m", "asif") == "ictshr_t20m_a"
    assert stem("fdi_dependency_ict_output", "foreign", "fdi_city") == "fdiout_fgn_y"
    assert stem("mfg_output", "total", "fdi_city") == "mfgout_y"
    # an id outside the tables: cleaned and cut (indicator 12, breakdown 10, source 4)
    assert stem("R&D intensity (ICT)", "Big-Firms 2011", "survey") == "r_d_intensit_big_firms_surv"
    # the same cut stem twice: the later one in sorted order takes the hash suffix
    first, second = ("a" * 40, "b" * 40, "c" * 40), ("a" * 41, "b" * 40, "c" * 40)
    digest = hashlib.sha1(".".join(second).encode()).hexdigest()[:4]
    stems = panel_stems([second, first, ("mfg_output", "total", "asif")], ["city_code", "year"])
    assert stems[("mfg_output", "total", "asif")] == "mfgout_a"
    assert stems[first] == "aaaaaaaaaaaa_bbbbbbbbbb_cccc"
    assert stems[second] == f"aaaaaaaaaaaa_bbbbbbbbbb_c_{digest}"
    # a stem whose status column would be another stem's name
    stems = panel_stems([("x", "total", "s"), ("x_s", "total", "s")], [])
    assert stems[("x", "total", "s")] == "x_s"
    assert stems[("x_s", "total", "s")].startswith("x_s_s_")


def test_colliding_and_invalid_names_get_the_hash_suffix() -> None:
    digest = hashlib.sha1(b"second").hexdigest()[:4]
    retry = hashlib.sha1(b"third#1").hexdigest()[:4]
    taken = f"x_a_{hashlib.sha1(b'third').hexdigest()[:4]}"
    names = unique_names(
        [("first", "x_a"), ("second", "x_a"), ("squat", taken), ("third", "x_a"), ("r", "long")],
        30,
    )
    assert names["first"] == "x_a"
    assert names["second"] == f"x_a_{digest}"
    assert names["third"] == f"x_a_{retry}"  # its first hashed form was taken
    assert names["r"] == f"long_{hashlib.sha1(b'r').hexdigest()[:4]}"  # reserved word
    assert not is_stata_name("long") and not is_stata_name("str12") and not is_stata_name("1a")
    assert is_stata_name("_x1") and not is_stata_name("a" * 33)


def test_many_series_give_unique_valid_names() -> None:
    series = [(f"indicator_number_{i % 37}_of_a_family", f"breakdown {i % 11}", src)
              for i in range(400) for src in ("asif", "fdi_city")]  # fmt: skip
    stems = panel_stems(series, ["city_code", "year", "name_zh", "name_en"])
    columns = [s + x for s in stems.values() for x in ("", "_s", "_f", "_c")]
    assert len(set(columns)) == len(columns) == 4 * len(set(series))
    assert all(len(c) <= 32 and is_stata_name(c) for c in columns)
    assert panel_stems(list(reversed(series)), ["city_code", "year", "name_zh", "name_en"]) == stems


def test_labels_are_cut_to_80_characters() -> None:
    assert label("  a\n  b  ") == "a b"
    assert label("城" * 81) == "城" * 79 + "…"
    assert label(None) == ""


def test_a_column_name_stata_refuses_is_renamed_with_its_name_in_the_label(tmp_path: Path) -> None:
    table = pa.table({"long": [1.5], "gross_output_of_foreign_invested_firms": [2.0]})
    types = dict.fromkeys(table.column_names, "DOUBLE")
    write_dta(table, types, tmp_path / "t.dta", {"long": "Longitude."}, "t")
    with pd.io.stata.StataReader(tmp_path / "t.dta") as reader:
        read = reader.read()
        labels = reader.variable_labels()
    wide = "gross_output_of_foreign_invested_firms"
    renamed = {
        "long": f"long_{hashlib.sha1(b'long').hexdigest()[:4]}",
        wide: f"gross_output_of_foreign_inv_{hashlib.sha1(wide.encode()).hexdigest()[:4]}",
    }
    assert list(read.columns) == list(renamed.values())
    assert labels == {renamed["long"]: "long: Longitude.", renamed[wide]: wide}
    assert read.iloc[0].tolist() == [1.5, 2.0]


def test_empty_marts_give_empty_exports_with_headers(tmp_path: Path) -> None:
    """A publish whose releases were all quarantined still writes every export."""
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path / "data")})
    settings.serve_dir.mkdir(parents=True)
    with _marts(tmp_path / "wh.duckdb") as con:
        for table in ("fct_city_indicators", "dim_city", "fct_cells"):
            con.execute(f"delete from marts.{table}")
        version, manifest = build_version(con, settings, "f" * 64, [], DOCS)
    swap_in(settings, version, manifest)
    exports = settings.serve_dir / "exports"
    assert len([k for k in manifest["files"] if k.startswith("exports/")]) == 9
    panel = pd.read_stata(exports / "panel_city_year.dta")
    assert list(panel.columns) == ["city_code", "year", "name_zh", "name_en"] and panel.empty
    sdmx = (exports / "fct_city_indicators.sdmx.csv").read_text().splitlines()
    assert len(sdmx) == 1 and sdmx[0].startswith("DATAFLOW,FREQ,REF_AREA,")
    assert pd.read_csv(exports / "fct_cells.csv", encoding="utf-8-sig").empty


def test_flag_codes_map_by_the_code_table_and_unknown_codes_are_named() -> None:
    # codes.CONF_STATUS is the contract: F 1, C 2, D 3 (docs/exports.md)
    values = pa.chunked_array([["F", "C"], [None, "D", "C"]])
    assert coded("conf_status", values, CONF_STATUS).to_pylist() == [1, 2, None, 3, 2]
    with pytest.raises(ValueError, match=r"conf_status_employment .*\['X'\]"):
        coded("conf_status_employment", pa.chunked_array([["F", "X", None]]), CONF_STATUS)
