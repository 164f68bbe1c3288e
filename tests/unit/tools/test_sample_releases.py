"""The sample-release generator (docs/development.md): deterministic output, every quirk visible
in the files, the catalog contract and serving. The ground truth and the --bad cases have test
modules of their own; files are read as a user would (sample_files.py)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from orchestration.settings import REPO_ROOT
from orchestration.warehouse.seeds import load_seed
from tests.unit.tools.sample_files import (
    DONGGUAN,
    KUNSHAN,
    RELEASE_ID,
    asif_file,
    read_asif,
)
from tools.sample_releases import QUIRKS, Options, generate
from tools.sample_releases.__main__ import parse

STATA_NAME = re.compile(r"^[^\W\d]\w{0,31}$")


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# Determinism ------------------------------------------------------------------------------


def test_same_arguments_give_identical_bytes_and_another_seed_other_data(tmp_path: Path) -> None:
    # 2006-2010: .dta (with the r2 revision), Parquet, and fdi_city 2010 in xlsx and CSV
    options = Options(years=(2006, 2010))
    generate(tmp_path / "a", options)
    generate(tmp_path / "b", options)
    a, b = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert a == b
    assert {Path(p).suffix for p in a} >= {".dta", ".parquet", ".xlsx", ".csv", ".json"}
    generate(tmp_path / "c", Options(years=(2006, 2010), seed=1))
    c = _digest(tmp_path / "c")
    assert c["asif/2008/asif_2008_r1.dta"] != a["asif/2008/asif_2008_r1.dta"]
    assert c["_ground_truth.parquet"] != a["_ground_truth.parquet"]


def test_a_years_data_do_not_depend_on_the_range(demo: Path, tmp_path: Path) -> None:
    generate(tmp_path, Options(years=(2008, 2008)))
    assert (tmp_path / "asif/2008/asif_2008_r1.dta").read_bytes() == (
        demo / "asif/2008/asif_2008_r1.dta"
    ).read_bytes()


# Catalog contract -------------------------------------------------------------------------


def test_catalog_satisfies_the_contract(demo: Path, catalog: dict) -> None:
    assert catalog["catalog_version"] == 1
    ids = [r["release_id"] for r in catalog["releases"]]
    assert len(ids) == len(set(ids))
    root = demo.resolve()
    for release in catalog["releases"]:
        assert RELEASE_ID.match(release["release_id"])
        assert release["dataset"] in {"asif", "fdi_city"}
        assert release["release_id"] == (
            f"{release['dataset']}-{release['period']}-r{release['revision']}"
        )
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", release["published_at"])
        for entry in release["files"]:
            assert entry["format"] in {"dta", "csv", "parquet", "xlsx"}
            path = (demo / entry["path"]).resolve()
            assert not Path(entry["path"]).is_absolute() and path.is_relative_to(root)
            data = path.read_bytes()
            assert len(data) == entry["bytes"]
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert path.suffix == "." + entry["format"]
            if release["dataset"] == "fdi_city":
                assert re.fullmatch(r"\d{6}", entry["city_code"])
                assert f"_{entry['city_code']}_r{release['revision']}." in entry["path"]
            else:
                assert "city_code" not in entry
    listed = {e["path"] for r in catalog["releases"] for e in r["files"]}
    on_disk = {
        p.relative_to(demo).as_posix()
        for p in demo.rglob("*")
        if p.is_file() and not p.relative_to(demo).as_posix().startswith(("_", "catalog"))
    }
    assert listed == on_disk
    periods = {(r["dataset"], r["period"]) for r in catalog["releases"]}
    assert periods == {("asif", y) for y in range(1998, 2014)} | {
        ("fdi_city", y) for y in range(2010, 2021)
    }
    provisional = [r["release_id"] for r in catalog["releases"] if r["provisional"]]
    assert provisional == ["fdi_city-2020-r1"]


def test_revisions(demo: Path, catalog: dict, firm_years: pd.DataFrame) -> None:
    r1 = read_asif(asif_file(demo, catalog, 2006, 1)).drop_duplicates()
    r2 = read_asif(asif_file(demo, catalog, 2006, 2)).drop_duplicates()
    # r2 adds the late returns (a subtle error: still far inside any row-count band)
    assert set(r1.firm_id) < set(r2.firm_id)
    assert 0.9 < len(r1) / len(r2) < 0.995
    assert set(firm_years.firm_id[firm_years.year == 2006]) == set(r2.firm_id)
    # the city-level fdi_city revision: one file, higher revision, same period
    releases = {r["release_id"]: r for r in catalog["releases"]}
    revised = releases["fdi_city-2015-r2"]
    assert [e["city_code"] for e in revised["files"]] == [DONGGUAN]
    assert DONGGUAN in {e["city_code"] for e in releases["fdi_city-2015-r1"]["files"]}
    old = next(e for e in releases["fdi_city-2015-r1"]["files"] if e["city_code"] == DONGGUAN)
    assert old["sha256"] != revised["files"][0]["sha256"]


# Quirks -----------------------------------------------------------------------------------


def test_industry_codes_follow_the_years_vintage(demo: Path, catalog: dict) -> None:
    codes = load_seed("industry_codes")
    ict = {
        v: set(codes.code[(codes.vintage == v) & (codes.is_ict == "true")])
        for v in ("2002", "2011")
    }
    files = {
        y: read_asif(asif_file(demo, catalog, y)).drop_duplicates("firm_id")
        for y in (2000, 2005, 2012)
    }
    for year, vintage in ((2005, "2002"), (2012, "2011")):
        listed = set(codes.code[codes.vintage == vintage])
        assert set(files[year].industry_code) <= listed, year
    assert {c[:2] for c in files[2012].industry_code if c in ict["2011"]} == {"39"}
    assert {c[:2] for c in files[2005].industry_code if c in ict["2002"]} == {"40"}
    # 1994 (1998-2002) has no official four-digit list: a code is valid when its first three
    # digits are an official group; ICT is division 41 (groups 411-419)
    groups = load_seed("gbt4754_1994_groups").set_index("group_code")
    codes_2000 = files[2000].industry_code
    assert codes_2000.str.fullmatch(r"\d{4}").all()
    assert set(codes_2000.str[:3]) <= set(groups.index)
    ict_2000 = codes_2000[codes_2000.str[:3].map(groups.division_code) == "41"]
    assert len(ict_2000) > 20 and set(ict_2000.str[:3]) <= {f"41{d}" for d in range(1, 10)}
    # the same firms: ICT 40xx in 2005 report 39xx in 2012; electrical machinery 39xx -> 38xx
    both = files[2005].merge(files[2012], on="firm_id", suffixes=("_05", "_12"))
    ict_05 = both[both.industry_code_05.str.startswith("40")]
    electrical_05 = both[both.industry_code_05.str.startswith("39")]
    assert len(ict_05) > 20 and len(electrical_05) > 20
    assert ict_05.industry_code_12.str.startswith("39").all()
    assert electrical_05.industry_code_12.str.startswith("38").all()


def test_value_added_absent_where_the_real_files_lack_it(
    demo: Path, catalog: dict, firm_years: pd.DataFrame
) -> None:
    columns = {y: set(read_asif(asif_file(demo, catalog, y)).columns) for y in range(1998, 2014)}
    for year, cols in columns.items():
        assert {
            "firm_id",
            "location_code",
            "industry_code",
            "registration_type",
            "gross_output",
        } <= cols
        assert ("value_added" in cols) == (year not in {2004, *range(2008, 2014)}), year
        assert ("intermediate_input" in cols) == (year < 2008), year
    # 2004: value added = gross output - intermediate input + VAT, exactly
    f04 = read_asif(asif_file(demo, catalog, 2004)).drop_duplicates("firm_id")
    t04 = firm_years[firm_years.year == 2004].set_index("firm_id").loc[f04.firm_id]
    ok = f04.gross_output.to_numpy() > 0
    rebuilt = (f04.gross_output - f04.intermediate_input + f04.vat_payable).to_numpy()
    assert (rebuilt[ok] == t04.value_added.to_numpy()[ok]).all()


def test_value_added_ratio_is_stable_so_carry_forward_imputes_closely(
    firm_years: pd.DataFrame,
) -> None:
    codes = load_seed("industry_codes")
    ict = set(
        zip(codes.vintage[codes.is_ict == "true"], codes.code[codes.is_ict == "true"], strict=True)
    )
    fy = firm_years[firm_years.gross_output > 0]
    last_2007 = fy[fy.year == 2007].set_index("firm_key")
    ratio_2007 = last_2007.value_added / last_2007.gross_output
    for year in (2009, 2013):
        later = fy[(fy.year == year) & fy.firm_key.isin(ratio_2007.index)]
        later = later[
            [
                (v, c) in ict
                for v, c in zip(later.industry_vintage, later.industry_code, strict=True)
            ]
        ]
        for city in (KUNSHAN, DONGGUAN):
            part = (
                later[later.county_code == KUNSHAN]
                if city == KUNSHAN
                else later[later.city_code == city]
            )
            imputed = (part.gross_output * ratio_2007.loc[part.firm_key].to_numpy()).sum()
            true = part.value_added.sum()
            assert abs(imputed - true) / part.gross_output.sum() < 0.02, (city, year)


def test_gbk_csv_and_location_code_lengths(demo: Path, catalog: dict) -> None:
    raw = asif_file(demo, catalog, 2002).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").startswith('"法人代码"')
    amap = load_seed("admin_code_map")
    known = set(amap.admin_code)
    for year, digits in ((2003, 6), (2004, 12), (2013, 12)):
        loc = read_asif(asif_file(demo, catalog, year)).location_code
        valid = loc[loc.str[:6].isin(known) & (loc.str.len() == digits)]
        assert 0.995 <= len(valid) / len(loc) < 1.0, year  # a few invalid codes, < 0.5%


def test_duplicates_invalid_codes_and_bad_outputs_are_rare_but_present(
    demo: Path, catalog: dict
) -> None:
    dup_rows, rows, bad_out = 0, 0, 0
    for year in range(1998, 2014):
        frame = read_asif(asif_file(demo, catalog, year))
        rows += len(frame)
        dup_rows += int(frame.duplicated().sum())
        bad_out += int((frame.gross_output <= 0).sum())
        # only exact duplicates: a firm_id never recurs with other content
        assert frame.drop_duplicates().firm_id.is_unique
    assert 0.0005 < dup_rows / rows < 0.005
    assert 0 < bad_out / rows <= 0.001


def test_dta_names_are_valid_stata_names_with_chinese_labels(demo: Path, catalog: dict) -> None:
    for year, gross_output_label in (
        (1998, "工业总产值(现价)"),
        (2003, "总产值现新"),
        (2005, "工业产值当"),
    ):
        _, meta = pyreadstat.read_dta(str(asif_file(demo, catalog, year)), metadataonly=True)
        assert all(STATA_NAME.match(n) for n in meta.column_names)
        labels = meta.column_names_to_labels
        assert gross_output_label in labels.values()
        assert all(re.search(r"[\u4e00-\u9fff]", lab or "") for lab in labels.values())
    _, meta = pyreadstat.read_dta(str(asif_file(demo, catalog, 1998)), row_limit=5)
    assert "gyzcz" in meta.column_names and meta.file_label.startswith("中国工业企业数据库")
    assert read_asif(asif_file(demo, catalog, 2007)).shape[1] == 20  # English codes mapped


def test_admin_recoding_wujiang(firm_years: pd.DataFrame) -> None:
    wujiang = firm_years[(firm_years.county_code == "320584") & firm_years.location_valid]
    first6 = wujiang.location_code.str[:6]
    assert set(first6[wujiang.year == 2011]) == {"320584"}
    assert set(first6[wujiang.year == 2012]) == {"320509"}
    kunshan = firm_years[firm_years.county_code == KUNSHAN]
    assert set(kunshan.location_code[kunshan.location_valid].str[:6]) == {KUNSHAN}


def test_coverage_rules_decide_who_is_in_the_file(firm_years: pd.DataFrame) -> None:
    soe = {"110", "141", "143", "151"}
    small = firm_years[firm_years.sales < 5000]
    assert len(small[small.year <= 2006]) > 0
    assert small[small.year <= 2006].registration_type.isin(soe).all()
    assert small[small.year >= 2007].empty
    assert firm_years[(firm_years.year >= 2011) & (firm_years.sales < 20000)].empty


def test_reregistered_firms_keep_name_city_and_industry(firm_years: pd.DataFrame) -> None:
    ids = firm_years.groupby("firm_key").firm_id.nunique()
    moved = ids[ids > 1].index
    assert len(moved) > 10
    sample = firm_years[firm_years.firm_key.isin(moved)]
    assert (sample.groupby("firm_key")[["firm_name", "city_code"]].nunique() == 1).all().all()
    # never in a classification-change year (the industry code changes then anyway)
    ordered = sample.sort_values(["firm_key", "year"])
    switched = ordered.firm_id.ne(ordered.firm_id.shift()) & ordered.firm_key.eq(
        ordered.firm_key.shift()
    )
    assert switched.sum() == len(moved)
    assert not ordered.year[switched].isin([2003, 2012]).any()


def test_firm_level_consistency(firm_years: pd.DataFrame) -> None:
    fy = firm_years[firm_years.gross_output > 0]
    capital = fy[[c for c in fy.columns if c.startswith("capital_")]].sum(axis=1)
    assert (capital == fy.paid_in_capital).all()
    assert (fy.export_value <= fy.sales).all()
    assert ((fy.sales / fy.gross_output).between(0.849, 1.051)).all()
    groups = load_seed("registration_types").set_index("code").ownership_group
    own = fy.registration_type.map(groups)
    hmt_share = fy.capital_hmt / fy.paid_in_capital
    foreign_share = fy.capital_foreign / fy.paid_in_capital
    assert (hmt_share[own == "hmt"] > 0).all() and (foreign_share[own == "foreign"] > 0).all()
    assert (hmt_share[own == "hmt"] >= 0.25).mean() > 0.9
    assert (fy.capital_hmt[own == "domestic"] == 0).all()
    assert (fy.employment >= 8).all() and (fy.founding_year <= fy.year).all()


def test_fdi_city_layouts(demo: Path, catalog: dict) -> None:
    layouts = set()
    for release in catalog["releases"]:
        if release["dataset"] != "fdi_city":
            continue
        for entry in release["files"]:
            path = demo / entry["path"]
            if entry["format"] == "csv":
                raw = path.read_bytes()
                try:
                    text = raw.decode("utf-8")
                    layouts.add("csv-utf8")
                except UnicodeDecodeError:
                    text = raw.decode("gbk")
                    layouts.add("csv-gbk")
                assert text.startswith('"年份","城市代码","行业代码"')
                continue
            wb = openpyxl.load_workbook(path, read_only=True)
            first = next(wb.worksheets[0].iter_rows(values_only=True))
            if first[0] == "year":
                layouts.add("xlsx-long-en")
                continue
            layouts.add("xlsx-wide")
            assert {ws.title for ws in wb.worksheets} >= {"工业总产值", "工业增加值"}
            rows = list(wb.worksheets[0].iter_rows(values_only=True))
            assert str(release["period"]) in rows[0][0]
            assert rows[2][0] in {"单位：万元", "单位：亿元"}
            assert rows[3][0] == "行业" and rows[4][0] == "制造业"
    assert layouts == {"csv-utf8", "csv-gbk", "xlsx-long-en", "xlsx-wide"}


def test_quirks_none_gives_plain_files(tmp_path: Path) -> None:
    generate(tmp_path, Options(years=(2004, 2004), quirks=frozenset()))
    frame, _ = pyreadstat.read_dta(str(tmp_path / "asif/2004/asif_2004_r1.dta"))
    assert list(frame.columns)[:5] == [
        "firm_id",
        "firm_name",
        "location_code",
        "industry_code",
        "registration_type",
    ]
    assert "value_added" in frame.columns and frame.location_code.str.len().eq(6).all()
    assert frame.industry_code.str.startswith("39").any()  # 2011 codes in every year
    assert not frame.duplicated().any() and (frame.gross_output > 0).all()


def test_cli_rejects_unknown_quirks_and_cases() -> None:
    with pytest.raises(SystemExit):
        parse(["--out", "x", "--quirks", "column_drift,nonsense"])
    with pytest.raises(SystemExit):
        parse(["--out", "x", "--bad", "nonsense"])
    args = parse(["--out", "x", "--quirks", "duplicates,revision", "--years", "2005-2007"])
    assert args.quirks == {"duplicates", "revision"} and args.years == (2005, 2007)
    assert set(parse(["--out", "x"]).quirks) == set(QUIRKS)


# Serving ----------------------------------------------------------------------------------


@pytest.fixture
def served(demo: Path) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.sample_releases", "--out", str(demo), "--serve", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_prints_the_url_first_and_serves_the_catalog(served: str, demo: Path) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", served)
    with urllib.request.urlopen(served + "catalog.json", timeout=10) as response:
        assert response.read() == (demo / "catalog.json").read_bytes()
